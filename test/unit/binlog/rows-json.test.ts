import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType } from '../../../src/binlog/event-type.js';
import { UpdateRowsEvent, WriteRowsEvent } from '../../../src/binlog/events/rows.js';
import type { Row, Value } from '../../../src/core/values.js';

/**
 * `toJson()` of rows events is hand-written text (the `binlog dump --rows-only` hot path). These
 * tests hold it to an independent oracle: the object the dump format documents, stringified by
 * `JSON.stringify`.
 */
const header = (typeCode: number) => ({
  timestamp: 1_700_000_000,
  typeCode,
  serverId: 7,
  eventSize: 100,
  nextPosition: 1234,
  flags: 0,
});
const table = { database: 'd"b', table: 't\\1' };

/** What the dump format says a row value becomes in JSON. */
function expectedValue(v: Value): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Object.is(v, -0)) return 0; // JSON has no negative zero
  return v;
}

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }), // lone surrogates and control characters
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.uint8Array({ maxLength: 40 }),
);

describe('rows event toJson', () => {
  it('equals JSON.stringify of the documented dump object, for any row values', () => {
    fc.assert(
      fc.property(fc.array(fc.array(valueArb, { minLength: 3, maxLength: 3 }), { maxLength: 4 }), (rows) => {
        const e = new WriteRowsEvent(
          header(EventType.WRITE_ROWS_V2),
          'binlog.000001',
          4,
          9,
          table,
          3,
          ['a', 'b"', 'ç'],
          1,
          2,
          false,
          [],
          null,
        );
        e.rows = rows as Row[];
        const expected = {
          type: 'write_rows',
          eventType: 'WRITE_ROWS_V2',
          file: 'binlog.000001',
          position: 4,
          nextPosition: 1234,
          timestamp: 1_700_000_000,
          serverId: 7,
          database: 'd"b',
          table: 't\\1',
          tableId: 9,
          columnCount: 3,
          columns: ['a', 'b"', 'ç'],
          flags: 1,
          version: 2,
          partial: false,
          rows: rows.map((r) => r.map(expectedValue)),
        };
        expect(e.toJson()).toBe(JSON.stringify(expected));
        expect(e.dump()).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the cached fixed fields exact across consecutive events of one table', () => {
    // One table's events share the ref and column list objects (as a compiled table's do), so the
    // cached pieces are reused or rebuilt as the other fields change from event to event.
    const names = ['id', 'v'];
    const ref = { database: 'db', table: 't' };
    const other = { database: 'db', table: 'u' };
    const eventArb = fc.record({
      second: fc.integer({ min: 0, max: 2 }),
      serverId: fc.constantFrom(1, 2),
      tableId: fc.constantFrom(5, 6),
      flags: fc.constantFrom(0, 1),
      version: fc.constantFrom(1, 2),
      compressed: fc.boolean(),
      file: fc.constantFrom('binlog.000001', 'binlog.000002'),
      otherTable: fc.boolean(),
      update: fc.boolean(),
      // A partial image (only column 0 present) takes the uncached path between cached ones.
      partial: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 12 }), (events) => {
        for (const [i, x] of events.entries()) {
          const code = x.update ? EventType.UPDATE_ROWS_V1 : EventType.WRITE_ROWS_V1;
          const h = { ...header(code), timestamp: 1_700_000_000 + x.second, serverId: x.serverId };
          const t = x.otherTable ? other : ref;
          const args = [
            h,
            x.file,
            4 + i,
            x.tableId,
            t,
            2,
            names,
            x.flags,
            x.version,
            x.compressed,
            [],
            x.partial ? [0] : null,
          ] as const;
          const e = x.update ? new UpdateRowsEvent(...args) : new WriteRowsEvent(...args);
          if (e instanceof UpdateRowsEvent) {
            e.presentColumnsAfter = null;
            e.rows = [{ before: [i, 'a'], after: [i, 'b'] }];
          } else e.rows = [[i, 'a']];
          const expected = {
            type: x.update ? 'update_rows' : 'write_rows',
            eventType: x.update ? 'UPDATE_ROWS_V1' : 'WRITE_ROWS_V1',
            file: x.file,
            position: 4 + i,
            nextPosition: 1234,
            timestamp: 1_700_000_000 + x.second,
            serverId: x.serverId,
            database: t.database,
            table: t.table,
            tableId: x.tableId,
            columnCount: 2,
            columns: names,
            flags: x.flags,
            version: x.version,
            ...(x.compressed ? { compressed: true } : {}),
            partial: x.partial,
            ...(x.partial ? { presentColumns: [0] } : {}),
            rows: x.update ? [{ before: [i, 'a'], after: [i, 'b'] }] : [[i, 'a']],
          };
          // Byte for byte, key order included.
          expect(e.toJson()).toBe(JSON.stringify(expected));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes update pairs, partial images, compression and extra data like the dump object', () => {
    const e = new UpdateRowsEvent(
      header(EventType.UPDATE_ROWS_COMPRESSED_V1),
      'b.2',
      99,
      3,
      table,
      2,
      ['@1', '@2'],
      0,
      1,
      true,
      [{ tag: 1, data: new Uint8Array([1, 0]), partitionId: 1 }],
      [0],
    );
    e.presentColumnsAfter = [1];
    e.rows = [{ before: [1n, null], after: [null, new Uint8Array([0xab])] }];
    expect(JSON.parse(e.toJson())).toEqual({
      type: 'update_rows',
      eventType: 'UPDATE_ROWS_COMPRESSED_V1',
      file: 'b.2',
      position: 99,
      nextPosition: 1234,
      timestamp: 1_700_000_000,
      serverId: 7,
      database: 'd"b',
      table: 't\\1',
      tableId: 3,
      columnCount: 2,
      columns: ['@1', '@2'],
      flags: 0,
      version: 1,
      compressed: true,
      partial: true,
      presentColumns: [0],
      presentColumnsAfter: [1],
      extraData: [{ tag: 1, data: '0x0100', partitionId: 1 }],
      rows: [{ before: ['1', null], after: [null, '0xab'] }],
    });
  });
});
