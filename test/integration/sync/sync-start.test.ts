import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/pipeline/logger.js';
import { SyncTask } from '../../../src/pipeline/sync-task.js';
import { realDependencies } from '../../../src/pipeline/wiring.js';
import { runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

describe('incremental only (initial.full: false)', () => {
  for (const how of ['gtid', 'file'] as const) {
    it(`starts capture at a configured ${how === 'gtid' ? 'GTID' : 'file/position'} and copies nothing`, async () => {
      const server = sharedServer();
      const db = await server.freshDatabase(`start_${how}`);
      await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
      await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'before')`);
      const [{ pos }] = await server.query<{ pos: string }[]>('SELECT @@gtid_binlog_pos AS pos');
      const master = await server.masterStatus();
      await server.query(`INSERT INTO \`${db}\`.t VALUES (2, 'after')`);
      await server.query(`UPDATE \`${db}\`.t SET v = 'upd' WHERE id = 1`);
      const start = how === 'gtid' ? { gtid: pos } : { file: master.file, position: master.position };
      const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
        initial: { schema: true, full: false },
        start,
      });
      const r = await runCli(['sync', '--config', configPath, '--until-caught-up']);
      expect(r.code, r.stderr).toBe(0);
      const sink = await openWarehouse(configPath);
      const base = await sink.readRows('t');
      const log = await sink.readLog('t');
      const state = await sink.readState();
      await sink.close();
      expect(base).toEqual([]);
      expect(log.map((l) => [l.operationFlag, l.beforeFlag, l.afterFlag, ...l.row])).toEqual([
        ['I', 'N', 'Y', 2, 'after'],
        ['U', 'Y', 'N', 1, 'before'],
        ['U', 'N', 'Y', 1, 'upd'],
      ]);
      expect(state.checkpoint?.file).toMatch(/^binlog\.\d+$/);
    });
  }
});

describe('fresh start', () => {
  it('an ALTER committed between the schema read and the start position is not missed', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('start_window');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'a'), (2, 'b')`);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    const config = loadConfig(configPath);
    let calls = 0;
    const deps = {
      ...realDependencies(config),
      // The first start position is taken right after this DDL and insert: the schemas read
      // just before it lack column w.
      async beforeStartPosition() {
        if (calls++ > 0) return;
        await server.query(`ALTER TABLE \`${db}\`.t ADD COLUMN w INT NOT NULL DEFAULT 7`);
        await server.query(`INSERT INTO \`${db}\`.t VALUES (3, 'c', 8)`);
      },
    };
    const task = new SyncTask(config, deps, {
      untilCaughtUp: true,
      resnapshot: false,
      logger: createLogger({ destination: new PassThrough() }),
    });
    expect(await task.run()).toBe('Finished');
    expect(calls).toBe(2); // the reads around the first position differed: taken again
    expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
    expect((await sourceRows(server, db, 't'))[2]).toEqual(['3', 'c', '8']);
  });
});
