import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnType } from '../../../src/binlog/cells/column-type.js';
import { decodeDecimal } from '../../../src/binlog/cells/decimal.js';
import { crc32 } from '../../../src/binlog/crc32.js';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import { EventType } from '../../../src/binlog/event-type.js';
import { JsonBytes } from '../../../src/binlog/json-bytes.js';
import type { ColumnKind, TableSchema } from '../../../src/core/table-schema.js';
import { event, fde, packed, raw, str, u8, u16, u48 } from './build.js';

describe('cell formats', () => {
  it('decodes binary DECIMAL (strings/decimal.cc decimal2bin examples)', () => {
    // DECIMAL(14,4) 1234567890.1234 and its negation
    expect(decodeDecimal(Buffer.from('810dfb38d204d2', 'hex'), 0, 14, 4)).toBe('1234567890.1234');
    expect(decodeDecimal(Buffer.from('7ef204c72dfb2d', 'hex'), 0, 14, 4)).toBe('-1234567890.1234');
    // DECIMAL(5,2) 0.00 and -0.01
    expect(decodeDecimal(Buffer.from([0x80, 0x00, 0x00]), 0, 5, 2)).toBe('0.00');
    expect(decodeDecimal(Buffer.from([0x7f, 0xff, 0xfe]), 0, 5, 2)).toBe('-0.01');
  });

  it('computes the same CRC32 as zlib for any buffer and split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 9000 }), fc.nat(), (bytes, cut) => {
        const b = Buffer.from(bytes);
        const at = b.length === 0 ? 0 : cut % b.length;
        expect(crc32(b, 0, b.length)).toBe(zlibCrc32(b) >>> 0);
        expect(crc32(b, at, b.length, crc32(b, 0, at))).toBe(zlibCrc32(b) >>> 0);
      }),
      { numRuns: 300 },
    );
    // Every length around the 16-byte blocks and the switch to zlib, from any start.
    const b = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7919 + 13) & 0xff));
    for (let length = 0; length <= 660; length++) {
      const at = length % 37;
      expect(crc32(b, at, at + length)).toBe(zlibCrc32(b.subarray(at, at + length)) >>> 0);
    }
  });
});

/**
 * A TABLE_MAP of d.`table` (table id `id`) with one column of `type` and no column metadata,
 * then its NULL bitmap and any optional metadata.
 */
function tableMapEvent(
  id: number,
  type: number,
  o: { table?: string; nullBits?: number; optional?: Buffer } = {},
): Buffer {
  const table = o.table ?? 't';
  return event(
    EventType.TABLE_MAP,
    Buffer.concat([
      u48(id),
      u16(0),
      u8(1),
      str('d'),
      u8(0),
      u8(table.length),
      str(table),
      u8(0),
      packed(1),
      u8(type),
      packed(0),
      u8(o.nullBits ?? 0),
      o.optional ?? Buffer.alloc(0),
    ]),
    { checksum: true },
  );
}

/** The schema hint of d.t: one NOT NULL integer column x. */
function intSchema(unsigned: boolean, kind: ColumnKind = 'tinyint'): TableSchema {
  return {
    database: 'd',
    table: 't',
    key: [],
    keySource: 'none',
    columns: [
      {
        name: 'x',
        kind,
        columnType: kind,
        unsigned,
        nullable: false,
        length: null,
        scale: null,
        fsp: null,
        charset: null,
        members: null,
        defaultSql: null,
      },
    ],
  };
}

describe('table-map cache', () => {
  const tableMap = (type: number) => tableMapEvent(9, type);
  const rows = (cell: Buffer) =>
    event(EventType.WRITE_ROWS_V1, Buffer.concat([u48(9), u16(1), packed(1), u8(1), u8(0), cell]), {
      checksum: true,
    });

  it('reuses the compiled table for identical bytes and hint, rebuilds when either changes', () => {
    let hint = intSchema(false);
    const d = new BinlogDecoder({ schemaFor: () => hint });
    d.decode(raw(fde('10.11.6-MariaDB-log')));
    const first = d.decode(raw(tableMap(1)));
    const again = d.decode(raw(tableMap(1)));
    expect(
      first.type === 'table_map' && again.type === 'table_map' && first.compiled === again.compiled,
    ).toBe(true);
    expect(d.decode(raw(rows(u8(0xff)))).dump()).toMatchObject({ rows: [[-1]] });
    hint = intSchema(true); // DDL replaced the schema object
    d.decode(raw(tableMap(1)));
    expect(d.decode(raw(rows(u8(0xff)))).dump()).toMatchObject({ rows: [[255]] });
    d.decode(raw(tableMap(2))); // the table was altered: SMALLINT now
    expect(d.decode(raw(rows(u16(0xffff)))).dump()).toMatchObject({ rows: [[65535]], columns: ['x'] });
  });

  it('refuses MySQL PARTIAL_UPDATE_ROWS with BLK_B2005 and a remedy', () => {
    const d = new BinlogDecoder();
    d.decode(raw(fde('8.0.36')));
    expect(() =>
      d.decode(raw(event(EventType.PARTIAL_UPDATE_ROWS, Buffer.alloc(12), { checksum: true }))),
    ).toThrow(
      expect.objectContaining({
        code: 'BLK_B2005',
        remedy: expect.stringContaining('binlog_row_value_options'),
      }),
    );
  });
});

