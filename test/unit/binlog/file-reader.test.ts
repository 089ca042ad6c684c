import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventType } from '../../../src/binlog/event-type.js';
import { BINLOG_MAGIC, openBinlogFiles } from '../../../src/binlog/file-reader.js';
import type { RawEvent } from '../../../src/binlog/raw-event.js';
import { BinlakeError } from '../../../src/core/errors.js';
import { event, fde } from './build.js';

const dir = mkdtempSync(path.join(tmpdir(), 'binlake-file-reader-'));

/** A binlog file: magic, FORMAT_DESCRIPTION, then XIDs with their log_pos set; returns path and event offsets. */
function binlogFile(name: string, xids = 3, options: { inUse?: boolean } = {}) {
  const parts: Buffer[] = [BINLOG_MAGIC];
  const offsets: number[] = [];
  let position = 4;
  const format = fde('10.11.6-MariaDB-log');
  format.writeUInt32LE(position + format.length, 13);
  if (options.inUse) format[17] |= 1; // LOG_EVENT_BINLOG_IN_USE_F (outside the FDE's checksum)
  parts.push(format);
  offsets.push(position);
  position += format.length;
  for (let i = 0; i < xids; i++) {
    const xid = event(EventType.XID, Buffer.alloc(8), { checksum: true, nextPosition: position + 31 });
    parts.push(xid);
    offsets.push(position);
    position += xid.length;
  }
  const bytes = Buffer.concat(parts);
  return {
    file: path.join(dir, name),
    bytes,
    offsets,
    write: (b = bytes) => writeFileSync(path.join(dir, name), b),
  };
}

async function collect(paths: string[]): Promise<RawEvent[]> {
  const out: RawEvent[] = [];
  for await (const raw of openBinlogFiles(paths)) out.push(raw);
  return out;
}

async function failure(paths: string[]): Promise<{ error: BinlakeError; events: RawEvent[] }> {
  const events: RawEvent[] = [];
  try {
    for await (const raw of openBinlogFiles(paths)) events.push(raw);
  } catch (error) {
    if (error instanceof BinlakeError) return { error, events };
    throw error;
  }
  throw new Error('expected a BinlakeError');
}

describe('openBinlogFiles: paths it cannot read', () => {
  it('a missing file is BLK_B2008 with the path and a remedy, before any event of the files before it', async () => {
    const good = binlogFile('ok.000001');
    good.write();
    const missing = path.join(dir, 'nope.000002');
    const { error, events } = await failure([good.file, missing]);
    expect(events).toEqual([]);
    expect(error.code).toBe('BLK_B2008');
    expect(error.message).toBe(`${missing} does not exist`);
    expect(error.details).toMatchObject({ path: missing, errno: 'ENOENT' });
    expect(error.remedy).toMatch(/datadir/);
    expect(await collect([good.file])).toHaveLength(4);
  });

  it('a directory is BLK_B2008 naming the files to give instead', async () => {
    const { error } = await failure([dir]);
    expect(error.code).toBe('BLK_B2008');
    expect(error.message).toBe(`${dir} is a directory, not a binlog file`);
    expect(error.remedy).toContain(path.join(dir, 'binlog.0*'));
  });

  it.skipIf(process.getuid?.() === 0)(
    'an unreadable file is BLK_B2008 saying permission denied',
    async () => {
      const f = binlogFile('secret.000001');
      f.write();
      chmodSync(f.file, 0o000);
      const { error } = await failure([f.file]);
      expect(error.code).toBe('BLK_B2008');
      expect(error.message).toContain('permission denied');
      expect(error.remedy).toMatch(/mysql user/);
    },
  );

  it('a file without the magic is BLK_B2007 with a remedy', async () => {
    const notBinlog = path.join(dir, 'binlog.index');
    writeFileSync(notBinlog, './binlog.000001\n');
    const { error } = await failure([notBinlog]);
    expect(error.code).toBe('BLK_B2007');
    expect(error.remedy).toMatch(/\.index/);
  });
});

