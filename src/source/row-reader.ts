import type { CellColumn } from '../core/cell-rows.js';
import type { ColumnKind, ColumnSchema, TableSchema } from '../core/table-schema.js';
import { isBinaryColumn } from '../core/table-schema.js';
import type { Row, Value } from '../core/values.js';
import { quoteId, quoteTable } from './connection.js';

/**
 * Turns what mysql2 returns for a `SELECT` of a table's columns into canonical Values
 * (core/values.ts), decided once per column from the TableSchema.
 *
 * The connection (connection.ts) already gets most values in canonical form from mysql2's
 * generated text-protocol parser: integers up to INT as numbers, DECIMAL / dates / TIME / ENUM /
 * SET / JSON / text as the exact text the server prints (time_zone is UTC, so TIMESTAMP prints
 * in UTC). Only these columns need a pass afterwards:
 * - BIGINT (text, because mysql2 would round above 2^53) → bigint;
 * - FLOAT (selected as `col + 0e0`, the exact double of the float32) → Math.fround;
 * - BIT (bytes, big-endian) → bigint;
 * - binary strings, BLOB and GEOMETRY (Buffer views into mysql2's packet) → a copied plain Uint8Array.
 *
 * Converting afterwards, in place, in the row arrays mysql2 built, costs nothing for columns that
 * need nothing (the sysbench shape INT, INT, CHAR, CHAR) and is faster than a per-cell `typeCast`
 * callback, which mysql2 calls for every cell of every column (see bench/ figures in the report).
 */
export type CellConverter = (value: unknown) => Value;

const toBigint: CellConverter = (v) => BigInt(v as string);
const toFloat32: CellConverter = (v) => Math.fround(v as number);
const toBytes: CellConverter = (v) => new Uint8Array(v as Uint8Array);
const bitsToBigint: CellConverter = (v) => {
  const bytes = v as Uint8Array;
  let n = 0n;
  for (let i = 0; i < bytes.length; i++) n = (n << 8n) | BigInt(bytes[i]);
  return n;
};
/** Guards the rare case where mysql2 returns a Buffer for a text column (a binary collation it reports as 63). */
const textOrBytes: CellConverter = (v) =>
  typeof v === 'string' ? v : new TextDecoder().decode(v as Uint8Array);

/** The converter of each kind, or null when mysql2's value is already canonical. Exhaustive over ColumnKind. */
const CONVERTERS: Record<ColumnKind, (column: ColumnSchema) => CellConverter | null> = {
  tinyint: () => null,
  smallint: () => null,
  mediumint: () => null,
  int: () => null,
  year: () => null,
  bigint: () => toBigint,
  float: () => toFloat32,
  double: () => null,
  decimal: () => null,
  bit: () => bitsToBigint,
  date: () => null,
  time: () => null,
  datetime: () => null,
  timestamp: () => null,
  char: (c) => (isBinaryColumn(c) ? toBytes : null),
  varchar: (c) => (isBinaryColumn(c) ? toBytes : null),
  text: (c) => (isBinaryColumn(c) ? toBytes : null),
  binary: () => toBytes,
  varbinary: () => toBytes,
  blob: () => toBytes,
  geometry: () => toBytes,
  enum: () => textOrBytes,
  set: () => textOrBytes,
  json: () => textOrBytes,
};

/**
 * The same Values from the raw text-protocol cells (`SourceConnection.queryCells`), decided once
 * per column. The text is what the server prints for the select list above: integers in
 * decimal, FLOAT as the double `col + 0e0`, DECIMAL / dates / TIME / ENUM / SET / JSON / text in
 * UTF-8 (the session's character_set_results), BIT, binary strings and GEOMETRY as their bytes.
 */
