import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import { EventType } from '../../../src/binlog/event-type.js';
import { PacketReader } from '../../../src/binlog/packet-reader.js';
import { BinlakeError } from '../../../src/core/errors.js';
import { event, fde, packed, raw, str, u8, u16, u48 } from './build.js';

function decoder(): BinlogDecoder {
  const d = new BinlogDecoder();
  d.decode(raw(fde('10.11.6-MariaDB-log')));
  return d;
}

function errorOf(fn: () => unknown): BinlakeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BinlakeError) return error;
    throw error;
  }
  throw new Error('expected a BinlakeError');
}

/** Re-seals an event after editing: size field and CRC32 trailer. */
function reseal(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt32LE(out.length, 9);
  out.writeUInt32LE(crc32(out.subarray(0, out.length - 4)), out.length - 4);
  return out;
}

const tableMapBody = Buffer.concat([
  u48(1),
  u16(0),
  u8(2),
  str('db'),
  u8(0),
  u8(1),
  str('t'),
  u8(0),
  packed(2),
  Buffer.from([3, 15]),
  packed(2),
  u16(100),
  Buffer.from([0b10]),
]);

describe('PacketReader', () => {
  it('throws BLK_B2001 with offset, need and have on every read past the end', () => {
    const r = new PacketReader(Buffer.from([1, 2, 3]), 1);
    expect(r.u16()).toBe(0x0302);
    const e = errorOf(() => r.u32());
    expect(e.code).toBe('BLK_B2001');
    expect(e.details).toEqual({ offset: 3, need: 4, have: 0 });
    expect(() => new PacketReader(Buffer.from([0xfc, 1]), 0).packed()).toThrow(
      expect.objectContaining({ code: 'BLK_B2001' }),
    );
    expect(() => new PacketReader(Buffer.from([0xff]), 0).packed()).toThrow(
      expect.objectContaining({ code: 'BLK_B2003' }),
    );
    expect(() => new PacketReader(Buffer.from('abc'), 0).cstr()).toThrow(
      expect.objectContaining({ code: 'BLK_B2001' }),
    );
    expect(() => new PacketReader(Buffer.alloc(4), 0, 2).bytes(3)).toThrow(
      expect.objectContaining({ code: 'BLK_B2001' }),
    );
    expect(() => new PacketReader(Buffer.alloc(4), 0).bytes(-1)).toThrow(
      expect.objectContaining({ code: 'BLK_B2001' }),
    );
  });

  it('reads length-encoded ints, big-endian and 48/64-bit fields', () => {
    const r = new PacketReader(
      Buffer.concat([packed(250), packed(300), packed(70000), packed(2 ** 40), Buffer.from([1, 2, 3])]),
    );
    expect([r.packed(), r.packed(), r.packed(), r.packed(), r.uintBE(3)]).toEqual([
      250,
      300,
      70000,
      2 ** 40,
      0x010203,
    ]);
  });
});

