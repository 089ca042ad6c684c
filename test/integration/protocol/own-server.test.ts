import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBinlakeError } from '../../../src/core/errors.js';
import { openReplicationStream } from '../../../src/protocol/replication-stream.js';
import { MariadbSandbox } from '../../harness/server.js';
import {
  assertContiguous,
  describeEvent,
  isStored,
  isWrite,
  readAll,
  type Seen,
  streamOptions,
  T,
} from './helpers.js';

/** Tests that purge, restart or reconfigure a server get their own (checksums off here). */
describe('replication stream (own MariaDB, binlog_checksum=NONE)', () => {
  let sandbox: MariadbSandbox;
  let certDir: string;
  beforeAll(async () => {
    // A self-signed certificate so the TLS path (mysql2's TLS socket, then ours) is covered too.
    certDir = mkdtempSync(path.join(tmpdir(), 'binlake-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        path.join(certDir, 'key.pem'),
        '-out',
        path.join(certDir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    sandbox = await MariadbSandbox.start({
      extraArgs: [
        '--binlog-checksum=NONE',
        `--ssl-cert=${path.join(certDir, 'cert.pem')}`,
        `--ssl-key=${path.join(certDir, 'key.pem')}`,
      ],
    });
    await sandbox.query('CREATE DATABASE d');
    await sandbox.query('CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(40))');
  });
  afterAll(async () => sandbox?.stop());

  it('reads events without a checksum trailer across rotations', async () => {
    const start = await sandbox.masterStatus();
    await sandbox.query(`INSERT INTO d.t VALUES (1,'a')`);
    await sandbox.query('FLUSH BINARY LOGS');
    await sandbox.query(`INSERT INTO d.t VALUES (2,'b')`);
    const end = await sandbox.masterStatus();
    const { events, stream } = await readAll(streamOptions(sandbox, { start }));
    expect(stream.checksum).toBe(false);
    assertContiguous(events);
    const real = events.filter(isStored);
    const rotate = real.find((e) => e.type === T.ROTATE)!;
    // Without a trailer the whole rest of the body is the file name.
    expect(rotate.bytes.toString('utf8', 27)).toBe(end.file);
    expect(real.filter(isWrite).map((e) => e.file)).toEqual([start.file, end.file]);
    const format = real.find((e) => e.type === T.FORMAT_DESCRIPTION)!;
    expect(format.bytes[format.bytes.length - 5]).toBe(0); // checksum algorithm OFF
    expect(stream.position()).toEqual(end);
  });

  it('a purged start position is BLK_S1204 with the resnapshot remedy', async () => {
    const old = await sandbox.masterStatus();
    await sandbox.query('FLUSH BINARY LOGS');
    await sandbox.query(`INSERT INTO d.t VALUES (10,'p')`);
    const current = await sandbox.masterStatus();
    // PURGE silently keeps files a dump thread still reads and files InnoDB may still need
    // for crash recovery (until the next binlog checkpoint): repeat it until the file is gone.
    let left: string[] = [];
    for (let tries = 0; tries < 200; tries++) {
      await sandbox.query(`PURGE BINARY LOGS TO '${current.file}'`);
      left = (await sandbox.query<{ Log_name: string }[]>('SHOW BINARY LOGS')).map((l) => l.Log_name);
      if (!left.includes(old.file)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).not.toContain(old.file);
    const stream = await openReplicationStream({
      ...streamOptions(sandbox, { start: old }),
      stopAtEnd: true,
    });
    const error = await (async () => {
      for await (const _ of stream) {
        // the server answers the dump request with an error
      }
    })().catch((e: unknown) => e);
    expect(isBinlakeError(error, 'BLK_S1204')).toBe(true);
    expect((error as { remedy: string }).remedy).toContain('binlake sync --resnapshot');
    expect((error as Error).message).toContain(old.file);
  });

  it('rides out a server restart and resumes where it was', async () => {
    const start = await sandbox.masterStatus();
    const stream = await openReplicationStream({
      ...streamOptions(sandbox, { start }),
      reconnect: { maxMillis: 60_000 },
    });
    await sandbox.query(`INSERT INTO d.t VALUES (20,'before restart')`);
    const events: Seen[] = [];
    let writes = 0;
    for await (const raw of stream) {
      const e = describeEvent(raw);
      events.push(e);
      if (isWrite(e) && ++writes === 1) {
        await sandbox.halt();
        await sandbox.resume();
        await sandbox.query(`INSERT INTO d.t VALUES (21,'after restart')`);
      }
      if (writes === 2) break;
    }
    await stream.close();
    expect(stream.reconnects).toBeGreaterThanOrEqual(1);
    assertContiguous(events);
    const rows = events.filter(isWrite);
    expect(rows[0].bytes.includes('before restart')).toBe(true);
    expect(rows[1].bytes.includes('after restart')).toBe(true);
    expect(rows[1].file > rows[0].file).toBe(true); // the restarted server writes a new file
  });

  it('replicates over TLS for a user that requires it', async () => {
    const user = await sandbox.createUser('tls_repl', 'tls-pw', [
      { privileges: 'REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    await sandbox.query('ALTER USER ?@? REQUIRE SSL', [user.user, '127.0.0.1']);
    const start = await sandbox.masterStatus();
    await sandbox.query(`INSERT INTO d.t VALUES (30,'over tls')`);
    const plain = await openReplicationStream({ ...streamOptions(sandbox, { start }), ...user }).catch(
      (e) => e,
    );
    expect(isBinlakeError(plain, 'BLK_S1002')).toBe(true);
    const { events } = await readAll({
      ...streamOptions(sandbox, { start }),
      ...user,
      tls: { ca: readFileSync(path.join(certDir, 'cert.pem'), 'utf8') },
    });
    assertContiguous(events);
    expect(events.filter(isWrite).some((e) => e.bytes.includes('over tls'))).toBe(true);
  });

  it('a silent source (no event, no heartbeat for 3 periods) counts as a dropped connection', async () => {
    const pid = Number(readFileSync(path.join(sandbox.dir, 'mysqld.pid'), 'utf8').trim());
    const stream = await openReplicationStream({
      ...streamOptions(sandbox, {}),
      heartbeatSeconds: 0.2,
      connectTimeoutMs: 500,
      reconnect: { maxMillis: 300 },
    });
    // Frozen, the server keeps the socket open but sends nothing.
    process.kill(pid, 'SIGSTOP');
    const error = await (async () => {
      for await (const _ of stream) {
        // heartbeats, until the server goes silent
      }
    })()
      .catch((e: unknown) => e)
      .finally(() => process.kill(pid, 'SIGCONT'));
    expect(isBinlakeError(error, 'BLK_P3001')).toBe(true);
    expect((error as { details: { causeCode: string } }).details.causeCode).toBe('BLK_P3003');
  });

  it('gives up with BLK_P3001 and the last position when the server stays away', async () => {
    const stream = await openReplicationStream({
      ...streamOptions(sandbox, {}),
      reconnect: { maxMillis: 800 },
    });
    const at = stream.position();
    await sandbox.halt();
    const error = await (async () => {
      for await (const _ of stream) {
        // nothing comes
      }
    })().catch((e: unknown) => e);
    await sandbox.resume();
    expect(isBinlakeError(error, 'BLK_P3001')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({
      file: at.file,
      position: at.position,
    });
    expect((error as { details: { attempts: number } }).details.attempts).toBeGreaterThanOrEqual(1);
  });
});