const integerCell: CellColumn = { form: 'integer', value: (b, s, e) => Number(b.toString('latin1', s, e)) };
const bigintCell: CellColumn = { form: 'integer', value: (b, s, e) => BigInt(b.toString('latin1', s, e)) };
const doubleCell: CellColumn = {
  form: 'value',
  value: (b, s, e) => Number.parseFloat(b.toString('latin1', s, e)),
};
const floatCell: CellColumn = {
  form: 'value',
  value: (b, s, e) => Math.fround(Number.parseFloat(b.toString('latin1', s, e))),
};
const textCell: CellColumn = { form: 'utf8', value: (b, s, e) => b.toString('utf8', s, e) };
const bytesCell: CellColumn = { form: 'bytes', value: (b, s, e) => new Uint8Array(b.subarray(s, e)) };
const bitCell: CellColumn = { form: 'value', value: (b, s, e) => bitsToBigint(b.subarray(s, e)) as bigint };

/** The cell column of each kind. Exhaustive over ColumnKind. */
const CELLS: Record<ColumnKind, (column: ColumnSchema) => CellColumn> = {
  tinyint: () => integerCell,
  smallint: () => integerCell,
  mediumint: () => integerCell,
  int: () => integerCell,
  year: () => integerCell,
  bigint: () => bigintCell,
  float: () => floatCell,
  double: () => doubleCell,
  decimal: () => textCell,
  bit: () => bitCell,
  date: () => textCell,
  time: () => textCell,
  datetime: () => textCell,
  timestamp: () => textCell,
  char: (c) => (isBinaryColumn(c) ? bytesCell : textCell),
  varchar: (c) => (isBinaryColumn(c) ? bytesCell : textCell),
  text: (c) => (isBinaryColumn(c) ? bytesCell : textCell),
  binary: () => bytesCell,
  varbinary: () => bytesCell,
  blob: () => bytesCell,
  geometry: () => bytesCell,
  enum: () => textCell,
  set: () => textCell,
  json: () => textCell,
};

/** The cell columns of a table's select list (see `rowDecoderFor`). */
export function cellColumnsFor(schema: TableSchema): CellColumn[] {
  return schema.columns.map((column) => CELLS[column.kind](column));
}

export interface RowDecoder {
  /** Backtick-quoted column list in schema order (never `*`: invisible columns would be missed). */
  readonly selectList: string;
  /** The query needs mysql2's per-cell hook for GEOMETRY (its default parses the WKB into objects). */
  readonly geometryAsBytes: boolean;
  /** Converts mysql2's row arrays in place and returns them as Rows. */
  convert(rows: unknown[][]): Row[];
  /** Converts one row in place. */
  convertRow(row: unknown[]): Row;
}

/** Builds the decoder of one table: which columns need a pass, decided once. */
export function rowDecoderFor(schema: TableSchema): RowDecoder {
  const indexes: number[] = [];
  const converters: CellConverter[] = [];
  schema.columns.forEach((column, i) => {
    const converter = CONVERTERS[column.kind](column);
    if (converter) {
      indexes.push(i);
      converters.push(converter);
    }
  });
  const n = indexes.length;
  const convertRow = (row: unknown[]): Row => {
    for (let j = 0; j < n; j++) {
      const i = indexes[j];
      const v = row[i];
      if (v !== null) row[i] = converters[j](v);
    }
    return row as Row;
  };
  return {
    // FLOAT is read as `col + 0e0` (a DOUBLE holding the float exactly): the server prints a FLOAT
    // with only 6 significant digits (MariaDB) and that text does not give back the stored float32.
    selectList: schema.columns
      .map((c) => (c.kind === 'float' ? `(${quoteId(c.name)} + 0e0)` : quoteId(c.name)))
      .join(', '),
    geometryAsBytes: schema.columns.some((c) => c.kind === 'geometry'),
    convertRow,
    convert(rows) {
      if (n > 0) for (let r = 0; r < rows.length; r++) convertRow(rows[r]);
      return rows as Row[];
    },
  };
}

/** `SELECT <columns> FROM <table>` of a schema. */
export function selectAllSql(schema: TableSchema, decoder = rowDecoderFor(schema)): string {
  return `SELECT ${decoder.selectList} FROM ${quoteTable(schema.database, schema.table)}`;
}
