import { DuckDBBlobValue, type DuckDBValue } from '@duckdb/node-api';
import type { Value } from '../../src/core/values.js';
import {
  COLUMNS_QUERY,
  createTableSql,
  type Prepared,
  planColumn,
  type SourceColumn,
} from '../lib/typemap.js';
import { fail, input, mysqlConnection, output, type ServerInput } from './common.js';
import {
  aloneTimes,
  canonicalOf,
  inFreshFile,
  timedAppend,
  timedChunkAppend,
  timedSinkAppend,
} from './timed-append.js';

/**
 * Full-load ceiling (b): DuckDB alone. The rows are read from the source and converted to the
 * appender's value types first (not timed); then only the appends and the commit are timed, into
 * a fresh DuckDB file with the same column types binlake uses, three ways: row by row through
 * the appender, column by column in data chunks (the library's bulk call), and through binlake's
 * own TableAppender. `seconds` is the fastest.
 */
interface Input {
  server: ServerInput;
  database: string;
  table: string;
  duckdb: string;
}

async function main(): Promise<void> {
  const { server, database, table, duckdb } = input<Input>();
  const conn = mysqlConnection(server, database);
  const [columns] = await conn.promise().query(COLUMNS_QUERY, [database, table]);
  const plans = (columns as SourceColumn[]).map(planColumn);
  const width = plans.length;
  const cells: Prepared[] = [];
  const stream = conn
    .query({ sql: `SELECT * FROM \`${table}\``, rowsAsArray: true })
    .stream({ highWaterMark: 1000 });
  for await (const row of stream as AsyncIterable<unknown[]>) {
    for (let i = 0; i < width; i++) cells.push(plans[i].convert(row[i]));
  }
  conn.end();
  const rows = cells.length / width;

  const createSql = createTableSql(table, plans);
  const appenderSeconds = await inFreshFile(duckdb, createSql, {}, (duck) =>
    timedAppend(duck, table, (appender) => {
      let k = 0;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < width; i++, k++) {
          const v = cells[k];
          if (v === null) appender.appendNull();
          else plans[i].append(appender, v);
        }
        appender.endRow();
      }
    }),
  );

  // The same values as columns (a blob as the value object the chunk takes), into a second file.
  const byColumn: DuckDBValue[][] = plans.map(() => new Array(rows));
  const canonical: Value[][] = [];
  for (let k = 0; k < cells.length; k++) {
    const v = cells[k];
    const c = k % width;
    const r = Math.floor(k / width);
    byColumn[c][r] = v instanceof Uint8Array ? new DuckDBBlobValue(v) : v;
    if (c === 0) canonical.push(new Array(width));
    canonical[r][c] = canonicalOf(v, plans[c].duckSql);
  }
  cells.length = 0;
  const chunkSeconds = await inFreshFile(`${duckdb}-chunks`, createSql, {}, (duck) =>
    timedChunkAppend(duck, table, byColumn, rows),
  );
  byColumn.length = 0;
  const types = plans.map((p) => p.duckSql);
  const sinkSeconds = await inFreshFile(`${duckdb}-sink`, createSql, {}, (duck) =>
    timedSinkAppend(duck, table, types, canonical),
  );
  output({ ...aloneTimes(rows, { appenderSeconds, chunkSeconds, sinkSeconds }) });
}

main().catch(fail);
