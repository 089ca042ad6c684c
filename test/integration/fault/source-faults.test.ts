import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { checkLog, SOAK, SyncProcess, seededRandom, sleep, statusJson } from '../../harness/crash.js';
import { MariadbSandbox } from '../../harness/server.js';
import { mergedRows, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';
import { TcpProxy } from '../../harness/tcp-proxy.js';

/**
 * Source faults while `binlake sync` runs: the server restarted (clean and kill -9), the
 * connection severed through a TCP proxy (mid large transaction, mid full-sync chunk), the server
 * unreachable for longer than a batch, and a retry limit shorter than the outage (a clear
 * `Failed`). After each, merged == source and `_log` has no duplicate and no gap.
 */
let sandbox: MariadbSandbox;

beforeAll(async () => {
  sandbox = await MariadbSandbox.start();
}, 180_000);

afterAll(async () => {
  await sandbox?.stop();
});

let serverIds = 7100 + (process.pid % 500);

async function setup(prefix: string, rows: number, extra: Record<string, unknown> = {}, port?: number) {
  const db = await sandbox.freshDatabase(prefix);
  await sandbox.query(
    `CREATE TABLE \`${db}\`.t (id INT NOT NULL, k INT NOT NULL, v VARCHAR(60), PRIMARY KEY (id))`,
  );
  if (rows > 0) {
    await sandbox.query(
      `INSERT INTO \`${db}\`.t SELECT seq, seq % 97, CONCAT('seed-', seq) FROM \`${db}\`.seq_1_to_${rows}`,
    );
  }
  const { configPath } = writeTaskConfig(sandbox, [{ database: db, tables: ['t'] }], {
    source: { ...sandbox.source, port: port ?? sandbox.port, serverId: serverIds++ },
    ...extra,
  });
  return { db, configPath };
}

/** A few committed changes of every kind (ids from `base`), on a fresh connection. */
async function burst(db: string, base: number, n = 30): Promise<void> {
  const conn: mysql.Connection = await sandbox.connect(db);
  try {
    for (let i = 0; i < n; i++) {
      const id = base + i;
      await conn.query('INSERT INTO t VALUES (?, ?, ?)', [id, i, `b-${id}`]);
      if (i % 3 === 0) await conn.query('UPDATE t SET v = CONCAT(v, "-u"), k = k + 1 WHERE id = ?', [id]);
      if (i % 5 === 0) await conn.query('UPDATE t SET id = id + 500000 WHERE id = ?', [id]);
      if (i % 7 === 0) await conn.query('DELETE FROM t WHERE id = ?', [id - 3]);
    }
    await conn.beginTransaction();
    await conn.query('UPDATE t SET k = k * 2 WHERE id BETWEEN ? AND ?', [base, base + 10]);
    await conn.query('DELETE FROM t WHERE id = ?', [base + 11]);
    await conn.commit();
  } finally {
    await conn.end();
  }
}

/** Ends the running sync (SIGTERM → 0), catches up once more, and checks merge == source and a clean log. */
async function finish(sync: SyncProcess, configPath: string, db: string): Promise<void> {
  if (sync.running) {
    const stopped = await sync.stop();
    expect(stopped.code, `sync did not stop cleanly:\n${sync.output.slice(-3000)}`).toBe(0);
  }
  const last = await runCli(['sync', '--config', configPath, '--until-caught-up'], { timeoutMs: 180_000 });
  expect(last.code, last.stderr.slice(-3000)).toBe(0);
  expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(sandbox, db, 't'));
  const log = await checkLog(configPath, 't');
  expect(log.problems).toEqual([]);
}

/** While the sync runs: verify through its API (it waits for the binlog end, then compares). */
async function verifyLive(configPath: string, sync: SyncProcess): Promise<void> {
  const r = await runCli(['verify', '--config', configPath], { timeoutMs: 150_000 });
  expect(r.code, `verify while running:\n${r.stdout}\n${r.stderr}\nsync:\n${sync.output.slice(-3000)}`).toBe(
    0,
  );
}

