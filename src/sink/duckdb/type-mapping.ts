import type { ColumnKind, ColumnSchema } from '../../core/table-schema.js';
import { COLUMN_KINDS, isBinaryColumn } from '../../core/table-schema.js';

/**
 * MySQL → DuckDB, lossless. The DuckDB column holds exactly the canonical Value of
 * core/values.ts, so snapshot row == streamed row == merged row == source row.
 *
 * Temporal types are stored as their canonical text, not as DuckDB DATE/TIME/TIMESTAMP:
 * MySQL allows values DuckDB's types cannot hold — zero dates ('0000-00-00', '2020-00-15'),
 * TIME from '-838:59:59' to '838:59:59', and an exact fractional precision (fsp) that must
 * survive the round trip ('12:00:00.100' is not '12:00:00.1'). The text sorts correctly for
 * DATE/DATETIME/TIMESTAMP and casts with `TRY_CAST(col AS TIMESTAMP)` when a query wants it.
 * DECIMAL above 38 digits (DuckDB's maximum) is stored as its canonical text for the same reason.
 */

/** The DuckDB storage type of a column; `sql` is the type as written in CREATE TABLE. */
export type DuckDbStorage =
  | { type: 'TINYINT' | 'SMALLINT' | 'INTEGER' | 'UTINYINT' | 'USMALLINT' | 'UINTEGER'; sql: string }
  | { type: 'BIGINT' | 'UBIGINT'; sql: string }
  | { type: 'FLOAT' | 'DOUBLE'; sql: string }
  | { type: 'DECIMAL'; sql: string; width: number; scale: number }
  | { type: 'VARCHAR'; sql: string }
  | { type: 'BLOB'; sql: string };

type Mapper = (column: ColumnSchema) => DuckDbStorage;

const simple = (type: Exclude<DuckDbStorage['type'], 'DECIMAL'>): DuckDbStorage => ({ type, sql: type });
const integer =
  (
    signed: 'TINYINT' | 'SMALLINT' | 'INTEGER' | 'BIGINT',
    unsigned: 'UTINYINT' | 'USMALLINT' | 'UINTEGER' | 'UBIGINT',
  ) =>
  (c: ColumnSchema): DuckDbStorage =>
    simple(c.unsigned ? unsigned : signed);
const text = (c: ColumnSchema): DuckDbStorage => simple(isBinaryColumn(c) ? 'BLOB' : 'VARCHAR');

/** Exhaustive: a new ColumnKind without an entry here fails `tsc`. */
export const DUCKDB_TYPE_OF: Record<ColumnKind, Mapper> = {
  tinyint: integer('TINYINT', 'UTINYINT'),
  smallint: integer('SMALLINT', 'USMALLINT'),
  // MEDIUMINT is 24-bit: -8388608..8388607 / 0..16777215.
  mediumint: integer('INTEGER', 'UINTEGER'),
  int: integer('INTEGER', 'UINTEGER'),
  bigint: integer('BIGINT', 'UBIGINT'),
  float: () => simple('FLOAT'),
  double: () => simple('DOUBLE'),
  decimal: (c) => {
    const width = c.length ?? 10;
    const scale = c.scale ?? 0;
    return width <= 38
      ? { type: 'DECIMAL', sql: `DECIMAL(${width},${scale})`, width, scale }
      : simple('VARCHAR');
  },
  bit: () => simple('UBIGINT'),
  year: () => simple('USMALLINT'),
  date: () => simple('VARCHAR'),
  time: () => simple('VARCHAR'),
  datetime: () => simple('VARCHAR'),
  timestamp: () => simple('VARCHAR'),
  char: text,
  varchar: text,
  text: text,
  binary: () => simple('BLOB'),
  varbinary: () => simple('BLOB'),
  blob: () => simple('BLOB'),
  enum: () => simple('VARCHAR'),
  set: () => simple('VARCHAR'),
  json: () => simple('VARCHAR'),
  geometry: () => simple('BLOB'),
};

export function duckDbStorage(column: ColumnSchema): DuckDbStorage {
  return DUCKDB_TYPE_OF[column.kind](column);
}

/** One line of the documented mapping, for the README. */
export interface TypeMappingRow {
  mysql: string;
  duckdb: string;
  note: string;
}

