import {
  type DuckDBAppender,
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBInstance,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Value } from '../../src/core/values.js';
import { type PhysicalColumn, TableAppender } from '../../src/sink/duckdb/table-appender.js';
import type { DuckDbStorage } from '../../src/sink/duckdb/type-mapping.js';
import { formatDecimal } from '../../src/sink/duckdb/values.js';
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
 * `timedAppend`; the children report the fastest way as DuckDB alone.
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

/**
 * The third way, and the one binlake's sink takes: its own TableAppender (data chunks with
 * numbers in typed arrays and each column's long strings handed over as one copy) over ready
 * rows of canonical values. `types` are the DuckDB column types as DuckDB prints them.
 */
export function timedSinkAppend(
  duck: DuckDBConnection,
  table: string,
  types: string[],
  rows: Value[][],
): Promise<number> {
  const layout: PhysicalColumn[] = types.map((type, i) => ({
    name: `c${i}`,
    source: i,
    meta: -1,
    storage: storageOf(type),
  }));
  return timedAppend(duck, table, (appender) => {
    const writer = new TableAppender(table, { database: 'bench', table }, appender, layout, layout.length);
    writer.write(rows, null);
    writer.close();
  });
}

/** DuckDB's printed type ('INTEGER', 'DECIMAL(10,2)', …) as binlake's storage type. */
function storageOf(type: string): DuckDbStorage {
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return { type: 'DECIMAL', sql: type, width: Number(decimal[1]), scale: Number(decimal[2]) };
  return { type: type as Exclude<DuckDbStorage['type'], 'DECIMAL'>, sql: type };
}

/** A value DuckDB returned or the appender takes, as binlake's canonical Value for `type`. */
export function canonicalOf(value: unknown, type: string): Value {
  if (value === null || value === undefined) return null;
  if (value instanceof DuckDBDecimalValue) return formatDecimal(value.value, value.scale);
  if (value instanceof DuckDBBlobValue) return value.bytes;
  if (type === 'BIGINT' || type === 'UBIGINT') return BigInt(value as number | bigint);
  return value as Value;
}

/** What the DuckDB-alone children print: each way's seconds, and the fastest as `seconds`. */
export interface DuckDbAloneTimes {
  rows: number;
  seconds: number;
  appenderSeconds: number;
  chunkSeconds: number;
  sinkSeconds: number;
}

export function aloneTimes(
  rows: number,
  ways: { appenderSeconds: number; chunkSeconds: number; sinkSeconds: number },
): DuckDbAloneTimes {
  return { rows, seconds: Math.min(ways.appenderSeconds, ways.chunkSeconds, ways.sinkSeconds), ...ways };
}

/** Runs one timed way in a fresh DuckDB file with `settings` and the table `createSql` makes. */
export async function inFreshFile(
  file: string,
  createSql: string,
  settings: Record<string, string>,
  timed: (duck: DuckDBConnection) => Promise<number>,
): Promise<number> {
  const instance = await DuckDBInstance.create(file, settings);
  const duck = await instance.connect();
  await duck.run(createSql);
  const s = await timed(duck);
  duck.closeSync();
  instance.closeSync();
  return s;
}