describe('source faults while binlake sync runs', () => {
  it('reconnects after a clean restart and after kill -9 of the server', async () => {
    const { db, configPath } = await setup('restart', 2000);
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 90_000), sync.output).toBe(true);
      await burst(db, 10_000);
      await sleep(1000);
      await sandbox.restart();
      await burst(db, 20_000);
      await sleep(1000);
      await sandbox.restart({ kill: true });
      await burst(db, 30_000);
      expect(sync.running, `sync died after the restarts:\n${sync.output.slice(-3000)}`).toBe(true);
      await verifyLive(configPath, sync);
    } finally {
      await finish(sync, configPath, db);
    }
  }, 300_000);

  it('continues after the connection is severed mid large transaction and mid full-sync chunk', async () => {
    const proxy = await TcpProxy.start({ host: sandbox.host, port: sandbox.port });
    try {
      const { db, configPath } = await setup(
        'sever',
        20_000,
        { snapshot: { chunkSize: 500, parallelism: 1, maxRowsPerSecond: 5000 } },
        proxy.port,
      );
      const sync = SyncProcess.start(configPath);
      try {
        // Mid full-sync chunk: cut every connection (chunk reads and the binlog) a moment into the copy.
        expect(await sync.waitForOutput('full sync of table', 90_000), sync.output).toBe(true);
        await sleep(800);
        expect(sync.output, 'the cut must land while the full sync copies').not.toContain(
          'full sync of table finished',
        );
        const cutDuringCopy = proxy.sever();
        expect(cutDuringCopy).toBeGreaterThan(0);
        expect(
          await sync.waitForOutput('full sync of table finished', 120_000),
          `full sync did not finish after the cut:\n${sync.output.slice(-3000)}`,
        ).toBe(true);

        // Mid large transaction: 60k rows in one transaction; cut while its events stream.
        // ~60k row images of ~70 bytes stream after the commit; cut after 1 MB of them.
        const cut = proxy.severAfter(1_000_000);
        await sandbox.query(
          `INSERT INTO \`${db}\`.t SELECT 100000 + seq, seq, REPEAT('x', 50) FROM \`${db}\`.seq_1_to_60000`,
        );
        let timer: NodeJS.Timeout | undefined;
        const severed = await Promise.race([
          cut,
          new Promise<number>((resolve) => {
            timer = setTimeout(() => resolve(-1), 60_000);
          }),
        ]);
        clearTimeout(timer);
        expect(severed, 'the large transaction never streamed 1 MB through the proxy').toBeGreaterThan(0);
        await burst(db, 300_000);
        expect(sync.running, `sync died after the cut:\n${sync.output.slice(-3000)}`).toBe(true);
        // Cuts at seeded random moments while changes stream (2 here, 40 in the soak).
        const random = seededRandom(7);
        for (let i = 0; i < (SOAK ? 40 : 2); i++) {
          const writes = burst(db, 400_000 + i * 1000, 20);
          await sleep(50 + random() * 400);
          proxy.sever();
          await writes;
        }
        expect(sync.running, `sync died after repeated cuts:\n${sync.output.slice(-3000)}`).toBe(true);
        // A stall shorter than the heartbeat limit just delays things.
        proxy.stall(1500);
        await burst(db, 310_000, 5);
        await verifyLive(configPath, sync);
      } finally {
        await finish(sync, configPath, db);
      }
    } finally {
      await proxy.close();
    }
  }, 300_000);

  it('waits out a source outage longer than a batch, then continues', async () => {
    const { db, configPath } = await setup('outage', 500);
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 90_000), sync.output).toBe(true);
      await burst(db, 10_000);
      await sandbox.halt();
      await sleep(4000); // batch.maxMillis is 200 ms, heartbeat 1 s
      expect(sync.running, `sync gave up during a 4 s outage:\n${sync.output.slice(-3000)}`).toBe(true);
      await sandbox.resume();
      await burst(db, 20_000);
      await verifyLive(configPath, sync);
    } finally {
      await finish(sync, configPath, db);
    }
  }, 300_000);

  it('fails with a clear state when the outage outlasts retry.maxMinutes, and resumes without loss', async () => {
    const { db, configPath } = await setup('giveup', 500, {
      retry: { maxMinutes: 0.05, heartbeatSeconds: 1 },
    });
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 90_000), sync.output).toBe(true);
      await burst(db, 10_000);
      await sleep(1500);
      await sandbox.halt();
      // 0.05 min = 3 s of retries; the task must end Failed (exit 1) well before 40 s.
      const ended = await sync.wait(40_000);
      await sandbox.resume();
      expect(
        ended,
        `sync still running 40 s into an outage with retry.maxMinutes 0.05:\n${sync.output.slice(-3000)}`,
      ).not.toBeNull();
      expect(ended?.code, sync.output.slice(-3000)).toBe(1);
      const { status } = await statusJson(configPath);
      expect(status.state).toBe('Failed');
      expect(status.lastError?.message, JSON.stringify(status.lastError)).toMatch(
        /lost|unreachable|connect|ECONNREFUSED/i,
      );
      expect(status.lastError?.code).toMatch(/^BLK_/);
      // After the fix (the server is back): nothing skipped, nothing repeated.
      await burst(db, 20_000);
    } finally {
      await finish(sync, configPath, db);
    }
  }, 300_000);
});
