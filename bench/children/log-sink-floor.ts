import { type DuckDBAppender, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { DEFAULT_MEMORY_LIMIT } from '../../src/sink/duckdb/duckdb-sink.js';
import { fail, input, output } from './common.js';
import {
  aloneTimes,
  canonicalOf,
  inFreshFile,
  timedAppend,
  timedChunkAppend,
  timedSinkAppend,
} from './timed-append.js';

/**
 * cdc-catchup floor: DuckDB alone appending the `_log` rows a catch-up wrote. The rows are read
 * back from the catch-up's warehouse into arrays first (not timed); then only the appends and
 * the commit into a fresh file with the same table definition are timed, with the same DuckDB
 * settings as binlake's sink, three ways: row by row through the appender, column by column in
 * data chunks (the library's bulk call), and through binlake's own TableAppender; `seconds` is
 * the fastest. No catch-up that writes these rows through DuckDB from JavaScript these ways can
 * finish faster than this.
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
  const settings = { memory_limit: DEFAULT_MEMORY_LIMIT, threads: '1' };
  const createSql = String(definition[0]);
  const width = types.length;
  const appenderSeconds = await inFreshFile(duckdb, createSql, settings, (duck) =>
    timedAppend(duck, table, (appender) => {
      for (const row of rows) {
        for (let i = 0; i < width; i++) {
          const v = row[i];
          if (v === null) appender.appendNull();
          else appends[i](appender, v);
        }
        appender.endRow();
      }
    }),
  );

  // The same rows column by column in data chunks, then through binlake's own TableAppender,
  // each into a fresh file with the same settings.
  const columns: DuckDBValue[][] = types.map((_, c) => rows.map((row) => row[c]));
  const chunkSeconds = await inFreshFile(`${duckdb}-chunks`, createSql, settings, (d) =>
    timedChunkAppend(d, table, columns, rows.length),
  );
  columns.length = 0;
  const canonical = rows.map((row) => row.map((v, c) => canonicalOf(v, types[c])));
  const sinkSeconds = await inFreshFile(`${duckdb}-sink`, createSql, settings, (d) =>
    timedSinkAppend(d, table, types, canonical),
  );
  output({ ...aloneTimes(rows.length, { appenderSeconds, chunkSeconds, sinkSeconds }) });
}

main().catch(fail);
