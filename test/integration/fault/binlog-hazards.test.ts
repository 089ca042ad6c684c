import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { checkLog, SyncProcess, sleep, statusJson } from '../../harness/crash.js';
import { MariadbSandbox } from '../../harness/server.js';
import { mergedRows, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

/**
 * Binlog hazards: rotation (`FLUSH BINARY LOGS`) while a stream of transactions runs; the binlog
 * purged past the checkpoint while binlake is stopped (BLK_S1204 naming --resnapshot, then
 * --resnapshot recovers to a verified-equal state); binlog_format switched to STATEMENT at runtime
 * (a loud Failed with BLK_S1206, not a silent gap). Own server: these reconfigure it.
 */
let sandbox: MariadbSandbox;

beforeAll(async () => {
  sandbox = await MariadbSandbox.start();
}, 180_000);

afterAll(async () => {
  await sandbox?.stop();
});

async function setup(prefix: string, rows: number) {
  const db = await sandbox.freshDatabase(prefix);
  await sandbox.query(`CREATE TABLE \`${db}\`.t (id INT NOT NULL PRIMARY KEY, k INT, v VARCHAR(40))`);
  if (rows) {
    await sandbox.query(
      `INSERT INTO \`${db}\`.t SELECT seq, seq % 13, CONCAT('s', seq) FROM \`${db}\`.seq_1_to_${rows}`,
    );
  }
  const { configPath } = writeTaskConfig(sandbox, [{ database: db, tables: ['t'] }]);
  return { db, configPath };
}

async function transactions(db: string, from: number, count: number): Promise<void> {
  const conn = await sandbox.connect(db);
  try {
    for (let i = 0; i < count; i++) {
      const id = from + i * 10;
      await conn.beginTransaction();
      await conn.query('INSERT INTO t VALUES (?, 1, "a"), (?, 2, "b"), (?, 3, "c")', [id, id + 1, id + 2]);
      await conn.query('UPDATE t SET k = k + 100, v = "u" WHERE id IN (?, ?)', [id, id - 10]);
      await conn.query('DELETE FROM t WHERE id = ?', [id - 9]);
      await conn.commit();
    }
  } finally {
    await conn.end();
  }
}

async function expectMergedEqual(configPath: string, db: string): Promise<void> {
  expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(sandbox, db, 't'));
  expect((await checkLog(configPath, 't')).problems).toEqual([]);
}

describe('binlog hazards', () => {
  it('FLUSH BINARY LOGS while transactions stream: nothing lost at the rotations', async () => {
    const { db, configPath } = await setup('rotate', 1000);
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 90_000), sync.output).toBe(true);
      const stream = transactions(db, 100_000, 400);
      for (let i = 0; i < 4; i++) {
        await sleep(300);
        await sandbox.query('FLUSH BINARY LOGS');
      }
      await stream;
      const files = await sandbox.query<{ Log_name: string }[]>('SHOW BINARY LOGS');
      expect(files.length).toBeGreaterThanOrEqual(5);
      const live = await runCli(['verify', '--config', configPath], { timeoutMs: 150_000 });
      expect(live.code, live.stdout + live.stderr + sync.output.slice(-2000)).toBe(0);
      const stopped = await sync.stop();
      expect(stopped.code, sync.output.slice(-3000)).toBe(0);
      // The checkpoint follows the rotation to the newest file.
      const { status } = await statusJson(configPath);
      expect(status.checkpoint?.file).toBe((await sandbox.masterStatus()).file);
      await expectMergedEqual(configPath, db);
    } finally {
      await sync.stop();
    }
  }, 300_000);

  it('binlog purged past the checkpoint: BLK_S1204 naming --resnapshot, then --resnapshot recovers', async () => {
    const { db, configPath } = await setup('purge', 500);
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stderr).toBe(0);
    // While binlake is stopped: more changes, a rotation, and the old files purged.
    await transactions(db, 100_000, 20);
    await sandbox.query('FLUSH BINARY LOGS');
    await transactions(db, 200_000, 5);
    const { status: stopped } = await statusJson(configPath);
    const checkpointFile = stopped.checkpoint?.file ?? '';
    expect(checkpointFile).toMatch(/binlog\.\d+/);
    // MariaDB keeps a file it may need for crash recovery until its binlog checkpoint is written:
    // rotate and purge until the checkpoint's file is really gone (bounded).
    let oldest = '';
    for (let i = 0; i < 20 && !(oldest > checkpointFile); i++) {
      const { file } = await sandbox.masterStatus();
      await sandbox.query(`PURGE BINARY LOGS TO '${file}'`);
      oldest = (await sandbox.query<{ Log_name: string }[]>('SHOW BINARY LOGS'))[0].Log_name;
      if (!(oldest > checkpointFile)) {
        await sleep(300);
        await sandbox.query('FLUSH BINARY LOGS');
      }
    }
    expect(oldest > checkpointFile, `could not purge ${checkpointFile} (oldest is ${oldest})`).toBe(true);

    const failed = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    const out = failed.stdout + failed.stderr;
    expect(out).toMatch(/BLK_S1204/);
    expect(out).toMatch(/--resnapshot/);
    const { status } = await statusJson(configPath);
    expect(status.state).toBe('Failed');
    expect(status.lastError?.code).toBe('BLK_S1204');

    const recovered = await runCli(['sync', '--config', configPath, '--resnapshot', '--until-caught-up']);
    expect(recovered.code, recovered.stderr.slice(-3000)).toBe(0);
    await transactions(db, 300_000, 10);
    const again = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const verify = await runCli(['verify', '--config', configPath]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    await expectMergedEqual(configPath, db);
  }, 300_000);

  it('binlog_format switched to STATEMENT at runtime: a loud Failed with BLK_S1206, not a silent gap', async () => {
    const { db, configPath } = await setup('stmt', 100);
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 90_000), sync.output).toBe(true);
      await transactions(db, 100_000, 3);
      await sandbox.query("SET GLOBAL binlog_format = 'STATEMENT'");
      // A new session picks up the global format: its write is a statement event for a synced table.
      await sandbox.query(`UPDATE \`${db}\`.t SET v = 'stmt' WHERE id <= 10`);
      const ended = await sync.wait(60_000);
      expect(
        ended,
        `sync kept running after a statement-based change:\n${sync.output.slice(-3000)}`,
      ).not.toBeNull();
      expect(ended?.code, sync.output.slice(-3000)).toBe(1);
      expect(sync.output).toMatch(/BLK_S1206/);
      const { status } = await statusJson(configPath);
      expect(status.state).toBe('Failed');
      expect(status.lastError?.code).toBe('BLK_S1206');
      // Everything before the statement event is committed; nothing after it.
      expect((await checkLog(configPath, 't')).problems).toEqual([]);
    } finally {
      await sync.stop();
      await sandbox.query("SET GLOBAL binlog_format = 'ROW'");
    }
  }, 300_000);
});
