import { type DuckDBAppender, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_MEMORY_LIMIT } from '../../src/sink/duckdb/duckdb-sink.js';
import { fail, input, output } from './common.js';
import { timedAppend, timedChunkAppend } from './timed-append.js';

/**
 * cdc-catchup floor: DuckDB alone appending the `_log` rows a catch-up wrote. The rows are read
 * back from the catch-up's warehouse into arrays first (not timed); then only the appends and
 * the commit into a fresh file with the same table definition are timed, with the same DuckDB
 * settings as binlake's sink, once row by row through the appender and once column by column in
 * data chunks; `seconds` is the faster. No catch-up that writes these rows through DuckDB from
 * JavaScript can finish faster than this.
 */
interface Input {
  warehouse: string;
  table: string;
  duckdb: string;
}

type Append = (appender: DuckDBAppender, value: DuckDBValue) => void;

/** The appender call binlake's sink makes for each `_log` column type. */
const APPENDS: Record<string, Append> = {
  BIGINT: (a, v) => a.appendBigInt(v as bigint),
  INTEGER: (a, v) => a.appendInteger(v as number),
  UINTEGER: (a, v) => a.appendUInteger(v as number),
  SMALLINT: (a, v) => a.appendSmallInt(v as number),
  DOUBLE: (a, v) => a.appendDouble(v as number),
  VARCHAR: (a, v) => a.appendVarchar(v as string),
};

async function main(): Promise<void> {
  const { warehouse, table, duckdb } = input<Input>();
  const source = await DuckDBInstance.create(warehouse, { access_mode: 'READ_ONLY' });
  const read = await source.connect();
  const [definition] = (
    await read.runAndReadAll(`SELECT sql FROM duckdb_tables() WHERE table_name = '${table}'`)
  ).getRows();
  const types = (
    await read.runAndReadAll(
      `SELECT data_type FROM duckdb_columns() WHERE table_name = '${table}' ORDER BY column_index`,
    )
  )
    .getRows()
    .map((r) => String(r[0]));
  const appends = types.map((t) => APPENDS[t] ?? ((a: DuckDBAppender, v: DuckDBValue) => a.appendValue(v)));
  const rows = (await read.runAndReadAll(`SELECT * FROM "${table}" ORDER BY 1`)).getRows();
  read.closeSync();
  source.closeSync();

  // The sink's write settings (memory_limit, one thread), so only the work differs.
  const instance = await DuckDBInstance.create(duckdb, { memory_limit: DEFAULT_MEMORY_LIMIT, threads: '1' });
  const duck = await instance.connect();
  await duck.run(String(definition[0]));
  const width = types.length;
  const appenderSeconds = await timedAppend(duck, table, (appender) => {
    for (const row of rows) {
      for (let i = 0; i < width; i++) {
        const v = row[i];
        if (v === null) appender.appendNull();
        else appends[i](appender, v);
      }
      appender.endRow();
    }
  });
  duck.closeSync();
  instance.closeSync();

  // The same rows column by column in data chunks, into a second file with the same settings.
  const columns: DuckDBValue[][] = types.map((_, c) => rows.map((row) => row[c]));
  const chunkInstance = await DuckDBInstance.create(`${duckdb}-chunks`, {
    memory_limit: DEFAULT_MEMORY_LIMIT,
    threads: '1',
  });
  const chunkDuck = await chunkInstance.connect();
  await chunkDuck.run(String(definition[0]));
  const chunkSeconds = await timedChunkAppend(chunkDuck, table, columns, rows.length);
  chunkDuck.closeSync();
  chunkInstance.closeSync();
  output({
    rows: rows.length,
    seconds: Math.min(appenderSeconds, chunkSeconds),
    appenderSeconds,
    chunkSeconds,
  });
}

main().catch(fail);
