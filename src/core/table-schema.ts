/**
 * What binlake knows about one source table. Read from information_schema (source/schema-reader)
 * and kept current by DDL tracking (capture/). The column order is the source's ordinal order,
 * which is also the order of `Row` values and of row images in the binlog.
 */

/** The closed set of MySQL column types binlake handles. A new one must be added to every table keyed by it. */
export const COLUMN_KINDS = [
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'bigint',
  'float',
  'double',
  'decimal',
  'bit',
  'year',
  'date',
  'time',
  'datetime',
  'timestamp',
  'char',
  'varchar',
  'text',
  'binary',
  'varbinary',
  'blob',
  'enum',
  'set',
  'json',
  'geometry',
] as const;

export type ColumnKind = (typeof COLUMN_KINDS)[number];

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  /** The full type as the source prints it, e.g. `decimal(65,30) unsigned`, `enum('a','b')`. */
  columnType: string;
  unsigned: boolean;
  nullable: boolean;
  /** DECIMAL precision, CHAR/VARCHAR/BINARY length in characters or bytes, BIT width. */
  length: number | null;
  /** DECIMAL scale. */
  scale: number | null;
  /** Fractional seconds precision of TIME/DATETIME/TIMESTAMP (0..6). */
  fsp: number | null;
  /** Character set of a text column; null for binary data. */
  charset: string | null;
  /** ENUM and SET members in declaration order. */
  members: string[] | null;
  /** The column default as SQL text, null when none. Used to back-fill an ADD COLUMN. */
  defaultSql: string | null;
}

export interface TableSchema {
  database: string;
  table: string;
  columns: ColumnSchema[];
  /** Columns of the primary key, or else of the first unique NOT NULL key; empty when neither exists. */
  key: string[];
  /** Where `key` came from. */
  keySource: 'primary' | 'unique' | 'none';
}

export interface TableRef {
  database: string;
  table: string;
}

export function tableId(ref: TableRef): string {
  return `${ref.database}.${ref.table}`;
}

/** True for kinds whose Value is a Uint8Array. */
export function isBinaryColumn(column: ColumnSchema): boolean {
  switch (column.kind) {
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return true;
    case 'char':
    case 'varchar':
    case 'text':
      return column.charset === null || column.charset === 'binary';
    default:
      return false;
  }
}
