import type { Config } from '../../config/config.js';
import { BinlakeError, describeError } from '../../core/errors.js';
import type { Finding } from '../../core/finding.js';
import type { ColumnSchema, TableSchema } from '../../core/table-schema.js';
import type { SourceConnection } from '../connection.js';
import { type ConfiguredTable, expandObjects, listTables, readTableSchema } from '../schema-reader.js';

/**
 * Precheck items about the configured objects: `objects.database:<db>`, `objects.tables:<db>`
 * (a `"*"` that matches nothing), `table.exists:<db.t>`, `table.key:<db.t>`, `table.types:<db.t>`,
 * `table.columns:<db.t>` (renames of columns that do not exist) and `table.cascade:<db.t.fk>`.
 */
export interface CheckedTable extends ConfiguredTable {
  /** Null when the table is missing or could not be read. */
  schema: TableSchema | null;
}

/** A column whose destination value is not exactly the source value, and what it becomes. */
export interface LossyColumn {
  column: string;
  becomes: string;
}

/**
 * The hook for column types that cannot map losslessly. Every type binlake reads maps losslessly
 * today (core/values.ts), so the default finds none; types it cannot read at all (MariaDB INET6,
 * UUID, VECTOR …) fail `table.types` instead.
 */
export type LossyColumnsHook = (schema: TableSchema) => LossyColumn[];
export const noLossyColumns: LossyColumnsHook = () => [];

const pass = (item: string, found: string): Finding => ({ item, result: 'pass', found, remedy: '' });

function keyText(schema: TableSchema): string {
  return `${schema.keySource === 'primary' ? 'primary key' : 'unique NOT NULL key'} (${schema.key.join(', ')})`;
}

