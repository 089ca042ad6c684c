import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/pipeline/logger.js';
import { SyncTask } from '../../../src/pipeline/sync-task.js';
import { realDependencies } from '../../../src/pipeline/wiring.js';
import { sharedServer } from '../../harness/server.js';
import { openWarehouse, writeTaskConfig } from '../../harness/sync-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * batch.maxMillis bounds a batch in time even when events never pause: a busy binlog of tables
 * that are not synced still moves the committed checkpoint, and a synced change commits while
 * the noise goes on. (Before, the batch timer was restarted by every event and never fired.)
 */
describe('the batch time bound under a binlog that never pauses', () => {
  it('commits checkpoints and changes while other tables are written every few milliseconds', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('batch_bound');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v INT)`);
    await server.query(`CREATE TABLE \`${db}\`.noise (id INT AUTO_INCREMENT PRIMARY KEY, v INT)`);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      initial: { schema: true, full: false },
      batch: { maxRows: 20_000, maxMillis: 200 },
    });
    const config = loadConfig(configPath);
    const task = new SyncTask(config, realDependencies(config), {
      untilCaughtUp: false,
      resnapshot: false,
      logger: createLogger({ destination: new PassThrough() }),
    });
    const running = task.run();
    const checkpoint = () => task.snapshot().checkpoint;
    for (let i = 0; i < 200 && (task.snapshot().state !== 'Synchronizing' || !checkpoint()); i++)
      await sleep(50);
    expect(task.snapshot().state).toBe('Synchronizing');

    const conn = await server.connect(db);
    let writing = true;
    const noise = (async () => {
      while (writing) await conn.query('INSERT INTO noise (v) VALUES (1)');
    })();
    try {
      // Noise only: the checkpoint must still move (wide margins; the bound is 200 ms).
      await sleep(300);
      const before = checkpoint()!;
      let moved = false;
      for (let i = 0; i < 60 && !moved; i++) {
        await sleep(50);
        const now = checkpoint()!;
        moved = now.file !== before.file || now.position > before.position;
      }
      expect(moved, 'checkpoint moved while only other tables were written').toBe(true);
      // A synced change in the middle of the noise commits while the noise goes on.
      await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 1)`);
      let committed = false;
      for (let i = 0; i < 60 && !committed; i++) {
        await sleep(50);
        committed = (task.snapshot().tables[0]?.changes.I ?? 0) === 1;
      }
      expect(committed, 'the synced insert committed while the noise went on').toBe(true);
    } finally {
      writing = false;
      await noise;
      await conn.end();
      task.stop();
      await running;
    }
    const sink = await openWarehouse(configPath);
    const log = await sink.readLog('t');
    await sink.close();
    expect(log.map((l) => [l.operationFlag, ...l.row])).toEqual([['I', 1, 1]]);
  }, 60_000);
});
