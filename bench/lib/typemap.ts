import { type DuckDBAppender, DuckDBDecimalValue } from '@duckdb/node-api';

/**
 * The hand-written side of the full-load comparison: how a user maps a MySQL column to DuckDB
 * and appends a mysql2 value (options: supportBigNumbers, bigNumberStrings, dateStrings,
 * jsonStrings). The storage types are binlake's (README type mapping), so the sink ceiling and
 * the hand-written loop write the same columns binlake writes.
 */
export interface SourceColumn {
  name: string;
  dataType: string;
  columnType: string;
  precision: number | null;
  scale: number | null;
  charset: string | null;
}

export type Prepared = number | bigint | string | Uint8Array | DuckDBDecimalValue | null;

export interface ColumnPlan {
  name: string;
  duckSql: string;
  /** mysql2 value → the value the appender takes (done outside the timed part by the sink ceiling). */
  convert(value: unknown): Prepared;
  /** Appends one converted non-null value. */
  append(appender: DuckDBAppender, value: Prepared): void;
}

export const COLUMNS_QUERY =
  'SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, ' +
  'NUMERIC_PRECISION AS `precision`, NUMERIC_SCALE AS scale, CHARACTER_SET_NAME AS charset ' +
  'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION';

function decimalOf(text: string, width: number, scale: number): DuckDBDecimalValue {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const [int, frac = ''] = body.split('.');
  const unscaled = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return new DuckDBDecimalValue(negative ? -unscaled : unscaled, width, scale);
}

const bitValue = (b: Buffer): bigint => {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
};

export function planColumn(c: SourceColumn): ColumnPlan {
  const unsigned = /unsigned/i.test(c.columnType);
  const binary = c.charset === 'binary' || c.charset === null;
  const num = (duckSql: string, append: (a: DuckDBAppender, v: number) => void): ColumnPlan => ({
    name: c.name,
    duckSql,
    convert: (v) => (v === null ? null : Number(v)),
    append: (a, v) => append(a, v as number),
  });
  switch (c.dataType) {
    case 'tinyint':
      return unsigned
        ? num('UTINYINT', (a, v) => a.appendUTinyInt(v))
        : num('TINYINT', (a, v) => a.appendTinyInt(v));
    case 'smallint':
      return unsigned
        ? num('USMALLINT', (a, v) => a.appendUSmallInt(v))
        : num('SMALLINT', (a, v) => a.appendSmallInt(v));
    case 'mediumint':
    case 'int':
      return unsigned
        ? num('UINTEGER', (a, v) => a.appendUInteger(v))
        : num('INTEGER', (a, v) => a.appendInteger(v));
    case 'year':
      return num('USMALLINT', (a, v) => a.appendUSmallInt(v));
    case 'float':
      return num('FLOAT', (a, v) => a.appendFloat(v));
    case 'double':
      return num('DOUBLE', (a, v) => a.appendDouble(v));
    case 'bigint':
      return {
        name: c.name,
        duckSql: unsigned ? 'UBIGINT' : 'BIGINT',
        convert: (v) => (v === null ? null : BigInt(v as string)),
        append: unsigned ? (a, v) => a.appendUBigInt(v as bigint) : (a, v) => a.appendBigInt(v as bigint),
      };
    case 'bit':
      return {
        name: c.name,
        duckSql: 'UBIGINT',
        convert: (v) => (v === null ? null : bitValue(v as Buffer)),
        append: (a, v) => a.appendUBigInt(v as bigint),
      };
    case 'decimal': {
      const width = Number(c.precision ?? 10);
      const scale = Number(c.scale ?? 0);
      if (width > 38) {
        return {
          name: c.name,
          duckSql: 'VARCHAR',
          convert: (v) => (v === null ? null : String(v)),
          append: (a, v) => a.appendVarchar(v as string),
        };
      }
      return {
        name: c.name,
        duckSql: `DECIMAL(${width},${scale})`,
        convert: (v) => (v === null ? null : decimalOf(String(v), width, scale)),
        append: (a, v) => a.appendDecimal(v as DuckDBDecimalValue),
      };
    }
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
      return blobPlan(c.name);
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      if (binary) return blobPlan(c.name);
      return textPlan(c.name);
    default:
      // date, time, datetime, timestamp, enum, set, json: the server's text (dateStrings, jsonStrings)
      return textPlan(c.name);
  }
}

function textPlan(name: string): ColumnPlan {
  return {
    name,
    duckSql: 'VARCHAR',
    convert: (v) => (v === null ? null : typeof v === 'string' ? v : String(v)),
    append: (a, v) => a.appendVarchar(v as string),
  };
}

function blobPlan(name: string): ColumnPlan {
  return {
    name,
    duckSql: 'BLOB',
    convert: (v) => (v === null ? null : (v as Uint8Array)),
    append: (a, v) => a.appendBlob(v as Uint8Array),
  };
}

export function createTableSql(table: string, plans: ColumnPlan[]): string {
  return `CREATE TABLE "${table}" (${plans.map((p) => `"${p.name}" ${p.duckSql}`).join(', ')})`;
}
