import type { Config, TableEntry } from '../config/config.js';
import { BinlakeError } from '../core/errors.js';
import type { ColumnKind, ColumnSchema, TableRef, TableSchema } from '../core/table-schema.js';
import { parseColumnType } from './column-type.js';
import { quoteTable, type SourceConnection } from './connection.js';
import { versionAtLeast } from './flavor.js';

export { type ParsedColumnType, parseColumnType } from './column-type.js';

/** A configured source table, resolved against the server: what to read and where it goes. */
export interface ResolvedTable {
  source: TableRef;
  /** Destination base name: `<target>_base` and `<target>_log` are created. */
  target: string;
  /** Source column → destination column, only for renamed columns. */
  columnRenames: Record<string, string>;
  /** The config allows copying this table without a key (its merge is then impossible). */
  allowNoKey: boolean;
  schema: TableSchema;
}

interface ColumnRow {
  COLUMN_NAME: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  CHARACTER_SET_NAME: string | null;
  COLUMN_DEFAULT: string | null;
  EXTRA: string | null;
}

interface IndexRow {
  Key_name: string;
  Non_unique: number | string;
  Seq_in_index: number | string;
  Column_name: string | null;
  Null: string;
}

const NUMERIC_KINDS = new Set<ColumnKind>([
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
]);

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The default as SQL text. MariaDB ≥ 10.2.7 already prints COLUMN_DEFAULT as SQL (quoted
 * literals, `NULL`, `current_timestamp()`); MySQL prints the bare value and marks expressions
 * with EXTRA `DEFAULT_GENERATED`. A nullable column without a default has the default `NULL`;
 * a NOT NULL column without one has none (null).
 */
function defaultSql(
  row: ColumnRow,
  kind: ColumnKind,
  nullable: boolean,
  defaultIsSql: boolean,
): string | null {
  const value = row.COLUMN_DEFAULT;
  if (value === null) return nullable ? 'NULL' : null;
  if (defaultIsSql) return value;
  const extra = (row.EXTRA ?? '').toUpperCase();
  if (/^current_timestamp/i.test(value) && (kind === 'timestamp' || kind === 'datetime')) return value;
  if (extra.includes('DEFAULT_GENERATED')) return `(${value})`;
  if (NUMERIC_KINDS.has(kind)) return value;
  // MySQL 8 prints the default of a binary column as a hex literal.
  if ((kind === 'binary' || kind === 'varbinary' || kind === 'blob') && /^0x[0-9a-f]*$/i.test(value))
    return value;
  return sqlString(value);
}

/** A column's charset: null for binary data (BINARY/VARBINARY/BLOB, `CHARACTER SET binary`, GEOMETRY). */
function charsetOf(kind: ColumnKind, charset: string | null): string | null {
  if (charset === null || charset === 'binary') return null;
  if (kind === 'binary' || kind === 'varbinary' || kind === 'blob' || kind === 'geometry') return null;
  return charset;
}

/** Builds a ColumnSchema from an information_schema.COLUMNS row; throws BLK_S1005 for a type binlake cannot copy. */
function columnFrom(row: ColumnRow, defaultIsSql: boolean, where: string): ColumnSchema {
  let parsed: ReturnType<typeof parseColumnType>;
  try {
    parsed = parseColumnType(row.COLUMN_TYPE);
  } catch (error) {
    if (error instanceof BinlakeError) {
      throw new BinlakeError('BLK_S1005', `${where}.${row.COLUMN_NAME}: ${error.message}`, {
        remedy: error.remedy,
        details: { ...error.details, column: `${where}.${row.COLUMN_NAME}` },
      });
    }
    throw error;
  }
  const nullable = row.IS_NULLABLE === 'YES';
  const charset = charsetOf(parsed.kind, row.CHARACTER_SET_NAME);
  return {
    name: row.COLUMN_NAME,
    kind: parsed.kind,
    columnType: row.COLUMN_TYPE,
    unsigned: parsed.unsigned,
    nullable,
    length: parsed.length,
    scale: parsed.scale,
    fsp: parsed.fsp,
    charset: parsed.kind === 'json' ? (charset ?? 'utf8mb4') : charset,
    members: parsed.members,
    defaultSql: defaultSql(row, parsed.kind, nullable, defaultIsSql),
  };
}

/**
 * The key binlake uses: the primary key, else the first unique index whose columns are all NOT
 * NULL (functional index parts excluded). `SHOW INDEX` lists keys in the server's own key order
 * (primary, then unique NOT NULL keys in definition order), which is what InnoDB itself picks as
 * the clustered key — information_schema.STATISTICS has no such order.
 */
function pickKey(indexes: IndexRow[]): { key: string[]; keySource: TableSchema['keySource'] } {
  const byName = new Map<string, IndexRow[]>();
  for (const row of indexes) {
    const list = byName.get(row.Key_name) ?? [];
    list.push(row);
    byName.set(row.Key_name, list);
  }
  const columnsOf = (rows: IndexRow[]) =>
    [...rows].sort((a, b) => Number(a.Seq_in_index) - Number(b.Seq_in_index)).map((r) => r.Column_name);
  const primary = byName.get('PRIMARY');
  if (primary) return { key: columnsOf(primary) as string[], keySource: 'primary' };
  for (const rows of byName.values()) {
    if (Number(rows[0].Non_unique) !== 0) continue;
    if (rows.some((r) => r.Column_name === null || r.Null === 'YES')) continue;
    return { key: columnsOf(rows) as string[], keySource: 'unique' };
  }
  return { key: [], keySource: 'none' };
}

/** True when the table exists as a base table (not a view). */
export async function tableExists(conn: SourceConnection, database: string, table: string): Promise<boolean> {
  const rows = await conn.query(
    "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'",
    [database, table],
  );
  return rows.length > 0;
}

