import type { ColumnKind, ColumnSchema } from '../core/table-schema.js';
import { COLUMN_KINDS, isBinaryColumn } from '../core/table-schema.js';
import { logColumnNames, type Naming, type PartitionColumn } from '../sink/log-columns.js';
import { quoteFor } from './plan-merge.js';

/**
 * MySQL → MaxCompute (2.0 type system), the types the MaxCompute merge SQL of plan-merge.ts
 * assumes for `<t>_base`, `<t>_log` and the result table. Lossless like the DuckDB mapping:
 * unsigned integers take the next wider type (BIGINT UNSIGNED and BIT(64) need DECIMAL(20,0)),
 * temporal values are the canonical text (zero dates, TIME beyond 24 h, exact fsp), DECIMAL
 * above 38 digits is text. The additional columns are BIGINT (record_id, utc_timestamp) and
 * STRING (flags, partition values).
 */
type Mapper = (column: ColumnSchema) => string;

const int = (signed: string, unsigned: string) => (c: ColumnSchema) => (c.unsigned ? unsigned : signed);
const text = (c: ColumnSchema) => (isBinaryColumn(c) ? 'BINARY' : 'STRING');

/** Exhaustive: a new ColumnKind without an entry here fails `tsc`. */
export const MAXCOMPUTE_TYPE_OF: Record<ColumnKind, Mapper> = {
  tinyint: int('TINYINT', 'SMALLINT'),
  smallint: int('SMALLINT', 'INT'),
  mediumint: int('INT', 'INT'),
  int: int('INT', 'BIGINT'),
  bigint: int('BIGINT', 'DECIMAL(20,0)'),
  float: () => 'FLOAT',
  double: () => 'DOUBLE',
  decimal: (c) => {
    const p = c.length ?? 10;
    return p <= 38 ? `DECIMAL(${p},${c.scale ?? 0})` : 'STRING';
  },
  bit: (c) => ((c.length ?? 1) >= 64 ? 'DECIMAL(20,0)' : 'BIGINT'),
  year: () => 'SMALLINT',
  date: () => 'STRING',
  time: () => 'STRING',
  datetime: () => 'STRING',
  timestamp: () => 'STRING',
  char: text,
  varchar: text,
  text: text,
  binary: () => 'BINARY',
  varbinary: () => 'BINARY',
  blob: () => 'BINARY',
  enum: () => 'STRING',
  set: () => 'STRING',
  json: () => 'STRING',
  geometry: () => 'BINARY',
};

export function maxComputeType(column: ColumnSchema): string {
  return MAXCOMPUTE_TYPE_OF[column.kind](column);
}

const DOC: Record<ColumnKind, [string, string]> = {
  tinyint: ['TINYINT / UNSIGNED', 'TINYINT / SMALLINT'],
  smallint: ['SMALLINT / UNSIGNED', 'SMALLINT / INT'],
  mediumint: ['MEDIUMINT / UNSIGNED', 'INT'],
  int: ['INT / UNSIGNED', 'INT / BIGINT'],
  bigint: ['BIGINT / UNSIGNED', 'BIGINT / DECIMAL(20,0)'],
  float: ['FLOAT', 'FLOAT'],
  double: ['DOUBLE', 'DOUBLE'],
  decimal: ['DECIMAL(p,s)', 'DECIMAL(p,s) when p ≤ 38, else STRING'],
  bit: ['BIT(n)', 'BIGINT (DECIMAL(20,0) for BIT(64))'],
  year: ['YEAR', 'SMALLINT'],
  date: ['DATE', 'STRING (canonical text)'],
  time: ['TIME(fsp)', 'STRING (canonical text)'],
  datetime: ['DATETIME(fsp)', 'STRING (canonical text)'],
  timestamp: ['TIMESTAMP(fsp)', 'STRING (canonical text, UTC)'],
  char: ['CHAR', 'STRING (BINARY with a binary charset)'],
  varchar: ['VARCHAR', 'STRING (BINARY with a binary charset)'],
  text: ['TEXT', 'STRING (BINARY with a binary charset)'],
  binary: ['BINARY', 'BINARY'],
  varbinary: ['VARBINARY', 'BINARY'],
  blob: ['BLOB', 'BINARY'],
  enum: ['ENUM', 'STRING'],
  set: ['SET', 'STRING'],
  json: ['JSON', 'STRING'],
  geometry: ['GEOMETRY', 'BINARY (SRID + WKB)'],
};

/** The mapping as data for the README, one row per ColumnKind. */
export function maxComputeTypeMappingTable(): { mysql: string; maxcompute: string }[] {
  return COLUMN_KINDS.map((kind) => ({ mysql: DOC[kind][0], maxcompute: DOC[kind][1] }));
}

/** The mapping as a Markdown table. */
export function maxComputeTypeMappingMarkdown(): string {
  const lines = ['| MySQL | MaxCompute |', '| --- | --- |'];
  for (const row of maxComputeTypeMappingTable()) lines.push(`| ${row.mysql} | ${row.maxcompute} |`);
  return lines.join('\n');
}

/**
 * CREATE TABLE statements for MaxCompute: `<t>_base`, `<t>_log` (partitioned by the configured
 * partition columns) and the merge result `into`, as the merge SQL assumes them.
 */
export function maxComputeCreateTables(
  table: {
    target: string;
    columns: { name: string; column: ColumnSchema }[];
    naming: Naming;
    partitions: PartitionColumn[];
  },
  into?: string,
): string {
  const q = (name: string) => quoteFor('maxcompute', name);
  const cols = table.columns.map((c) => `${q(c.name)} ${maxComputeType(c.column)}`);
  const n = logColumnNames(table.naming);
  const log = [
    `${q(n.recordId)} BIGINT`,
    `${q(n.operationFlag)} STRING`,
    `${q(n.utcTimestamp)} BIGINT`,
    `${q(n.beforeFlag)} STRING`,
    `${q(n.afterFlag)} STRING`,
    ...cols,
  ];
  const partitioned = table.partitions.length
    ? ` PARTITIONED BY (${table.partitions.map((p) => `${q(p)} STRING`).join(', ')})`
    : '';
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${q(`${table.target}_base`)} (${cols.join(', ')});`,
    `CREATE TABLE IF NOT EXISTS ${q(`${table.target}_log`)} (${log.join(', ')})${partitioned};`,
  ];
  if (into !== undefined) statements.push(`CREATE TABLE IF NOT EXISTS ${q(into)} (${cols.join(', ')});`);
  return statements.join('\n');
}
