import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINLAKE_BIN, runCli, tempFile } from '../harness/cli.js';
import { MariadbSandbox, sharedServer } from '../harness/server.js';

type Dumped = Record<string, unknown> & { type: string; file: string; position: number };

function lines(stdout: string): Dumped[] {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Dumped);
}

describe('binlake binlog dump', () => {
  const server = () => sharedServer();
  let db: string;
  let start: { file: string; position: number };
  let serverArgs: string[];

  beforeAll(async () => {
    db = await server().freshDatabase('dump');
    await server().query(
      `CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, name VARCHAR(20), amount DECIMAL(10,2))`,
    );
    start = await server().masterStatus();
    await server().query(`INSERT INTO \`${db}\`.t VALUES (1, 'ann', 10.50), (2, 'bob', -3.25)`);
    await server().query(`UPDATE \`${db}\`.t SET name = 'bobby' WHERE id = 2`);
    await server().query(`DELETE FROM \`${db}\`.t WHERE id = 1`);
    const a = server().address;
    serverArgs = ['--host', a.host, '--port', String(a.port), '--user', a.user];
  });

  /** `binlake binlog dump` from the shared server, from `position` in the range's first file. */
  const dumpFrom = (position: number) =>
    runCli([
      'binlog',
      'dump',
      ...serverArgs,
      '--start-file',
      start.file,
      '--start-position',
      String(position),
    ]);

  it('prints one JSON object per event with typed row images, and stops at the end', async () => {
    const r = await dumpFrom(start.position);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = lines(r.stdout);
    expect(events[0].type).toBe('rotate');
    const mine = events.filter((e) => e.database === db && e.table === 't');
    expect(mine.map((e) => e.type)).toEqual(
      expect.arrayContaining(['table_map', 'write_rows', 'update_rows', 'delete_rows']),
    );
    // Without binlog_row_metadata=FULL (the shared server's default) text columns are only
    // known as bytes; INT and DECIMAL need no metadata. The local-file test below has FULL.
    const pick = (row: unknown[]) => [row[0], row[2]];
    const write = mine.find((e) => e.type === 'write_rows')!;
    expect((write.rows as unknown[][]).map(pick)).toEqual([
      [1, '10.50'],
      [2, '-3.25'],
    ]);
    const update = mine.find((e) => e.type === 'update_rows')!;
    const [change] = update.rows as { before: unknown[]; after: unknown[] }[];
    expect([pick(change.before), pick(change.after)]).toEqual([
      [2, '-3.25'],
      [2, '-3.25'],
    ]);
    expect((mine.find((e) => e.type === 'delete_rows')!.rows as unknown[][]).map(pick)).toEqual([
      [1, '10.50'],
    ]);
    for (const e of events.slice(1)) expect(e.file).toBe(start.file);
  });

  it('--rows-only prints only row changes; the password comes from MYSQL_PWD and is never printed', async () => {
    const user = await server().createUser('blk_dump', 'dump-Secret-1', [
      { privileges: 'REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    const args = ['binlog', 'dump', '--host', user.host, '--port', String(user.port), '--user', user.user];
    const r = await runCli(
      [...args, '--start-file', start.file, '--start-position', String(start.position), '--rows-only'],
      {
        env: { MYSQL_PWD: user.password },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = lines(r.stdout);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(new Set(events.map((e) => e.type)).size).toBeLessThanOrEqual(3);
    for (const e of events) expect(['write_rows', 'update_rows', 'delete_rows']).toContain(e.type);
    expect(r.stdout).not.toContain('dump-Secret-1');

    const bad = await runCli([...args, '--password', 'not-The-Password']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BLK_S1002');
    expect(bad.stderr).toContain('blk_dump');
    expect(bad.stderr).not.toContain('not-The-Password');
  });

  it('takes the source from --config', async () => {
    const a = server().address;
    const config = tempFile(
      'task.yaml',
      `source: { host: ${a.host}, port: ${a.port}, user: ${a.user}, password: "${a.password}", serverId: 4242 }
destination: { type: duckdb, path: ./w.duckdb }
objects: [{ database: ${db}, tables: [t] }]
`,
    );
    const r = await runCli([
      'binlog',
      'dump',
      '--config',
      config,
      '--start-file',
      start.file,
      '--start-position',
      String(start.position),
      '--rows-only',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(
      lines(r.stdout)
        .filter((e) => e.database === db)
        .map((e) => e.type),
    ).toEqual(['write_rows', 'update_rows', 'delete_rows']);
  });

  it('a usage mistake exits 2', async () => {
    const r = await runCli(['binlog', 'dump', '--start-file', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--host');
    expect((await runCli(['binlog', 'dump', ...serverArgs, '--server-id', 'abc'])).code).toBe(2);
  });

  it('--start-position without --start-file (or with --gtid, or --start-file with local files) exits 2', async () => {
    const r = await runCli(['binlog', 'dump', ...serverArgs, '--start-position', '662']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--start-position needs --start-file');
    expect(r.stdout).toBe('');
    const g = await runCli(['binlog', 'dump', ...serverArgs, '--gtid', '0-1-1', '--start-position', '662']);
    expect(g.code).toBe(2);
    expect(g.stderr).toContain('--start-position goes with --start-file, not with --gtid');
    const local = await runCli(['binlog', 'dump', '--start-file', 'binlog.000001', '/tmp/binlog.000001']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--start-file names a file on the server');
  });

  it('a --start-position inside an event says positions must be event boundaries', async () => {
    const r = await dumpFrom(5);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[BLK_P3002]');
    expect(r.stderr).toContain(`cannot read an event at ${start.file}:5`);
    expect(r.stderr).toContain(
      `where an event starts: 4, or a position that SHOW BINLOG EVENTS IN '${start.file}'`,
    );
  });

  it('a --start-file the server never had says so and names its first and last files', async () => {
    const files = (await server().query('SHOW BINARY LOGS')) as { Log_name: string }[];
    const never = start.file.replace(/\d+$/, '999999');
    const r = await runCli(['binlog', 'dump', ...serverArgs, '--start-file', never]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `[BLK_C0006] --start-file ${never} does not exist on the source (it has ${files[0].Log_name}`,
    );
    expect(r.stderr).toContain('leave --start-file out');
    expect(r.stdout).toBe('');
  });

  it('a second replica with the same --server-id: the first dump ends with a remedy naming the id', async () => {
    const id = String(2_000_000_000 + Math.floor(Math.random() * 1e8));
    const from = ['--start-file', start.file, '--start-position', String(start.position), '--rows-only'];
    const first = runCli(['binlog', 'dump', ...serverArgs, ...from, '--server-id', id, '--stop-never'], {
      timeoutMs: 30_000,
    });
    // Wait until the first dump is registered with the server.
    for (let i = 0; i < 100; i++) {
      const hosts = (await server().query('SHOW SLAVE HOSTS')) as { Server_id: number | string }[];
      if (hosts.some((h) => String(h.Server_id) === id)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const second = await runCli(['binlog', 'dump', ...serverArgs, ...from, '--server-id', id]);
    expect(second.code).toBe(0);
    const r = await first;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[BLK_P3002]');
    expect(r.stderr).toContain(`another replica registered with server id ${id}`);
    expect(r.stderr).toContain('source.serverId');
    expect(r.stderr).toContain('--server-id');
  });

  it('a missing local file or a directory is BLK_B2008 with the path and a remedy', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'binlake-dump-'));
    const missing = path.join(folder, 'binlog.000001');
    const r = await runCli(['binlog', 'dump', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[BLK_B2008] ${missing} does not exist — check the path`);
    expect(r.stderr).not.toContain('ENOENT');
    const d = await runCli(['binlog', 'dump', folder]);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(
      `[BLK_B2008] ${folder} is a directory, not a binlog file — give the binlog files in it`,
    );
  });

  describe('local files', () => {
    let sandbox: MariadbSandbox;
    afterAll(async () => sandbox?.stop());

    it('decodes a copied binlog file the same way as from the server', async () => {
      sandbox = await MariadbSandbox.start({ extraArgs: ['--binlog-row-metadata=FULL'] });
      await sandbox.query('CREATE DATABASE f');
      await sandbox.query('CREATE TABLE f.t (id BIGINT UNSIGNED PRIMARY KEY, v VARBINARY(8), s VARCHAR(10))');
      await sandbox.query(`INSERT INTO f.t VALUES (18446744073709551615, 0x00ff, 'ünï'), (1, NULL, '')`);
      const { file } = await sandbox.masterStatus();
      const a = sandbox.address;
      const live = await runCli([
        'binlog',
        'dump',
        '--host',
        a.host,
        '--port',
        String(a.port),
        '--user',
        a.user,
        '--start-file',
        file,
        '--rows-only',
      ]);
      expect(live.code).toBe(0);
      // Enough output (~0.5 MB) to overflow a pipe, for the `| head` check below.
      await sandbox.query(`INSERT INTO f.t SELECT seq, NULL, REPEAT('x', 10) FROM f.seq_2_to_10000`);
      await sandbox.query('FLUSH BINARY LOGS'); // the copy is a closed file
      const copy = path.join(mkdtempSync(path.join(tmpdir(), 'binlake-dump-')), file);
      copyFileSync(path.join(sandbox.dir, file), copy);
      const offline = await runCli(['binlog', 'dump', '--rows-only', copy]);
      expect(offline.stderr).toBe('');
      expect(offline.code).toBe(0);
      const rows = lines(offline.stdout).filter((e) => e.table === 't');
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.slice(0, 1).map((e) => e.rows)).toEqual([
        [
          ['18446744073709551615', '0x00ff', 'ünï'],
          ['1', null, ''],
        ],
      ]);
      expect(lines(offline.stdout).slice(0, 1)).toEqual(lines(live.stdout));
      // All events of the file.
      const all = await runCli(['binlog', 'dump', copy]);
      expect(all.code).toBe(0);
      expect(lines(all.stdout)[0].type).toBe('format_description');
      // --start-position skips the first file's events before it (its FORMAT_DESCRIPTION is still read).
      const firstMap = lines(all.stdout).find((e) => e.type === 'table_map' && e.table === 't')!;
      const from = await runCli(['binlog', 'dump', '--start-position', String(firstMap.position), copy]);
      expect(from.code).toBe(0);
      const fromEvents = lines(from.stdout);
      expect(fromEvents[0].type).toBe('format_description');
      expect(fromEvents.slice(1)).toEqual(lines(all.stdout).filter((e) => e.position >= firstMap.position));
      // A reader that goes away early (`| head`) ends the dump quietly with exit 0.
      const head = spawnSync(
        'bash',
        [
          '-c',
          `set -o pipefail; "${process.execPath}" "${BINLAKE_BIN}" binlog dump "${copy}" | head -c 100 > /dev/null`,
        ],
        { encoding: 'utf8' },
      );
      expect(head.stderr).toBe('');
      expect(head.status).toBe(0);
    });

    it('keeps its memory flat while a slow reader lags behind one large transaction', async () => {
      // One transaction of ~120 MB of rows events, read from the server by a dump whose reader
      // takes nothing for 3 s: the dump must wait for the pipe, not hold the JSON in memory.
      await sandbox.query('CREATE TABLE f.big (id INT PRIMARY KEY, v VARCHAR(1000))');
      const from = await sandbox.masterStatus();
      await sandbox.query(`INSERT INTO f.big SELECT seq, REPEAT('y', 1000) FROM f.seq_1_to_120000`);
      const a = sandbox.address;
      const rssFile = path.join(mkdtempSync(path.join(tmpdir(), 'binlake-rss-')), 'rss');
      const child = spawn(
        process.execPath,
        [
          '--import',
          path.resolve(import.meta.dirname, '../../dist/bench/lib/rss-hook.js'),
          BINLAKE_BIN,
          ...['binlog', 'dump', '--host', a.host, '--port', String(a.port), '--user', a.user],
          ...['--start-file', from.file, '--start-position', String(from.position), '--rows-only'],
        ],
        { env: { ...process.env, BINLAKE_BENCH_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.stdout.pause();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => {
        chunks.push(c);
      });
      child.stdout.resume();
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const out = Buffer.concat(chunks);
      expect(out.length).toBeGreaterThan(120_000_000);
      // Every row once, in order and intact, through a pipe that was full for 3 s.
      let next = 1;
      for (const line of out.toString('utf8').split('\n')) {
        if (line === '') continue;
        const event = JSON.parse(line) as { type: string; rows: [number, string][] };
        expect(event.type).toBe('write_rows');
        for (const [id, v] of event.rows) {
          if (id !== next++ || v !== 'y'.repeat(1000)) throw new Error(`row ${next - 1} is ${id}`);
        }
      }
      expect(next - 1).toBe(120_000);
      const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
      // About 90 MiB when it waits for the pipe; well over 200 MiB when it buffers the output.
      expect(peakMiB).toBeLessThan(160);
    });
  });
});