/**
 * Reads one table's schema from information_schema. Throws BLK_S1004 when the table does not
 * exist and BLK_S1005 when a column has a type binlake cannot copy (e.g. MariaDB's INET6, UUID).
 */
export async function readTableSchema(
  conn: SourceConnection,
  database: string,
  table: string,
): Promise<TableSchema> {
  const columns = await conn.query<ColumnRow>(
    `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, COLUMN_DEFAULT, EXTRA
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  if (columns.length === 0 || !(await tableExists(conn, database, table))) {
    throw new BinlakeError('BLK_S1004', `table ${database}.${table} does not exist on the source`, {
      remedy: `create it, or remove ${database}.${table} from objects`,
      details: { database, table },
    });
  }
  const f = conn.flavor;
  const defaultIsSql = f.flavor === 'mariadb' && versionAtLeast(f, 10, 2, 7);
  const where = `${database}.${table}`;
  const indexes = await conn.query<IndexRow>(`SHOW INDEX FROM ${quoteTable(database, table)}`);
  const parsed: ColumnSchema[] = [];
  const unsupported: BinlakeError[] = [];
  for (const row of columns) {
    try {
      parsed.push(columnFrom(row, defaultIsSql, where));
    } catch (error) {
      if (!(error instanceof BinlakeError)) throw error;
      unsupported.push(error);
    }
  }
  if (unsupported.length > 0) {
    // Name every column binlake cannot copy, not only the first.
    throw new BinlakeError('BLK_S1005', unsupported.map((e) => e.message).join('; '), {
      remedy: unsupported[0].remedy,
      details: { columns: unsupported.map((e) => e.details.column) },
    });
  }
  return { database, table, columns: parsed, ...pickKey(indexes) };
}

/** Base tables of a database in name order (views are not replicated through the binlog). */
export async function listTables(conn: SourceConnection, database: string): Promise<string[]> {
  const rows = await conn.query<{ TABLE_NAME: string }>(
    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((r) => r.TABLE_NAME);
}

export async function databaseExists(conn: SourceConnection, database: string): Promise<boolean> {
  const rows = await conn.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
    database,
  ]);
  return rows.length > 0;
}

/** One configured table entry before it is checked against the server. */
export interface ConfiguredTable {
  database: string;
  name: string;
  target: string;
  columnRenames: Record<string, string>;
  allowNoKey: boolean;
}

function configuredEntry(database: string, entry: TableEntry): ConfiguredTable {
  if (typeof entry === 'string') {
    return { database, name: entry, target: entry, columnRenames: {}, allowNoKey: false };
  }
  return {
    database,
    name: entry.name,
    target: entry.target ?? entry.name,
    columnRenames: { ...(entry.columns ?? {}) },
    allowNoKey: entry.allowNoKey === true,
  };
}

/**
 * Expands `objects` into configured tables: a list as written, `"*"` as every base table of the
 * database. Does not check that listed tables exist (precheck and `resolveObjects` do).
 */
export async function expandObjects(conn: SourceConnection, config: Config): Promise<ConfiguredTable[]> {
  const out: ConfiguredTable[] = [];
  for (const object of config.objects) {
    if (object.tables === '*') {
      for (const name of await listTables(conn, object.database)) {
        out.push(configuredEntry(object.database, name));
      }
    } else {
      for (const entry of object.tables) out.push(configuredEntry(object.database, entry));
    }
  }
  return out;
}

/**
 * Expands `objects` (list or `"*"`), applies the name mapping and reads every table's schema.
 * Throws BLK_S1004 for a missing database or table (or a `"*"` that matches nothing), BLK_S1005
 * for an unsupported column type, BLK_C0005 when `"*"` makes two tables share a target name.
 * Renamed columns must exist (BLK_C0003 otherwise).
 */
export async function resolveObjects(conn: SourceConnection, config: Config): Promise<ResolvedTable[]> {
  for (const object of config.objects) {
    if (!(await databaseExists(conn, object.database))) {
      throw new BinlakeError('BLK_S1004', `database ${object.database} does not exist on the source`, {
        remedy: `create it, or fix objects[].database`,
        details: { database: object.database },
      });
    }
  }
  const configured = await expandObjects(conn, config);
  for (const object of config.objects) {
    if (object.tables === '*' && !configured.some((t) => t.database === object.database)) {
      throw new BinlakeError('BLK_S1004', `database ${object.database} has no tables for "*"`, {
        remedy: `create the tables first, or list them explicitly`,
        details: { database: object.database },
      });
    }
  }
  const targets = new Map<string, string>();
  const resolved: ResolvedTable[] = [];
  for (const t of configured) {
    const id = `${t.database}.${t.name}`;
    const previous = targets.get(t.target.toLowerCase());
    if (previous && previous !== id) {
      throw new BinlakeError(
        'BLK_C0005',
        `objects: ${previous} and ${id} are both mapped to target ${t.target}`,
        {
          remedy: 'give one of them another name with `{ name: …, target: … }`',
        },
      );
    }
    targets.set(t.target.toLowerCase(), id);
    const schema = await readTableSchema(conn, t.database, t.name);
    for (const column of Object.keys(t.columnRenames)) {
      if (!schema.columns.some((c) => c.name === column)) {
        throw new BinlakeError('BLK_C0003', `objects: ${id} has no column ${column} to rename`, {
          remedy: `fix the columns mapping of ${id}`,
        });
      }
    }
    resolved.push({
      source: { database: t.database, table: t.name },
      target: t.target,
      columnRenames: t.columnRenames,
      allowNoKey: t.allowNoKey,
      schema,
    });
  }
  return resolved;
}
