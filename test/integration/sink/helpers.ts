import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { SchemaChange, SourceTransaction } from '../../../src/core/change-event.js';
import type { Checkpoint } from '../../../src/core/checkpoint.js';
import { isBinlakeError } from '../../../src/core/errors.js';
import type { ColumnKind, ColumnSchema, TableSchema } from '../../../src/core/table-schema.js';
import type { LogRecord } from '../../../src/sink/duckdb/duckdb-sink.js';
import type { TargetTable } from '../../../src/sink/sink.js';

export function col(name: string, kind: ColumnKind, options: Partial<ColumnSchema> = {}): ColumnSchema {
  const textual = ['char', 'varchar', 'text', 'enum', 'set', 'json'].includes(kind);
  return {
    name,
    kind,
    columnType: kind,
    unsigned: false,
    nullable: true,
    length: null,
    scale: null,
    fsp: null,
    charset: textual ? 'utf8mb4' : null,
    members: null,
    defaultSql: null,
    ...options,
  };
}

export function schema(
  table: string,
  columns: ColumnSchema[],
  key: string[],
  database = 'shop',
): TableSchema {
  return { database, table, columns, key, keySource: key.length ? 'primary' : 'none' };
}

export function target(
  s: TableSchema,
  name = s.table,
  columnRenames: Record<string, string> = {},
): TargetTable {
  return { source: { database: s.database, table: s.table }, target: name, schema: s, columnRenames };
}

export function checkpoint(nextRecordId: bigint, position = 4, lastEventTimestamp = 0): Checkpoint {
  return { file: 'mysql-bin.000001', position, gtid: null, nextRecordId, lastEventTimestamp };
}

/** A fresh temp folder; `cleanup()` removes it. */
export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'binlake-sink-'));
  return {
    dir,
    file: (name = 'warehouse.duckdb') => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `shop.orders`, the table most sink tests write. */
export const ordersRef = { database: 'shop', table: 'orders' };
export const ORDERS = schema(
  'orders',
  [col('id', 'int', { nullable: false }), col('sku', 'varchar', { length: 20 }), col('qty', 'bigint')],
  ['id'],
);

/** A source transaction at `timestamp` (its end position too). */
export function txn(
  timestamp: number,
  changes: SourceTransaction['changes'],
  schemaChanges: SchemaChange[] = [],
): SourceTransaction {
  return {
    timestamp,
    changes,
    schemaChanges,
    end: { file: 'mysql-bin.000001', position: timestamp },
    gtid: null,
  };
}

/** Awaits `promise`, expecting a BinlakeError with `code`; returns it. */
export async function rejects(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isBinlakeError(error), String(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

/** `_log` rows as [record_id, operation_flag, utc_timestamp, before_flag, after_flag, image]. */
export function logTuples(rows: LogRecord[]): unknown[][] {
  return rows.map((r) => [r.recordId, r.operationFlag, r.utcTimestamp, r.beforeFlag, r.afterFlag, r.row]);
}