describe('table-map cache bound', () => {
  it('keeps at most MAX_ENTRIES table ids, evicting the oldest', async () => {
    const { TableCache } = await import('../../../src/binlog/table-cache.js');
    const d = new BinlogDecoder();
    d.decode(raw(fde('10.11.6-MariaDB-log')));
    const map = (id: number) => tableMapEvent(id, ColumnType.TINY);
    for (let id = 1; id <= TableCache.MAX_ENTRIES + 10; id++) d.decode(raw(map(id)));
    expect(d.tables.size).toBe(TableCache.MAX_ENTRIES);
    expect(d.tables.get(1)).toBeUndefined();
    expect(d.tables.get(TableCache.MAX_ENTRIES + 10)).toBeDefined();
  });

  // Short bodies are compared by a loop, long ones natively: both must see every byte.
  it.each([
    ['a short', 't'],
    ['a long', 't'.repeat(100)],
  ])(
    'reuses the compiled table for %s TABLE_MAP repeated byte for byte, and recompiles on one changed byte',
    (_, table) => {
      const d = new BinlogDecoder();
      d.decode(raw(fde('10.11.6-MariaDB-log')));
      const map = (type: number, nullBits = 0, optional = Buffer.alloc(0)) =>
        tableMapEvent(7, type, { table, nullBits, optional });
      d.decode(raw(map(ColumnType.LONG)));
      const first = d.tables.get(7);
      d.decode(raw(map(ColumnType.LONG)));
      expect(d.tables.get(7)).toBe(first);
      d.decode(raw(map(ColumnType.LONGLONG)));
      expect(d.tables.get(7)).not.toBe(first);
      expect(d.tables.get(7)?.columns[0].type).toBe(ColumnType.LONGLONG);
      const second = d.tables.get(7);
      d.decode(raw(map(ColumnType.LONGLONG, 1))); // the last byte: the NULL bitmap
      expect(d.tables.get(7)).not.toBe(second);
      // The same bytes and more (optional metadata appended: SIGNEDNESS, 1 byte, unsigned).
      d.decode(raw(map(ColumnType.LONGLONG, 1, Buffer.from([1, 1, 0x80]))));
      expect(d.tables.get(7)).not.toBe(second);
      expect(d.tables.get(7)?.plans[0].unsigned).toBe(true);
    },
  );
});

describe("integer cells in the dump's JSON", () => {
  // Each width's extremes, signed and unsigned, little-endian two's complement as MySQL packs them.
  const cases: [number, ColumnKind, number, boolean, number[]][] = [
    [ColumnType.TINY, 'tinyint', 1, false, [-128, -1, 0, 127]],
    [ColumnType.TINY, 'tinyint', 1, true, [0, 128, 255]],
    [ColumnType.SHORT, 'smallint', 2, false, [-32768, -1, 32767]],
    [ColumnType.SHORT, 'smallint', 2, true, [32768, 65535]],
    [ColumnType.INT24, 'mediumint', 3, false, [-8388608, -1, 8388607]],
    [ColumnType.INT24, 'mediumint', 3, true, [8388608, 16777215]],
    [ColumnType.LONG, 'int', 4, false, [-2147483648, -1, 2147483647]],
    [ColumnType.LONG, 'int', 4, true, [2147483648, 4294967295]],
  ];
  it.each(cases)(
    'type %i (%s, %i bytes, unsigned %s) prints %j exactly',
    (type, kind, width, unsigned, values) => {
      const hint = intSchema(unsigned, kind);
      const d = new BinlogDecoder({ schemaFor: () => hint });
      d.decode(raw(fde('10.11.6-MariaDB-log')));
      d.decode(raw(tableMapEvent(3, type)));
      const cells = values.map((v) => {
        const b = Buffer.alloc(width);
        b.writeUIntLE(v < 0 ? v + 2 ** (8 * width) : v, 0, width);
        return Buffer.concat([u8(0), b]); // the row's NULL bitmap, then the cell
      });
      const rows = raw(
        event(EventType.WRITE_ROWS_V1, Buffer.concat([u48(3), u16(1), packed(1), u8(1), ...cells]), {
          checksum: true,
        }),
      );
      const out = new JsonBytes();
      expect(d.decodeOrWriteRows(rows, out)).toBeNull();
      expect(JSON.parse(out.toString()).rows).toEqual(values.map((v) => [v]));
    },
  );
});
