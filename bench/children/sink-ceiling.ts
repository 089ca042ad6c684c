import { DuckDBBlobValue, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import {
  COLUMNS_QUERY,
  createTableSql,
  type Prepared,
  planColumn,
  type SourceColumn,
} from '../lib/typemap.js';
import { fail, input, mysqlConnection, output, type ServerInput } from './common.js';
import { timedAppend, timedChunkAppend } from './timed-append.js';

/**
 * Full-load ceiling (b): DuckDB alone. The rows are read from the source and converted to the
 * appender's value types first (not timed); then only the appends and the commit are timed, into
 * a fresh DuckDB file with the same column types binlake uses, once row by row through the
 * appender and once column by column in data chunks. `seconds` is the faster of the two.
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

  const instance = await DuckDBInstance.create(duckdb);
  const duck = await instance.connect();
  await duck.run(createTableSql(table, plans));
  const appenderSeconds = await timedAppend(duck, table, (appender) => {
    let k = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < width; i++, k++) {
        const v = cells[k];
        if (v === null) appender.appendNull();
        else plans[i].append(appender, v);
      }
      appender.endRow();
    }
  });
  duck.closeSync();
  instance.closeSync();

  // The same values as columns (a blob as the value object the chunk takes), into a second file.
  const byColumn: DuckDBValue[][] = plans.map(() => new Array(rows));
  for (let k = 0; k < cells.length; k++) {
    const v = cells[k];
    byColumn[k % width][Math.floor(k / width)] = v instanceof Uint8Array ? new DuckDBBlobValue(v) : v;
  }
  cells.length = 0;
  const chunkInstance = await DuckDBInstance.create(`${duckdb}-chunks`);
  const chunkDuck = await chunkInstance.connect();
  await chunkDuck.run(createTableSql(table, plans));
  const chunkSeconds = await timedChunkAppend(chunkDuck, table, byColumn, rows);
  chunkDuck.closeSync();
  chunkInstance.closeSync();
  output({ rows, seconds: Math.min(appenderSeconds, chunkSeconds), appenderSeconds, chunkSeconds });
}

main().catch(fail);