export async function objectFindings(
  conn: SourceConnection,
  config: Config,
  lossyColumns: LossyColumnsHook = noLossyColumns,
): Promise<{ findings: Finding[]; tables: CheckedTable[] }> {
  const findings: Finding[] = [];
  const missingDatabases = new Set<string>();
  for (const database of new Set(config.objects.map((o) => o.database))) {
    const object = { database };
    const rows = await conn.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      database,
    ]);
    if (rows.length === 0) {
      missingDatabases.add(object.database);
      findings.push({
        item: `objects.database:${object.database}`,
        result: 'fail',
        found: `database ${object.database} does not exist (or user '${config.source.user}' has no privilege on it)`,
        remedy: `create it, grant the user SELECT on it, or fix objects[].database`,
      });
    } else {
      findings.push(pass(`objects.database:${object.database}`, `database ${object.database} exists`));
    }
  }

  const seen = new Set<string>();
  const configured = (await expandObjects(conn, config)).filter((t) => {
    const id = `${t.database}.${t.name}`;
    if (missingDatabases.has(t.database) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  for (const object of config.objects) {
    if (object.tables !== '*' || missingDatabases.has(object.database)) continue;
    const names = await listTables(conn, object.database);
    findings.push(
      names.length === 0
        ? {
            item: `objects.tables:${object.database}`,
            result: 'fail',
            found: `"*" matches no table in ${object.database}`,
            remedy: `create the tables first, or list them under objects[].tables`,
          }
        : pass(`objects.tables:${object.database}`, `"*" is ${names.length} table(s): ${names.join(', ')}`),
    );
  }

  const tables: CheckedTable[] = [];
  for (const t of configured) {
    const id = `${t.database}.${t.name}`;
    const [info] = await conn.query<{ TABLE_TYPE: string }>(
      'SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [t.database, t.name],
    );
    if (!info) {
      findings.push({
        item: `table.exists:${id}`,
        result: 'fail',
        found: `table ${id} does not exist (or user '${config.source.user}' has no privilege on it)`,
        remedy: `create it, grant SELECT on it, or remove ${id} from objects`,
      });
      tables.push({ ...t, schema: null });
      continue;
    }
    if (info.TABLE_TYPE !== 'BASE TABLE') {
      findings.push({
        item: `table.exists:${id}`,
        result: 'fail',
        found: `${id} is a ${info.TABLE_TYPE.toLowerCase()}: its changes are not in the binlog`,
        remedy: `list the base tables behind it instead of ${id}`,
      });
      tables.push({ ...t, schema: null });
      continue;
    }
    findings.push(pass(`table.exists:${id}`, `table ${id} exists`));

    let schema: TableSchema | null = null;
    try {
      schema = await readTableSchema(conn, t.database, t.name);
    } catch (error) {
      findings.push({
        item: `table.types:${id}`,
        result: 'fail',
        found: error instanceof BinlakeError ? error.message : describeError(error),
        remedy: error instanceof BinlakeError ? (error.remedy ?? '') : '',
      });
    }
    tables.push({ ...t, schema });
    if (!schema) continue;

    if (schema.keySource !== 'none') {
      findings.push(pass(`table.key:${id}`, keyText(schema)));
    } else if (t.allowNoKey) {
      findings.push({
        item: `table.key:${id}`,
        result: 'warn',
        found: `${id} has no primary key or unique NOT NULL key: it is copied in one pass and cannot be merged (allowNoKey)`,
        remedy: `ALTER TABLE ${id} ADD PRIMARY KEY (…) to make the merge possible`,
      });
    } else {
      findings.push({
        item: `table.key:${id}`,
        result: 'fail',
        found: `${id} has no primary key or unique NOT NULL key: changes cannot be merged by key`,
        remedy: config.objects.some((o) => o.database === t.database && o.tables === '*')
          ? `ALTER TABLE ${id} ADD PRIMARY KEY (…), or, to copy it without merge, list the tables of ${t.database} instead of "*" and write this one as { name: ${t.name}, allowNoKey: true }`
          : `ALTER TABLE ${id} ADD PRIMARY KEY (…), or set allowNoKey: true for it in objects to copy it without merge`,
      });
    }

    const lossy = lossyColumns(schema);
    findings.push(
      lossy.length === 0
        ? pass(`table.types:${id}`, `all ${schema.columns.length} columns map losslessly`)
        : {
            item: `table.types:${id}`,
            result: 'warn',
            found: lossy.map((l) => `${l.column} becomes ${l.becomes}`).join('; '),
            remedy: 'change the column types, or accept the conversion',
          },
    );

    const missing = Object.keys(t.columnRenames).filter(
      (c) => !schema.columns.some((s: ColumnSchema) => s.name === c),
    );
    if (missing.length > 0) {
      findings.push({
        item: `table.columns:${id}`,
        result: 'fail',
        found: `objects renames column(s) ${missing.join(', ')} that ${id} does not have`,
        remedy: `fix the columns mapping of ${id}`,
      });
    }
  }

  findings.push(...(await cascadeFindings(conn, tables)));
  return { findings, tables };
}

interface ReferentialRow {
  CONSTRAINT_SCHEMA: string;
  CONSTRAINT_NAME: string;
  TABLE_NAME: string;
  UNIQUE_CONSTRAINT_SCHEMA: string;
  REFERENCED_TABLE_NAME: string;
  UPDATE_RULE: string;
  DELETE_RULE: string;
}

const CHANGING_RULES = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT']);

/**
 * Foreign keys whose ON UPDATE / ON DELETE action changes rows of the child table. The server
 * applies a cascade inside the storage engine and the row-based binlog carries only the statement's
 * own rows, not the child rows the cascade changed; a synced child table then drifts.
 */
async function cascadeFindings(conn: SourceConnection, tables: CheckedTable[]): Promise<Finding[]> {
  const synced = new Set(tables.filter((t) => t.schema).map((t) => `${t.database}.${t.name}`));
  if (synced.size === 0) return [];
  const databases = [...new Set(tables.map((t) => t.database))];
  const rows = await conn.query<ReferentialRow>(
    `SELECT CONSTRAINT_SCHEMA, CONSTRAINT_NAME, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME,
            UPDATE_RULE, DELETE_RULE
       FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA IN (${databases.map(() => '?').join(', ')})
         OR UNIQUE_CONSTRAINT_SCHEMA IN (${databases.map(() => '?').join(', ')})
      ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME`,
    [...databases, ...databases],
  );
  const findings: Finding[] = [];
  for (const r of rows) {
    const actions = [
      CHANGING_RULES.has(r.DELETE_RULE) ? `ON DELETE ${r.DELETE_RULE}` : '',
      CHANGING_RULES.has(r.UPDATE_RULE) ? `ON UPDATE ${r.UPDATE_RULE}` : '',
    ].filter(Boolean);
    if (actions.length === 0) continue;
    const child = `${r.CONSTRAINT_SCHEMA}.${r.TABLE_NAME}`;
    const parent = `${r.UNIQUE_CONSTRAINT_SCHEMA}.${r.REFERENCED_TABLE_NAME}`;
    if (!synced.has(child) && !synced.has(parent)) continue;
    const item = `table.cascade:${child}.${r.CONSTRAINT_NAME}`;
    const what = `foreign key ${r.CONSTRAINT_NAME} of ${child} → ${parent} has ${actions.join(' and ')}`;
    if (synced.has(child)) {
      findings.push({
        item,
        result: 'warn',
        found: `${what}: the rows a cascade changes in ${child} are not in the row-based binlog, so the copy of ${child} drifts`,
        remedy: `have the application change ${child} rows itself (ALTER TABLE ${child} DROP FOREIGN KEY ${r.CONSTRAINT_NAME}, then re-add it with ON DELETE/UPDATE RESTRICT), or re-run the full sync after cascades`,
      });
    } else {
      findings.push(pass(item, `${what}; ${child} is not synced, so no synced table drifts`));
    }
  }
  return findings;
}
