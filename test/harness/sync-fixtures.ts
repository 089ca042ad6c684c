import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { tableId } from '../../src/core/table-schema.js';
import { canonicalText, type Row } from '../../src/core/values.js';
import type { SqlServer } from '../../src/sandbox/sql-server.js';
import { DuckDbSink } from '../../src/sink/duckdb/duckdb-sink.js';
import { openSourceConnection, openSourcePool } from '../../src/source/connection.js';
import { readTableSchema } from '../../src/source/schema-reader.js';
import { readChunks } from '../../src/source/snapshot/read-chunks.js';

let serverIds = 5000 + (process.pid % 1000) * 10;

/** Writes a task config for `server` into a new temp folder; returns the config path and warehouse path. */
export function writeTaskConfig(
  server: SqlServer,
  objects: { database: string; tables: unknown }[],
  extra: Record<string, unknown> = {},
): { configPath: string; warehouse: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'binlake-sync-'));
  const warehouse = path.join(dir, 'warehouse.duckdb');
  const config = {
    source: { ...server.source, serverId: serverIds++ },
    destination: { type: 'duckdb', path: warehouse },
    objects,
    batch: { maxRows: 5000, maxMillis: 200 },
    retry: { maxMinutes: 1, heartbeatSeconds: 1 },
    ...extra,
  };
  const configPath = path.join(dir, 'binlake.yaml');
  writeFileSync(configPath, stringify(config));
  return { configPath, warehouse, dir };
}

const rowText = (row: Row) => row.map(canonicalText);
const byKey = (a: string[], b: string[]) => (a.join('\u0001') < b.join('\u0001') ? -1 : 1);

/** The source table now, as canonical text rows sorted by their text (order-independent compare). */
export async function sourceRows(server: SqlServer, database: string, table: string): Promise<string[][]> {
  const settings = { ...server.source, serverId: 1, connectTimeoutMs: 10_000 };
  const conn = await openSourceConnection(settings);
  const pool = openSourcePool(settings, 1);
  try {
    const schema = await readTableSchema(conn, database, table);
    const rows: string[][] = [];
    const chunks = readChunks(
      pool,
      { source: { database, table }, target: table, columnRenames: {}, allowNoKey: true, schema },
      {
        chunkSize: 10_000,
        cursor: null,
      },
    );
    for await (const chunk of chunks) for (const row of chunk.rows) rows.push(rowText(row));
    return rows.sort(byKey);
  } finally {
    await pool.close();
    await conn.close();
  }
}

/** Opens the warehouse of a config (no sync may be running on it). */
export async function openWarehouse(configPath: string): Promise<DuckDbSink> {
  const config = loadConfig(configPath);
  return await DuckDbSink.create({
    path: config.destination.path,
    partitions: config.partitions,
    naming: config.naming,
  });
}

/** The DTS merge of `target` at `at` (default: every committed change), as sorted canonical text rows. */
export async function mergedRows(
  configPath: string,
  target: string,
  at = 32_503_680_000,
): Promise<string[][]> {
  const sink = await openWarehouse(configPath);
  try {
    const into = `_test_merge_${target}_${at}`;
    await sink.mergeAsOf(target, at, into);
    const rows = await sink.readRows(target, into);
    await sink.sqlRows(`DROP TABLE "${into.replaceAll('"', '""')}"`);
    return rows.map(rowText).sort(byKey);
  } finally {
    await sink.close();
  }
}

export { tableId };
