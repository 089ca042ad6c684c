import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBValue,
} from '@duckdb/node-api';
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

/**
 * The other way DuckDB takes ready values: whole columns at once, one data chunk of 2048 rows
 * after another, through the library's own bulk call (`setColumnValues`, then
 * `appendDataChunk`). `columns[c][r]` is the DuckDBValue of row r in column c. Timed like
 * `timedAppend`; the children report the faster of the two as DuckDB alone.
 */
export function timedChunkAppend(
  duck: DuckDBConnection,
  table: string,
  columns: DuckDBValue[][],
  rows: number,
): Promise<number> {
  return timedAppend(duck, table, (appender) => {
    const chunk = DuckDBDataChunk.create(columns.map((_, c) => appender.columnType(c)));
    const size = 2048;
    for (let from = 0; from < rows; from += size) {
      const n = Math.min(size, rows - from);
      chunk.reset();
      chunk.rowCount = n;
      for (let c = 0; c < columns.length; c++) chunk.setColumnValues(c, columns[c].slice(from, from + n));
      appender.appendDataChunk(chunk);
    }
  });
}