describe('openBinlogFiles: corrupt headers and cut files', () => {
  it('a corrupt high length byte (0xff00001f bytes claimed) says the header is corrupt, not that the file is short', async () => {
    const f = binlogFile('corrupt.000001');
    const bytes = Buffer.from(f.bytes);
    const at = f.offsets[2];
    bytes[at + 12] = 0xff; // the high byte of the length: 31 → 0xff00001f
    f.write(bytes);
    const { error, events } = await failure([f.file]);
    expect(events.map((e) => e.position)).toEqual(f.offsets.slice(0, 2));
    expect(error.code).toBe('BLK_B2003');
    expect(error.message).toBe(
      `the event header at corrupt.000001:${at} is corrupt: it claims ${0xff00001f} bytes, more than any event can ` +
        `have (1 GiB, the largest max_allowed_packet), while its end position (log_pos ${at + 31}) says 31 bytes; ` +
        `the file has ${bytes.length - at} bytes from there`,
    );
    expect(error.remedy).toMatch(/mysqlbinlog .*\/corrupt\.000001/);
    expect(error.remedy).toMatch(/copy it again/);
    expect(error.details).toMatchObject({ file: 'corrupt.000001', position: at, offset: 9 });
  });

  it('a length its own log_pos contradicts is a corrupt header, even in a file the server is writing', async () => {
    const f = binlogFile('inuse.000001', 3, { inUse: true });
    const bytes = Buffer.from(f.bytes);
    const at = f.offsets[3]; // the last event
    bytes.writeUInt32LE(5000, at + 9);
    f.write(bytes);
    const { error } = await failure([f.file]);
    expect(error.code).toBe('BLK_B2003');
    expect(error.message).toContain(
      `claims 5000 bytes, while its end position (log_pos ${at + 31}) says 31 bytes`,
    );
  });

  it('a file cut inside an event names both causes: cut short, or a corrupt header', async () => {
    const f = binlogFile('cut.000001');
    const cut = f.bytes.subarray(0, f.bytes.length - 7);
    f.write(cut);
    const { error, events } = await failure([f.file]);
    expect(events).toHaveLength(3);
    const at = f.offsets[3];
    expect(error.code).toBe('BLK_B2001');
    expect(error.message).toBe(
      `cut.000001 ends inside the event at ${at} (24 of 31 bytes): the file was cut short, or the event header is corrupt`,
    );
    expect(error.details).toMatchObject({ file: 'cut.000001', position: at, need: 31, have: 24 });
    expect(error.remedy).toMatch(/incomplete .* or the length in the header at \d+ is damaged/);
    expect(error.remedy).toMatch(/mysqlbinlog .*\/cut\.000001/);
    // A file the server is still writing ends cleanly before its incomplete last event.
    const writing = binlogFile('writing.000001', 3, { inUse: true });
    writing.write(writing.bytes.subarray(0, writing.bytes.length - 7));
    expect(await collect([writing.file])).toHaveLength(3);
  });

  it('a file cut inside an event header is BLK_B2001 with a remedy', async () => {
    const f = binlogFile('header.000001');
    f.write(f.bytes.subarray(0, f.offsets[3] + 10));
    const { error } = await failure([f.file]);
    expect(error.code).toBe('BLK_B2001');
    expect(error.message).toContain('ends inside the event header');
    expect(error.remedy).toBeTruthy();
  });

  it('a header claiming fewer bytes than a header (3) is BLK_B2003 with a remedy', async () => {
    const f = binlogFile('tiny.000001');
    const bytes = Buffer.from(f.bytes);
    bytes.writeUInt32LE(3, f.offsets[1] + 9);
    f.write(bytes);
    const { error } = await failure([f.file]);
    expect(error.code).toBe('BLK_B2003');
    expect(error.message).toBe(
      `the event header at tiny.000001:${f.offsets[1]} is corrupt: it claims 3 bytes, less than the 19-byte header itself`,
    );
    expect(error.remedy).toMatch(/mysqlbinlog .*\/tiny\.000001/);
  });
});
