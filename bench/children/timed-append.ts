import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { seconds } from './common.js';

/**
 * What the DuckDB-alone children time (the full-load sink ceiling, the cdc-catchup floor): BEGIN,
 * one appender on `table` filled by `appendRows`, its close and the COMMIT. The rows are ready
 * in memory before this starts. Returns seconds.
 */
export async function timedAppend(
  duck: DuckDBConnection,
  table: string,
  appendRows: (appender: DuckDBAppender) => void,
): Promise<number> {
  const started = process.hrtime.bigint();
  await duck.run('BEGIN TRANSACTION');
  const appender = await duck.createAppender(table);
  appendRows(appender);
  appender.closeSync();
  await duck.run('COMMIT');
  return seconds(started);
}
