import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import type { RawEvent } from '../../../src/binlog/raw-event.js';
import { BinlakeError, isBinlakeError } from '../../../src/core/errors.js';
import { openReplicationStream } from '../../../src/protocol/replication-stream.js';
import { sharedServer } from '../../harness/server.js';
import { TcpProxy } from '../../harness/tcp-proxy.js';
import {
  assertContiguous,
  describeEvent,
  isStored,
  isUpdate,
  isWrite,
  readAll,
  type Seen,
  streamOptions,
  T,
} from './helpers.js';

const server = () => sharedServer();

async function table(prefix: string): Promise<string> {
  const db = await server().freshDatabase(prefix);
  await server().query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(500))`);
  return `\`${db}\`.t`;
}

/** MariaDB's SEQUENCE engine: `seq_1_to_N` exists in every database. */
function seq(t: string, n: number): string {
  return `${t.slice(0, t.lastIndexOf('.'))}.seq_1_to_${n}`;
}

function stored(events: Seen[]): Seen[] {
  return events.filter(isStored);
}

describe('replication stream (shared MariaDB, CRC32)', () => {
  it('follows rotations across files with exact file names and positions, and stops at the end', async () => {
    const t = await table('rot');
    const start = await server().masterStatus();
    await server().query(`INSERT INTO ${t} VALUES (1,'a'),(2,'b')`);
    await server().query('FLUSH BINARY LOGS');
    await server().query(`INSERT INTO ${t} VALUES (3,'c')`);
    await server().query('FLUSH BINARY LOGS');
    await server().query(`UPDATE ${t} SET v = 'z'`);
    const end = await server().masterStatus();

    const { events, stream } = await readAll(streamOptions(server(), { start }));
    assertContiguous(events);
    const files = [...new Set(stored(events).map((e) => e.file))];
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files[0]).toBe(start.file);
    // Each real ROTATE names the next file, which starts at 4.
    for (const rotate of stored(events).filter((e) => e.type === T.ROTATE)) {
      const name = rotate.bytes.toString('utf8', 27, rotate.bytes.length - 4);
      const after = stored(events).find((e) => e.file === name);
      expect(after?.position).toBe(4);
    }
    expect(stored(events).filter(isWrite).length).toBeGreaterThanOrEqual(2);
    expect(stored(events).filter(isUpdate).length).toBeGreaterThanOrEqual(1);
    // stopAtEnd ends at the end at that moment: the SHOW MASTER STATUS above, or later when other
    // test files wrote to the shared server meanwhile; the stream's position is its last event's end.
    const last = stored(events).at(-1)!;
    expect(atOrPast({ file: last.file, position: last.logPos }, end)).toBe(true);
    expect(stream.position()).toEqual({ file: last.file, position: last.logPos });
    // Each event carries a correct CRC32 trailer: the framing cut it exactly.
    expect(stream.checksum).toBe(true);
    for (const e of events) {
      expect(crc32(e.bytes.subarray(0, e.bytes.length - 4))).toBe(e.bytes.readUInt32LE(e.bytes.length - 4));
    }
  });

  it('reassembles an event larger than 16 MiB sent over several packets', async () => {
    const db = await server().freshDatabase('big');
    await server().query(`CREATE TABLE \`${db}\`.b (id INT PRIMARY KEY, v LONGBLOB)`);
    const start = await server().masterStatus();
    const size = 20 * 1024 * 1024;
    await server().query(`INSERT INTO \`${db}\`.b VALUES (1, REPEAT('0123456789abcdef', ${size / 16}))`);
    const { events } = await readAll(streamOptions(server(), { start }));
    assertContiguous(events);
    // The largest write: other test files may write small rows to the shared server meanwhile.
    const big = events.filter(isWrite).reduce((a, b) => (b.bytes.length > a.bytes.length ? b : a));
    expect(big.bytes.length).toBeGreaterThan(size);
    expect(big.bytes.length).toBe(big.size);
    expect(crc32(big.bytes.subarray(0, big.bytes.length - 4))).toBe(
      big.bytes.readUInt32LE(big.bytes.length - 4),
    );
    expect(big.bytes.indexOf('0123456789abcdef'.repeat(1024))).toBeGreaterThan(0);
  });

  it('restarts from a saved position: the events after it equal a fresh read’s tail', async () => {
    const t = await table('restart');
    const start = await server().masterStatus();
    for (let i = 0; i < 5; i++) await server().query(`INSERT INTO ${t} VALUES (${i}, 'v${i}')`);
    const fresh = stored((await readAll(streamOptions(server(), { start }))).events);

    // Read up to the third XID, save position(), close; resume from there.
    const first = await openReplicationStream({ ...streamOptions(server(), { start }), stopAtEnd: true });
    let xids = 0;
    for await (const raw of first) {
      if (describeEvent(raw).type === T.XID && ++xids === 3) break;
    }
    const saved = first.position();
    expect(saved.position).toBeGreaterThan(4);
    const resumed = stored((await readAll(streamOptions(server(), { start: saved }))).events);
    const cut = fresh.findIndex((e) => e.file === saved.file && e.position === saved.position);
    expect(cut).toBeGreaterThan(0);
    const tail = fresh.slice(cut);
    // Other test files may write to the shared server between the two reads: the later read
    // may go further, never differ.
    expect(resumed.length).toBeGreaterThanOrEqual(tail.length);
    expect(resumed.slice(0, tail.length).map((e) => [e.file, e.position, e.bytes.toString('hex')])).toEqual(
      tail.map((e) => [e.file, e.position, e.bytes.toString('hex')]),
    );
  });

  it('starts after a MariaDB GTID position (@@gtid_binlog_pos)', async () => {
    const t = await table('gtid');
    await server().query(`INSERT INTO ${t} VALUES (1, 'before')`);
    // The position first: another test file's transaction between the two reads then lies after
    // `at` and after `pos` alike.
    const at = await server().masterStatus();
    const [{ pos }] = await server().query<{ pos: string }[]>('SELECT @@global.gtid_binlog_pos AS pos');
    await server().query(`INSERT INTO ${t} VALUES (2, 'after')`);
    const end = await server().masterStatus();
    const { events, stream } = await readAll(streamOptions(server(), { start: { gtid: pos } }));
    const real = stored(events);
    // The server sends the file's header events, then skips every group up to the GTID
    // position: no transaction event before it.
    const transactional = new Set<number>([
      T.GTID,
      T.QUERY,
      T.TABLE_MAP,
      T.WRITE_ROWS_V1,
      T.WRITE_ROWS,
      T.XID,
    ]);
    const groups = real.filter((e) => transactional.has(e.type));
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((e) => e.file > at.file || (e.file === at.file && e.position >= at.position))).toBe(
      true,
    );
    const gtids = real.filter((e) => e.type === T.GTID);
    const [domain, serverId, seq] = pos.split(',').at(-1)!.split('-').map(Number);
    const firstSeq = Number(gtids[0].bytes.readBigUInt64LE(19));
    expect(firstSeq).toBe(seq + 1);
    expect(gtids[0].bytes.readUInt32LE(5)).toBe(serverId);
    expect(gtids[0].bytes.readUInt32LE(27)).toBe(domain);
    expect(real.some(isWrite)).toBe(true);
    // At or past the end noted above: other test files write to the shared server meanwhile.
    expect(atOrPast(stream.position(), end)).toBe(true);
  });

  it('a connection killed right after a GTID start reconnects without replaying skipped transactions', async () => {
    const t = await table('gtidkill');
    await server().query(`INSERT INTO ${t} VALUES (1, 'skipped')`);
    const [{ pos }] = await server().query<{ pos: string }[]>('SELECT @@global.gtid_binlog_pos AS pos');
    const seqOf = (e: Seen) => Number(e.bytes.readBigUInt64LE(19));
    const startSeq = Number(pos.split(',').at(-1)!.split('-')[2]);
    const stream = await openReplicationStream({
      ...streamOptions(server(), { start: { gtid: pos } }),
      heartbeatSeconds: 0.2,
      reconnect: { maxMillis: 30_000 },
    });
    const events: Seen[] = [];
    let killed = false;
    for await (const raw of stream) {
      const e = describeEvent(raw);
      events.push(e);
      if (e.type === T.HEARTBEAT && !killed) {
        killed = true;
        await server().query(`KILL ${stream.connectionId}`);
        await server().query(`INSERT INTO ${t} VALUES (2, 'wanted')`);
      }
      if (isWrite(e) && e.bytes.includes('wanted')) break;
    }
    await stream.close();
    expect(stream.reconnects).toBe(1);
    const gtids = events.filter((e) => isStored(e) && e.type === T.GTID);
    expect(gtids.length).toBeGreaterThan(0);
    expect(gtids.every((e) => seqOf(e) > startSeq)).toBe(true);
    expect(events.some((e) => e.bytes.includes('skipped'))).toBe(false);
  });

  it('a bad password is a typed error that does not show the password', async () => {
    await server().createUser('blk_repl', 'right-password', [
      { privileges: 'REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    const error = await openReplicationStream({
      ...streamOptions(server(), {}),
      user: 'blk_repl',
      password: 'Wr0ng-S3cret',
    }).catch((e: unknown) => e);
    expect(isBinlakeError(error, 'BLK_S1002')).toBe(true);
    const text = JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details });
    expect(text).toContain('blk_repl');
    expect(text).not.toContain('Wr0ng-S3cret');
  });

  it('a user without REPLICATION SLAVE gets BLK_S1003', async () => {
    const limited = await server().createUser('blk_norepl', 'pw', [{ privileges: 'SELECT', on: '*.*' }]);
    const error = await openReplicationStream({
      ...streamOptions(server(), {}),
      ...limited,
      start: 'end',
    }).catch((e: unknown) => e);
    expect(isBinlakeError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('BLK_S1003');
  });

  it('sends heartbeats when the source is idle', async () => {
    const stream = await openReplicationStream({ ...streamOptions(server(), {}), heartbeatSeconds: 0.2 });
    let heartbeat: Seen | null = null;
    for await (const raw of stream) {
      const e = describeEvent(raw);
      if (e.type === T.HEARTBEAT) {
        heartbeat = e;
        break;
      }
    }
    expect(heartbeat).not.toBeNull();
    // A heartbeat does not move the position.
    expect(heartbeat?.file).toBe(stream.position().file);
    await stream.close();
  });

  it('a slow consumer does not make the queue grow past its bound', async () => {
    const t = await table('bp');
    const start = await server().masterStatus();
    await server().query(`INSERT INTO ${t} SELECT seq, REPEAT('x', 40) FROM ${seq(t, 30_000)}`);
    const maxQueuedBytes = 128 * 1024;
    const stream = await openReplicationStream({
      ...streamOptions(server(), { start }),
      stopAtEnd: true,
      maxQueuedBytes,
    });
    let n = 0;
    let bytes = 0;
    for await (const raw of stream) {
      bytes += raw.bytes.length;
      if (++n % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(bytes).toBeGreaterThan(4 * maxQueuedBytes);
    // It did fill up (so the consumer was the slower side) but stayed within the bound plus
    // at most one socket chunk and one event.
    expect(stream.peakQueuedBytes).toBeGreaterThanOrEqual(maxQueuedBytes);
    expect(stream.peakQueuedBytes).toBeLessThan(maxQueuedBytes + 256 * 1024);
  });

  it('reconnects after the replication connection is killed mid-transaction, with no gap and no repeat', async () => {
    const t = await table('kill');
    const start = await server().masterStatus();
    // ~20 MB of row events: more than the kernel's socket buffers hold, so the kill lands while
    // the server is still sending the transaction.
    await server().query(`INSERT INTO ${t} SELECT seq, REPEAT('k', 400) FROM ${seq(t, 50_000)}`);
    await server().query(`INSERT INTO ${t} VALUES (50001, 'last')`);
    const end = await server().masterStatus();
    const reference = stored((await readAll(streamOptions(server(), { start }))).events);

    // Without stopAtEnd the dump thread stays in 'Binlog Dump' (waiting at the end) until killed;
    // heartbeats keep the loop turning once everything has arrived.
    const stream = await openReplicationStream({
      ...streamOptions(server(), { start }),
      reconnect: { maxMillis: 30_000 },
      maxQueuedBytes: 64 * 1024,
      heartbeatSeconds: 0.2,
    });
    const events: Seen[] = [];
    let rows = 0;
    let killed = false;
    for await (const raw of stream) {
      const e = describeEvent(raw);
      events.push(e);
      if (isWrite(e) && ++rows === 20 && !killed) {
        killed = true;
        const dumps = await server().query<{ Id: number; Command: string }[]>('SHOW PROCESSLIST');
        const mine = dumps.find((p) => p.Command === 'Binlog Dump' && Number(p.Id) === stream.connectionId);
        expect(mine).toBeDefined();
        await server().query(`KILL ${stream.connectionId}`);
      }
      const at = stream.position();
      if (stream.reconnects > 0 && at.file === end.file && at.position >= end.position) break;
    }
    // The reconnect happened inside the big transaction: the server's fake ROTATE of the second
    // dump follows a rows event, not the transaction's XID.
    const rotates = events
      .map((e, i) => (e.type === T.ROTATE && !isStored(e) ? i : -1))
      .filter((i) => i >= 0);
    expect(rotates.length).toBe(2);
    const before = events.slice(0, rotates[1]).filter(isStored).at(-1)!;
    expect(isWrite(before)).toBe(true);
    expect(killed).toBe(true);
    expect(stream.reconnects).toBe(1);
    assertContiguous(events);
    // Up to `end`: other test files may write to the shared server after it, and the two reads
    // stop at different moments.
    const beforeEnd = (e: Seen) => e.file < end.file || (e.file === end.file && e.position < end.position);
    const got = stored(events).filter(beforeEnd);
    const expected = reference.filter(beforeEnd);
    expect(got.length).toBe(expected.length);
    expect(got.map((e) => `${e.file}:${e.position}`)).toEqual(expected.map((e) => `${e.file}:${e.position}`));
    expect(Buffer.concat(got.map((e) => e.bytes)).equals(Buffer.concat(expected.map((e) => e.bytes)))).toBe(
      true,
    );
  });
});

describe('checksums on the wire', () => {
  /** Decodes a stream to its end: the events decoded, how many the stream had checked, and the error. */
  async function decodeThrough(port: number, start: { file: string; position: number }) {
    const stream = await openReplicationStream({
      ...streamOptions(server(), { start }),
      port,
      stopAtEnd: true,
    });
    const decoder = new BinlogDecoder({ initialChecksum: stream.checksum ? 'crc32' : 'none' });
    const decoded: RawEvent[] = [];
    let verified = 0;
    let error: unknown = null;
    try {
      for await (const raw of stream) {
        decoder.decode(raw);
        decoded.push(raw);
        if (raw.checksumVerified) verified++;
      }
    } catch (e) {
      error = e;
    } finally {
      await stream.close();
    }
    return { decoded, verified, error };
  }

  it('checks trailers a socket chunk at a time, and a byte damaged in transit is BLK_B2002 at its event', async () => {
    const t = await table('crc');
    const start = await server().masterStatus();
    const marker = `damage-me-${Date.now()}`;
    for (let i = 1; i <= 30; i++) {
      await server().query(
        `INSERT INTO ${t} VALUES (${i}, CONCAT(REPEAT('x', 300), '${i === 20 ? marker : ''}'))`,
      );
    }
    const address = server().address;
    const proxy = await TcpProxy.start({ host: address.host, port: address.port });
    try {
      // Intact: nearly every event was checked in a run (a FORMAT_DESCRIPTION is left to the
      // decoder), and the event bytes are what the server stored (the runs only overwrite the
      // packet headers between events).
      const clean = await decodeThrough(proxy.port, start);
      expect(clean.error).toBeNull();
      expect(clean.decoded.length).toBeGreaterThan(100);
      expect(clean.verified).toBeGreaterThanOrEqual(clean.decoded.length - 2);
      const damaged = clean.decoded.find((e) => e.bytes.includes(marker));
      expect(damaged).toBeDefined();

      proxy.damageFirst(marker);
      const broken = await decodeThrough(proxy.port, start);
      expect(broken.error).toBeInstanceOf(BinlakeError);
      const error = broken.error as BinlakeError;
      expect(error.code).toBe('BLK_B2002');
      expect(error.details).toMatchObject({ file: damaged?.file, position: damaged?.position });
      expect(error.remedy).toMatch(/read it again/);
      // Every event before the damaged one was decoded, none after it.
      expect(broken.decoded.at(-1)?.position).toBeLessThan(damaged?.position ?? 0);
      expect(broken.decoded.length).toBe(clean.decoded.indexOf(damaged as RawEvent));
    } finally {
      await proxy.close();
    }
  });
});

function atOrPast(p: { file: string; position: number }, end: { file: string; position: number }): boolean {
  return p.file > end.file || (p.file === end.file && p.position >= end.position);
}