const NOTES: Record<ColumnKind, { mysql: string; duckdb: string; note: string }> = {
  tinyint: { mysql: 'TINYINT / TINYINT UNSIGNED', duckdb: 'TINYINT / UTINYINT', note: '' },
  smallint: { mysql: 'SMALLINT / SMALLINT UNSIGNED', duckdb: 'SMALLINT / USMALLINT', note: '' },
  mediumint: { mysql: 'MEDIUMINT / MEDIUMINT UNSIGNED', duckdb: 'INTEGER / UINTEGER', note: '24-bit values' },
  int: { mysql: 'INT / INT UNSIGNED', duckdb: 'INTEGER / UINTEGER', note: '' },
  bigint: {
    mysql: 'BIGINT / BIGINT UNSIGNED',
    duckdb: 'BIGINT / UBIGINT',
    note: 'unsigned max 18446744073709551615 kept',
  },
  float: { mysql: 'FLOAT', duckdb: 'FLOAT', note: 'the exact float32' },
  double: { mysql: 'DOUBLE', duckdb: 'DOUBLE', note: '' },
  decimal: {
    mysql: 'DECIMAL(p,s)',
    duckdb: 'DECIMAL(p,s) when p ≤ 38, else VARCHAR',
    note: "VARCHAR holds the canonical text '-12.340' (DuckDB stops at 38 digits)",
  },
  bit: { mysql: 'BIT(n)', duckdb: 'UBIGINT', note: 'the bits as an unsigned integer' },
  year: { mysql: 'YEAR', duckdb: 'USMALLINT', note: '0 for the zero year' },
  date: { mysql: 'DATE', duckdb: 'VARCHAR', note: "'YYYY-MM-DD'; zero dates kept ('0000-00-00')" },
  time: { mysql: 'TIME(fsp)', duckdb: 'VARCHAR', note: "'[-]hhh:mm:ss[.f]'; beyond 24 h and fsp kept" },
  datetime: {
    mysql: 'DATETIME(fsp)',
    duckdb: 'VARCHAR',
    note: "'YYYY-MM-DD hh:mm:ss[.f]'; zero dates and fsp kept",
  },
  timestamp: { mysql: 'TIMESTAMP(fsp)', duckdb: 'VARCHAR', note: 'as DATETIME, in UTC' },
  char: { mysql: 'CHAR(n)', duckdb: 'VARCHAR (BLOB with a binary charset)', note: 'utf8mb4 kept' },
  varchar: { mysql: 'VARCHAR(n)', duckdb: 'VARCHAR (BLOB with a binary charset)', note: '' },
  text: { mysql: 'TINYTEXT … LONGTEXT', duckdb: 'VARCHAR (BLOB with a binary charset)', note: '' },
  binary: { mysql: 'BINARY(n)', duckdb: 'BLOB', note: 'bytes as stored, NUL bytes kept' },
  varbinary: { mysql: 'VARBINARY(n)', duckdb: 'BLOB', note: '' },
  blob: { mysql: 'TINYBLOB … LONGBLOB', duckdb: 'BLOB', note: '' },
  enum: { mysql: 'ENUM', duckdb: 'VARCHAR', note: 'the member text' },
  set: { mysql: 'SET', duckdb: 'VARCHAR', note: "members joined by ','" },
  json: { mysql: 'JSON', duckdb: 'VARCHAR', note: 'the JSON text' },
  geometry: {
    mysql: 'GEOMETRY (all spatial types)',
    duckdb: 'BLOB',
    note: '4-byte little-endian SRID + WKB',
  },
};

/** The mapping as data, one row per ColumnKind, in COLUMN_KINDS order (`binlake` docs print it). */
export function duckDbTypeMappingTable(): TypeMappingRow[] {
  return COLUMN_KINDS.map((kind) => NOTES[kind]);
}

/** The mapping as a Markdown table. */
export function duckDbTypeMappingMarkdown(): string {
  const lines = ['| MySQL | DuckDB | note |', '| --- | --- | --- |'];
  for (const row of duckDbTypeMappingTable()) lines.push(`| ${row.mysql} | ${row.duckdb} | ${row.note} |`);
  return lines.join('\n');
}
