import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Checkpoint } from '../../../src/core/checkpoint.js';
import type { ColumnKind, ColumnSchema, TableSchema } from '../../../src/core/table-schema.js';
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
