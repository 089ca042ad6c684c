import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMN_KINDS } from '../../../src/core/table-schema.js';
import type { Value } from '../../../src/core/values.js';
import {
  DUCKDB_TYPE_OF,
  duckDbTypeMappingMarkdown,
  duckDbTypeMappingTable,
} from '../../../src/sink/duckdb/type-mapping.js';
import { formatDecimal, parseDecimal } from '../../../src/sink/duckdb/values.js';
import { logColumnNames, orderedPartitions, partitionValue } from '../../../src/sink/log-columns.js';
import { decodeRow, encodeRow } from '../../../src/sink/row-json.js';

describe('row JSON', () => {
  it('round-trips every Value kind losslessly', () => {
    const value: fc.Arbitrary<Value> = fc.oneof(
      fc.constant(null),
      fc.double(),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
      fc.string({ unit: 'binary' }),
      fc.uint8Array(),
    );
    fc.assert(
      fc.property(fc.array(value), (row) => {
        const back = decodeRow(encodeRow(row));
        expect(back).toEqual(row);
        back.forEach((v, i) => {
          if (typeof v === 'number') expect(Object.is(v, row[i])).toBe(true);
        });
      }),
    );
  });
});

describe('DECIMAL text', () => {
  it('parses canonical text exactly and formats it back', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }),
        fc.integer({ min: 0, max: 38 }),
        (n, scale) => {
          const text = formatDecimal(n, scale);
          expect(parseDecimal(text, 38, scale)).toBe(n);
        },
      ),
    );
    expect(formatDecimal(-50n, 3)).toBe('-0.050');
    expect(formatDecimal(5n, 0)).toBe('5');
    expect(parseDecimal('12.5', 5, 2)).toBe(1250n);
    expect(parseDecimal('1.2300', 5, 2)).toBe(123n);
  });

  it('refuses anything it would have to round or that does not fit', () => {
    expect(() => parseDecimal('1.234', 5, 2)).toThrow(/more than 2 decimals/);
    expect(() => parseDecimal('1234.5', 5, 2)).toThrow(/does not fit/);
    expect(() => parseDecimal('1e5', 10, 0)).toThrow(/not a decimal/);
    expect(() => parseDecimal('', 10, 0)).toThrow(/not a decimal/);
  });
});

describe('log columns', () => {
  it('names the additional columns per naming rule', () => {
    expect(Object.values(logColumnNames('classic'))).toEqual([
      'record_id',
      'operation_flag',
      'utc_timestamp',
      'before_flag',
      'after_flag',
    ]);
    expect(logColumnNames('new').afterFlag).toBe('new_dts_sync_after_flag');
  });

  it('derives zero-padded UTC partition values', () => {
    const t = Date.UTC(1999, 11, 31, 23, 5, 59) / 1000;
    expect(
      orderedPartitions([
        'modifytime_minute',
        'modifytime_year',
        'modifytime_month',
        'modifytime_day',
        'modifytime_hour',
      ]).map((p) => partitionValue(p, t)),
    ).toEqual(['1999', '12', '31', '23', '05']);
  });
});

describe('DuckDB type mapping as data', () => {
  it('has one entry per ColumnKind and prints a table', () => {
    expect(Object.keys(DUCKDB_TYPE_OF).sort()).toEqual([...COLUMN_KINDS].sort());
    expect(duckDbTypeMappingTable()).toHaveLength(COLUMN_KINDS.length);
    expect(duckDbTypeMappingMarkdown()).toContain(
      '| DECIMAL(p,s) | DECIMAL(p,s) when p ≤ 38, else VARCHAR |',
    );
  });
});
