import { DuckDBInstance } from '@duckdb/node-api';
import { COLUMNS_QUERY, createTableSql, planColumn, type SourceColumn } from '../lib/typemap.js';
import { fail, input, mysqlConnection, output, type ServerInput, seconds } from './common.js';

/**
 * Full-load comparison (c): the loop a user writes by hand — stream the table with mysql2 and
 * append each row to a DuckDB appender, converting each value for its column type. One
 * connection, one pass, no chunking, no parallelism.
 */
interface Input {
  server: ServerInput;
  database: string;
  table: string;
  duckdb: string;
}

async function main(): Promise<void> {
  const { server, database, table, duckdb } = input<Input>();
  const started = process.hrtime.bigint();
  const conn = mysqlConnection(server, database);
  const [columns] = await conn.promise().query(COLUMNS_QUERY, [database, table]);
  const plans = (columns as SourceColumn[]).map(planColumn);
  const instance = await DuckDBInstance.create(duckdb);
  const duck = await instance.connect();
  await duck.run(createTableSql(table, plans));
  const appender = await duck.createAppender(table);
  let rows = 0;
  const stream = conn
    .query({ sql: `SELECT * FROM \`${table}\``, rowsAsArray: true })
    .stream({ highWaterMark: 1000 });
  for await (const row of stream as AsyncIterable<unknown[]>) {
    for (let i = 0; i < plans.length; i++) {
      const v = plans[i].convert(row[i]);
      if (v === null) appender.appendNull();
      else plans[i].append(appender, v);
    }
    appender.endRow();
    rows++;
  }
  appender.closeSync();
  const s = seconds(started);
  duck.closeSync();
  instance.closeSync();
  conn.end();
  output({ rows, seconds: s });
}

main().catch(fail);
