import { fail, input, mysqlConnection, output, type ServerInput, seconds } from './common.js';

/**
 * Full-load ceiling (a): mysql2 streams `SELECT *` of the table and drops every row. Nothing a
 * full sync does can read the source faster through the same client library.
 */
interface Input {
  server: ServerInput;
  database: string;
  table: string;
}

async function main(): Promise<void> {
  const { server, database, table } = input<Input>();
  const conn = mysqlConnection(server, database);
  const started = process.hrtime.bigint();
  let rows = 0;
  const stream = conn
    .query({ sql: `SELECT * FROM \`${table}\``, rowsAsArray: true })
    .stream({ highWaterMark: 1000 });
  for await (const _row of stream) rows++;
  const s = seconds(started);
  conn.end();
  output({ rows, seconds: s });
}

main().catch(fail);