describe('bad events become typed errors with header and offset', () => {
  it('an event shorter than its header', () => {
    const e = errorOf(() => decoder().decode(raw(Buffer.alloc(10))));
    expect(e.code).toBe('BLK_B2001');
    expect(e.details).toMatchObject({ file: 'binlog.000001', need: 19, have: 10 });
  });

  it('a size field that disagrees with the bytes', () => {
    const bytes = event(EventType.XID, Buffer.alloc(8), { checksum: true });
    const cut = bytes.subarray(0, bytes.length - 3);
    const e = errorOf(() => decoder().decode(raw(cut)));
    expect(e.code).toBe('BLK_B2001');
    expect(e.details).toMatchObject({
      eventType: 'XID',
      typeCode: 16,
      header: expect.any(String),
      hex: expect.any(String),
    });
  });

  it('a truncated body (resealed so only the body is short)', () => {
    const bytes = reseal(event(EventType.XID, Buffer.alloc(5), { checksum: true }));
    const e = errorOf(() => decoder().decode(raw(bytes)));
    expect(e.code).toBe('BLK_B2001');
    expect(e.details).toMatchObject({ eventType: 'XID', offset: 19, need: 8, have: 5 });
    // A remedy even though the reader that threw had none: re-read, then mysqlbinlog at this event.
    expect(e.remedy).toContain(`mysqlbinlog --start-position=${e.details.position} binlog.000001`);
    expect(e.describe()).toMatch(/^\[BLK_B2001\] XID event at binlog.000001:\d+: .* — read the event again/);
  });

  it('a length that points past the end', () => {
    const body = Buffer.from(tableMapBody);
    body[8] = 200; // database name length
    const e = errorOf(() => decoder().decode(raw(event(EventType.TABLE_MAP, body, { checksum: true }))));
    expect(e.code).toBe('BLK_B2001');
    expect(e.details).toMatchObject({ eventType: 'TABLE_MAP', need: 200 });
    expect(e.message).toMatch(/TABLE_MAP event at binlog.000001:\d+/);
  });

  it('a column count larger than the event', () => {
    const body = Buffer.concat([
      u48(1),
      u16(0),
      u8(2),
      str('db'),
      u8(0),
      u8(1),
      str('t'),
      u8(0),
      packed(1 << 30),
    ]);
    expect(
      errorOf(() => decoder().decode(raw(event(EventType.TABLE_MAP, body, { checksum: true })))).code,
    ).toBe('BLK_B2001');
  });

  it('a wrong checksum names expected and actual CRC', () => {
    const bytes = event(EventType.XID, Buffer.alloc(8), { checksum: true });
    bytes[20] ^= 1;
    const e = errorOf(() => decoder().decode(raw(bytes, 'binlog.000042')));
    expect(e.code).toBe('BLK_B2002');
    expect(e.details).toMatchObject({
      file: 'binlog.000042',
      position: expect.any(Number),
      expected: expect.any(String),
    });
    expect(e.details.expected).not.toEqual(e.details.actual);
  });

  it('an FDE whose own checksum is wrong', () => {
    const bytes = fde('8.0.36');
    bytes[25] ^= 1;
    expect(errorOf(() => new BinlogDecoder().decode(raw(bytes))).code).toBe('BLK_B2002');
  });

  it('unknown type codes become UnknownEvent keeping their bytes', () => {
    const e = decoder().decode(raw(event(200, Buffer.from('payload'), { checksum: true })));
    expect(e.type).toBe('unknown');
    expect(e.type === 'unknown' && Buffer.from(e.data).toString()).toBe('payload');
  });

  it('a rows event wider than its table map', () => {
    const d = decoder();
    d.decode(raw(event(EventType.TABLE_MAP, tableMapBody, { checksum: true })));
    const rows = Buffer.concat([
      u48(1),
      u16(1),
      packed(3),
      Buffer.from([7]),
      Buffer.from([0, 1, 0, 0, 0, 0, 0]),
    ]);
    expect(errorOf(() => d.decode(raw(event(EventType.WRITE_ROWS_V1, rows, { checksum: true })))).code).toBe(
      'BLK_B2003',
    );
  });

  it('random bytes after a valid header never escape as another error (fast-check)', () => {
    const d = decoder();
    d.decode(raw(event(EventType.TABLE_MAP, tableMapBody, { checksum: true })));
    const types = [
      2, 4, 15, 16, 19, 23, 24, 25, 30, 31, 32, 33, 34, 35, 38, 40, 41, 160, 161, 162, 163, 165, 166, 167,
      169,
    ];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        try {
          const e = d.decode(raw(event(type, Buffer.from(body), { checksum: true })));
          JSON.stringify(e.dump());
        } catch (error) {
          if (!(error instanceof BinlakeError)) throw error;
          expect(error.details.file).toBeDefined();
          // Every decode error tells the user what to do (BLK_B2xxx always has a remedy).
          expect(error.remedy).toBeTruthy();
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('forceChecksum', () => {
  it('decodes trailer-less events after an FDE that says CRC32 when the transport stripped them', () => {
    const d = new BinlogDecoder({ forceChecksum: 'none' });
    d.decode(raw(fde('10.11.6-MariaDB-log', true)));
    const e = d.decode(raw(event(EventType.XID, Buffer.from([7, 0, 0, 0, 0, 0, 0, 0]))));
    expect(e.type === 'xid' && e.xid).toBe(7n);
  });
});

describe('MariaDB compressed records', () => {
  it('inflate, and reject bad headers, lying lengths and broken streams with BLK_B2003', async () => {
    const { deflateSync } = await import('node:zlib');
    const { inflateMariadb } = await import('../../../src/binlog/compression.js');
    const text = Buffer.from('x'.repeat(300));
    const record = Buffer.concat([Buffer.from([0x82, 0x01, 0x2c]), deflateSync(text)]); // 2-byte big-endian length 300
    expect(inflateMariadb(record).toString()).toBe(text.toString());
    expect(() => inflateMariadb(Buffer.from([0x02, 0x01, 0x2c]))).toThrow(
      expect.objectContaining({ code: 'BLK_B2003' }),
    );
    const lying = Buffer.from(record);
    lying[2] = 0x2d;
    expect(() => inflateMariadb(lying)).toThrow(expect.objectContaining({ code: 'BLK_B2003' }));
    expect(() => inflateMariadb(Buffer.concat([record.subarray(0, 3), Buffer.from('garbage')]))).toThrow(
      expect.objectContaining({ code: 'BLK_B2003' }),
    );
  });
});
