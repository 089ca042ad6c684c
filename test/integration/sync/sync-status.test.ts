import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { BINLAKE_BIN, runCli } from '../../harness/cli.js';
import { MariadbSandbox } from '../../harness/server.js';
import { writeTaskConfig } from '../../harness/sync-fixtures.js';

async function statusOf(configPath: string): Promise<StatusJson> {
  const r = await runCli(['status', '--config', configPath, '--json']);
  lastSeen = r.stdout || r.stderr;
  return JSON.parse(r.stdout);
}

interface StatusJson {
  state: string;
  pid: number | null;
  lagSeconds: number | null;
  checkpoint: { file: string; position: number } | null;
  tables: {
    phase: string;
    rowsCopied: number;
    consistentFrom: number | null;
    changes: Record<string, number>;
  }[];
}

let lastSeen: unknown = null;

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe().catch((e) => {
      lastSeen = String(e);
      return null;
    });
    if (v) return v;
    await sleep(250);
  }
  throw new Error(`condition not reached in time; last status: ${JSON.stringify(lastSeen)}`);
}

describe('status while sync runs (own server: SHOW MASTER STATUS must be ours alone)', () => {
  let server: MariadbSandbox;
  afterAll(async () => server?.stop());

  it('reports full-sync progress, then incremental with lag 0 on an idle source, and stops on SIGTERM with exit 0', async () => {
    server = await MariadbSandbox.start();
    await server.query('CREATE DATABASE s; CREATE TABLE s.t (id INT PRIMARY KEY, v VARCHAR(50))');
    const values = Array.from({ length: 4000 }, (_, i) => `(${i}, 'value ${i}')`);
    await server.query(`INSERT INTO s.t VALUES ${values.join(',')}`);
    const { configPath } = writeTaskConfig(server, [{ database: 's', tables: ['t'] }], {
      snapshot: { chunkSize: 200, parallelism: 1, maxRowsPerSecond: 400 },
      // Heartbeats far apart: lag must fall to 0 without one (see below).
      retry: { maxMinutes: 1, heartbeatSeconds: 60 },
    });
    const child = spawn(process.execPath, [BINLAKE_BIN, 'sync', '--config', configPath], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

    const during = await waitFor(async () => {
      const s = await statusOf(configPath);
      return s.state === 'Synchronizing' && s.tables[0]?.phase === 'full' && s.tables[0].rowsCopied > 0
        ? s
        : null;
    }, 60_000);
    expect(during.tables[0]).toMatchObject({
      source: 's.t',
      target: 't',
      rowsTotal: 4000,
      consistentFrom: null,
      key: ['id'],
    });
    expect(during.pid).toBe(child.pid);

    await waitFor(async () => (await statusOf(configPath)).tables[0]?.phase === 'incremental', 30_000);
    await server.query(
      "INSERT INTO s.t VALUES (9001, 'live'); UPDATE s.t SET v = 'changed' WHERE id = 1; DELETE FROM s.t WHERE id = 2",
    );
    const master = await server.masterStatus();
    const caught = await waitFor(async () => {
      const s = await statusOf(configPath);
      return s.checkpoint?.position === master.position && s.checkpoint?.file === master.file ? s : null;
    }, 20_000);
    expect(caught.tables[0].changes).toEqual({ I: 1, U: 1, D: 1 });
    expect(caught.tables[0].consistentFrom).toBeGreaterThan(0);
    // Idle source, everything committed, no event for batch.maxMillis: lag is 0 well before the
    // next heartbeat (60 s here).
    await sleep(3_000);
    expect((await statusOf(configPath)).lagSeconds).toBe(0);

    // A precheck while the sync runs names it, and does not open the file the sync writes.
    const precheck = await runCli(['precheck', '--config', configPath, '--json']);
    expect(precheck.code, precheck.stderr).toBe(1);
    const items = new Map(
      (JSON.parse(precheck.stdout).findings as { item: string; result: string; notChecked?: boolean }[]).map(
        (f) => [f.item, f],
      ),
    );
    expect(items.get('destination.running-sync')).toMatchObject({ result: 'fail' });
    expect(items.get('destination.lock')).toMatchObject({ notChecked: true });
    // Another process cannot open the file while the sync writes it: the sync's own precheck
    // read it through its sink (a second handle, once closed, would have dropped its lock).
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { loadConfig } = await import('../../../src/config/config.js');
    await expect(
      DuckDBInstance.create(loadConfig(configPath).destination.path, { access_mode: 'READ_ONLY' }),
    ).rejects.toThrow(/lock/i);

    // A merge as of now goes through the running sync, which has applied everything.
    const at = Math.floor(Date.now() / 1000);
    const merge = await runCli(['merge', '--config', configPath, '--table', 't', '--at', String(at)]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toContain('4000 rows'); // 4000 + 1 insert - 1 delete

    const metrics = await fetchMetrics(configPath);
    expect(metrics).toMatch(/binlake_change_rows_total\{table="t",operation="U"\} 1/);
    expect(metrics).toContain('binlake_lag_seconds 0');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const after = await statusOf(configPath);
    expect(after.state).toBe('Paused');
    // No sync runs, so nothing measures how far behind the warehouse is.
    expect(after.lagSeconds).toBeNull();
    expect((await runCli(['status', '--config', configPath])).stdout).toMatch(
      /lag\s+unknown \(no sync is running\)/,
    );
    expect(after.checkpoint).toMatchObject({ file: master.file, position: master.position });
  }, 180_000);
});

async function fetchMetrics(configPath: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { loadConfig } = await import('../../../src/config/config.js');
  const info = JSON.parse(readFileSync(`${loadConfig(configPath).destination.path}.binlake.json`, 'utf8'));
  return await (await fetch(`http://${info.host}:${info.port}/metrics`)).text();
}
