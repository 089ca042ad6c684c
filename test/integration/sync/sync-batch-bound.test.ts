import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/pipeline/logger.js';
import { SyncTask } from '../../../src/pipeline/sync-task.js';
import { realDependencies } from '../../../src/pipeline/wiring.js';
import type { ChangeLog } from '../../../src/sink/sink.js';
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

/**
 * A batch that is due while the one before it is still committing goes on taking changes (so
 * decoding does not wait on a slow COMMIT), up to twice batch.maxRows and no further; the log
 * stays exact.
 */
describe('a due batch while the batch before it commits', () => {
  it('takes changes up to twice batch.maxRows, and every change lands once, in order', async () => {
    // 150 transactions of 10 inserts each; every commit stays in flight 150 ms longer than DuckDB needs.
    const { config, configPath, deps, batches } = await stretchCase(
      'batch_stretch',
      150,
      { batch: { maxRows: 100, maxMillis: 60_000 } },
      (log, batches) => countingCommits(log, batches, () => sleep(150)),
    );
    const task = new SyncTask(config, deps, {
      untilCaughtUp: true,
      resnapshot: false,
      logger: createLogger({ destination: new PassThrough() }),
    });
    await task.run();
    expect(task.snapshot().state).toBe('Finished');
    const changes = batches.filter((n) => n > 0);
    expect(changes.reduce((a, b) => a + b, 0)).toBe(1500);
    // The first batch commits at maxRows; the next ones fill while it commits, up to 2 × maxRows.
    expect(changes[0]).toBe(100);
    expect(Math.max(...changes)).toBe(200);
    const sink = await openWarehouse(configPath);
    const log = await sink.readLog('t');
    await sink.close();
    expect(log.map((l) => Number(l.recordId))).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
    expect(log.map((l) => l.row[0])).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
  }, 60_000);
});

describe('a stretched batch when the binlog goes quiet', () => {
  it('commits as soon as the commit before it is done, not at batch.maxMillis', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // 250 changes: the first batch takes 100; 150 wait behind its commit (due, below 2 × 100).
    // The first commit with changes stays in flight until the gate opens.
    const { config, configPath, deps, batches } = await stretchCase(
      'batch_wake',
      25,
      {
        // Neither the time bound nor a heartbeat may be what commits the second batch.
        batch: { maxRows: 100, maxMillis: 120_000 },
        retry: { maxMinutes: 1, heartbeatSeconds: 120 },
      },
      (log, batches) => countingCommits(log, batches, (changes) => (changes > 0 ? gate : Promise.resolve())),
    );
    const task = new SyncTask(config, deps, {
      untilCaughtUp: false,
      resnapshot: false,
      logger: createLogger({ destination: new PassThrough() }),
    });
    const running = task.run();
    const inserted = () => task.snapshot().tables[0]?.changes.I ?? 0;
    try {
      for (let i = 0; i < 200 && batches.reduce((a, b) => a + b, 0) < 100; i++) await sleep(50);
      expect(batches.filter((n) => n > 0)).toEqual([100]);
      // Everything has been read and the source is quiet; the 150 wait for the held commit.
      await sleep(500);
      expect(inserted()).toBe(0);
      release();
      for (let i = 0; i < 100 && inserted() < 250; i++) await sleep(50);
      expect(inserted(), 'the waiting batch committed right after the held one').toBe(250);
      expect(batches.filter((n) => n > 0)).toEqual([100, 150]);
    } finally {
      release();
      task.stop();
      await running;
    }
    const sink = await openWarehouse(configPath);
    const log = await sink.readLog('t');
    await sink.close();
    expect(log.map((l) => Number(l.recordId))).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
  }, 60_000);
});

/**
 * A table `t` with `transactions` committed transactions of 10 inserts each, and a task config
 * that captures them from the binlog (no full sync); its change log is wrapped by `wrap`, which
 * records each commit's change count in `batches`.
 */
async function stretchCase(
  prefix: string,
  transactions: number,
  extra: Record<string, unknown>,
  wrap: (log: ChangeLog, batches: number[]) => ChangeLog,
) {
  const server = sharedServer();
  const db = await server.freshDatabase(prefix);
  await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v INT)`);
  const start = await server.masterStatus();
  const conn = await server.connect(db);
  for (let tx = 0; tx < transactions; tx++) {
    const values = Array.from({ length: 10 }, (_, i) => `(${tx * 10 + i + 1}, ${tx})`).join(', ');
    await conn.query(`INSERT INTO t VALUES ${values}`);
  }
  await conn.end();
  const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
    initial: { schema: true, full: false },
    start,
    ...extra,
  });
  const config = loadConfig(configPath);
  const deps = realDependencies(config);
  const batches: number[] = [];
  const openSink = deps.openSink;
  deps.openSink = async () => {
    const sink = await openSink();
    const open = sink.openChangeLog.bind(sink);
    sink.openChangeLog = async () => wrap(await open(), batches);
    return sink;
  };
  return { config, configPath, deps, batches };
}

/** Records each commit's change count in `batches`, and resolves it only after `after(changes)`. */
function countingCommits(
  log: ChangeLog,
  batches: number[],
  after: (changes: number) => Promise<unknown>,
): ChangeLog {
  let appended = 0;
  return {
    append(transaction, firstRecordId) {
      log.append(transaction, firstRecordId);
      appended += transaction.changes.length;
    },
    async commit(checkpoint) {
      const changes = appended;
      batches.push(changes);
      appended = 0;
      await log.commit(checkpoint);
      await after(changes);
    },
    close: () => log.close(),
  };
}
