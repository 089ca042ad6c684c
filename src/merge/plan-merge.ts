import type { TableSchema } from '../core/table-schema.js';
import { destinationName, logColumnNames, type Naming } from '../sink/log-columns.js';

/**
 * The DTS merge of `<t>_base` and `<t>_log` as of second `at`
 * (reference/dts-mysql-to-maxcompute.txt, "Merge a full baseline table and incremental data
 * table"), with the seed's bugs fixed:
 * - partition by ALL key columns (the seed partitions by one `<primary_key_column>`);
 * - keep `row_number = 1` under the alias the inner query defines (the seed filters on an
 *   undefined `record_num` in its template);
 * - order by record_id desc, after_flag desc, so an UPDATE's after image (Y) beats its before
 *   image (N), and a key changed by an UPDATE disappears (its latest record is a before image);
 * - log rows with utc_timestamp < at; base rows enter as record_id 0, 'I', after_flag 'Y', so any
 *   log record of a key wins over its base row.
 */

export type MergeDialect = 'duckdb' | 'maxcompute' | 'spark';

export interface MergeTable {
  /** Target name: the tables are `${target}_base` and `${target}_log`. */
  target: string;
  /** Destination names of the key columns (primary key, else unique NOT NULL key). */
  keyColumns: string[];
  /** Destination names of every column, in schema order. */
  columns: string[];
  naming: Naming;
}

/** The merge input of a synced table: destination names of its key and columns (renames applied). */
export function mergeTableOf(
  state: { target: string; schema: TableSchema; columnRenames: Record<string, string> },
  naming: Naming,
): MergeTable {
  return {
    target: state.target,
    keyColumns: state.schema.key.map((k) => destinationName(k, state.columnRenames)),
    columns: state.schema.columns.map((c) => destinationName(c.name, state.columnRenames)),
    naming,
  };
}

/** Identifier quoting per dialect: DuckDB double quotes, Spark and MaxCompute backticks; the quote char doubled inside. */
export function quoteFor(dialect: MergeDialect, name: string): string {
  return dialect === 'duckdb' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;
}

/** The alias of the row number: `row_number` as in DTS, unless a column already has that name. */
function rowNumberAlias(columns: string[]): string {
  const taken = new Set(columns.map((c) => c.toLowerCase()));
  let alias = 'row_number';
  for (let i = 1; taken.has(alias); i++) alias = `row_number_${i}`;
  return alias;
}

export function planMerge(table: MergeTable, at: number, dialect: MergeDialect, into: string): string {
  if (table.keyColumns.length === 0)
    throw new Error(`${table.target} has no key column; the merge needs one`);
  if (!Number.isSafeInteger(at)) throw new Error(`at must be whole epoch seconds, got ${at}`);
  const q = (name: string) => quoteFor(dialect, name);
  const n = logColumnNames(table.naming);
  const rid = q(n.recordId);
  const op = q(n.operationFlag);
  const after = q(n.afterFlag);
  const ts = q(n.utcTimestamp);
  const rn = q(rowNumberAlias(table.columns));
  const cols = table.columns.map(q);
  const incr = cols.map((c) => `incr.${c}`).join(', ');
  const base = cols.map((c) => `base.${c}`).join(', ');
  const keys = table.keyColumns.map((k) => `t.${q(k)}`).join(', ');
  const logTable = q(`${table.target}_log`);
  const baseTable = q(`${table.target}_base`);

  if (dialect === 'duckdb') {
    return [
      `CREATE OR REPLACE TABLE ${q(into)} AS`,
      `SELECT ${cols.join(', ')}`,
      'FROM (',
      `  SELECT row_number() OVER (PARTITION BY ${keys} ORDER BY ${rid} DESC, ${after} DESC) AS ${rn}, ${rid}, ${op}, ${after}, ${cols.join(', ')}`,
      '  FROM (',
      `    SELECT incr.${rid}, incr.${op}, incr.${after}, ${incr}`,
      `    FROM ${logTable} incr`,
      `    WHERE incr.${ts} < ${at}`,
      '    UNION ALL',
      `    SELECT CAST(0 AS BIGINT) AS ${rid}, 'I' AS ${op}, 'Y' AS ${after}, ${base}`,
      `    FROM ${baseTable} base`,
      '  ) t',
      ') gt',
      `WHERE gt.${rn} = 1`,
      `  AND gt.${after} = 'Y';`,
    ].join('\n');
  }

  // MaxCompute and Spark: the DTS document's text, line for line, with quoted identifiers.
  const body = [
    `select ${cols.join(',\n')}`,
    'from(',
    `select row_number() over(partition by ${keys}`,
    `order by ${rid} desc, ${after} desc) as ${rn}, ${rid}, ${op}, ${after}, ${cols.join(', ')}`,
    'from(',
    `select incr.${rid}, incr.${op}, incr.${after}, ${incr}`,
    `from ${logTable} incr`,
    `where incr.${ts}< ${at}`,
    'union all',
    `select 0 as ${rid}, 'I' as ${op}, 'Y' as ${after}, ${base}`,
    `from ${baseTable} base) t) gt`,
    `where gt.${rn}= 1`,
    `and gt.${after}= 'Y';`,
  ];
  if (dialect === 'maxcompute') {
    return ['set odps.sql.allow.fullscan=true;', `insert overwrite table ${q(into)}`, ...body].join('\n');
  }
  return [`INSERT OVERWRITE TABLE ${q(into)}`, ...body].join('\n');
}
