import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import { comparePositions } from '../core/checkpoint.js';
import { BinlakeError } from '../core/errors.js';
import { tableId } from '../core/table-schema.js';
import { canonicalText, type Row } from '../core/values.js';
import type { Sink, TableState } from '../sink/sink.js';
import { currentBinlogEnd } from '../source/binlog-status.js';
import { openSourceConnection, openSourcePool } from '../source/connection.js';
import { readChunks } from '../source/snapshot/read-chunks.js';
import type { SyncTask } from './sync-task.js';

/**
 * `binlake verify`: does the merged warehouse equal the source?
 *
 * What it compares: for each table, the source rows *now* (read lock-free in key chunks, values
 * in their canonical form) with the DTS merge of `<t>_base` + `<t>_log` at `at` (default: every
 * committed change). Values are compared as canonical text (core/values.ts), so the type mapping
 * does not count as a difference but any changed value does.
 *
 * How: rows are spread over 256 buckets by a hash of their key; each bucket keeps a count and a
 * 64-bit sum of row hashes on each side. Buckets replace key ranges because MySQL collations and
 * DuckDB order string keys differently. Only mismatched buckets are compared row by row, and up to
 * `limit` differing keys per table are reported with both sides' values.
 *
 * For an exact answer the source must be quiet while it runs: verify waits until the warehouse has
 * applied the source's binlog end, holds the task's writes while it reads, and retries (up to 3
 * times) when the source moved meanwhile, then reports with a note.
 */
export interface VerifyRequest {
  table?: string;
  at?: number;
  limit?: number;
}

export interface TableVerification {
  source: string;
  target: string;
  equal: boolean;
  sourceRows: number;
  destinationRows: number;
  mismatchedBuckets: number;
  differences: { key: string[]; source: string[] | null; destination: string[] | null }[];
  /** The table could not be compared (e.g. it no longer exists on the source); the others still are. */
  error: { code: string | null; message: string; remedy: string | null } | null;
}

export interface VerifyReport {
  equal: boolean;
  at: number | null;
  checkpoint: { file: string; position: number } | null;
  sourceEnd: { file: string; position: number };
  note: string | null;
  tables: TableVerification[];
  /** Some table could not be compared at all (see its `error`): verify exits 2, not 1. */
  failed: boolean;
}

/** A warehouse verify can read (DuckDbSink). */
export interface VerifiableWarehouse extends Sink {
  mergeAsOf(target: string, at: number, into?: string): Promise<number>;
  readRows(target: string, table?: string): Promise<Row[]>;
  sqlRows(sql: string): Promise<unknown[][]>;
}

const BUCKETS = 256;
const ALL_CHANGES = 32_503_680_000; // year 3000: a merge that applies every committed change

function hash64(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigUInt64LE(0);
}

function rowTexts(row: Row): string[] {
  return row.map(canonicalText);
}

function bucketOf(keyText: string): number {
  return Number(hash64(keyText) % BigInt(BUCKETS));
}

class BucketSide {
  readonly counts = new Uint32Array(BUCKETS);
  readonly sums = new BigUint64Array(BUCKETS);
  rows = 0;

  add(keyText: string, rowText: string): number {
    const bucket = bucketOf(keyText);
    this.counts[bucket]++;
    this.sums[bucket] = BigInt.asUintN(64, this.sums[bucket] + hash64(rowText));
    this.rows++;
    return bucket;
  }
}

export async function verifyService(
  config: Config,
  warehouse: { kind: 'task'; task: SyncTask } | { kind: 'file'; sink: VerifiableWarehouse },
  request: VerifyRequest,
): Promise<VerifyReport> {
  const limit = request.limit ?? 10;
  const conn = await openSourceConnection(config.source);
  const pool = openSourcePool(config.source, 1);
  try {
    let note: string | null = null;
    for (let attempt = 1; ; attempt++) {
      const sourceEnd = await currentBinlogEnd(conn);
      if (warehouse.kind === 'task' && request.at === undefined)
        await waitForCheckpoint(warehouse.task, sourceEnd);
      const run = async (sink: Sink) => {
        const w = sink as VerifiableWarehouse;
        const state = await w.readState();
        const tables = state.tables.filter((t) => request.table === undefined || t.target === request.table);
        if (request.table !== undefined && tables.length === 0) {
          throw new BinlakeError('BLK_M5002', `no synced table named ${request.table}`, {
            remedy: 'use a target name from binlake status',
          });
        }
        const results: TableVerification[] = [];
        for (const table of tables) {
          results.push(
            await verifyTable(w, pool, table, request.at ?? ALL_CHANGES, limit).catch((error: unknown) =>
              failedVerification(table, error),
            ),
          );
        }
        return { results, checkpoint: state.checkpoint };
      };
      const { results, checkpoint } =
        warehouse.kind === 'task' ? await warehouse.task.withSink(run) : await run(warehouse.sink);
      const endAfter = await currentBinlogEnd(conn);
      const moved = comparePositions(endAfter, sourceEnd) !== 0;
      const behind =
        request.at === undefined && checkpoint !== null && comparePositions(checkpoint, sourceEnd) < 0;
      const equal = results.every((r) => r.equal);
      const failed = results.some((r) => r.error !== null);
      if (!equal && (moved || behind) && attempt < 3 && warehouse.kind === 'task') continue;
      // "Behind" explains differences before "moved" does: it is the cause the user can fix.
      if (behind)
        note = `the warehouse checkpoint ${checkpoint!.file}:${checkpoint!.position} is behind the source end ${sourceEnd.file}:${sourceEnd.position}; run binlake sync --until-caught-up first`;
      else if (moved)
        note =
          'the source changed while verify read it; differences may be changes in flight — run verify again on a quiet source';
      return {
        equal,
        at: request.at ?? null,
        checkpoint: checkpoint ? { file: checkpoint.file, position: checkpoint.position } : null,
        sourceEnd,
        note,
        tables: results,
        failed,
      };
    }
  } finally {
    await pool.close().catch(() => undefined);
    await conn.close().catch(() => undefined);
  }
}

/** A table verify could not compare: the report names the cause, and the other tables go on. */
function failedVerification(table: TableState, error: unknown): TableVerification {
  const known = error instanceof BinlakeError;
  return {
    source: tableId(table.source),
    target: table.target,
    equal: false,
    sourceRows: 0,
    destinationRows: 0,
    mismatchedBuckets: 0,
    differences: [],
    error: {
      code: known ? error.code : null,
      message: error instanceof Error ? error.message : String(error),
      remedy: known
        ? (error.remedy ?? null)
        : 'check that the table still exists on the source with its synced columns (binlake status lists them)',
    },
  };
}

async function waitForCheckpoint(task: SyncTask, end: { file: string; position: number }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const c = task.status.checkpoint;
    if (c && comparePositions(c, end) >= 0) return;
    if (task.status.state === 'Failed') return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function verifyTable(
  warehouse: VerifiableWarehouse,
  pool: ReturnType<typeof openSourcePool>,
  table: TableState,
  at: number,
  limit: number,
): Promise<TableVerification> {
  const keyIndexes = (
    table.schema.key.length ? table.schema.key : table.schema.columns.map((c) => c.name)
  ).map((k) => table.schema.columns.findIndex((c) => c.name === k));
  const keyOf = (texts: string[]) => keyIndexes.map((i) => texts[i]).join('\u001f');
  const into = `_binlake_verify_${process.pid}_${table.target}`;
  await warehouse.mergeAsOf(table.target, at, into);
  try {
    const destRows = await warehouse.readRows(table.target, into);
    const dest = new BucketSide();
    const destBuckets: { key: string; texts: string[]; bucket: number }[] = [];
    for (const row of destRows) {
      const texts = rowTexts(row);
      const key = keyOf(texts);
      destBuckets.push({ key, texts, bucket: dest.add(key, texts.join('\u001e')) });
    }
    const source = new BucketSide();
    // Two passes over the source, so memory stays bounded by the mismatched buckets: the first
    // only sums buckets, the second (when some differ) keeps the rows of those buckets.
    const scanSource = async (onRow: (key: string, texts: string[]) => void) => {
      const chunks = readChunks(
        pool,
        {
          source: table.source,
          target: table.target,
          columnRenames: table.columnRenames,
          allowNoKey: true,
          schema: table.schema,
        },
        { chunkSize: 20_000, cursor: null },
      );
      for await (const chunk of chunks) {
        for (const row of chunk.rows) {
          const texts = rowTexts(row);
          onRow(keyOf(texts), texts);
        }
      }
    };
    await scanSource((key, texts) => source.add(key, texts.join('\u001e')));
    const mismatched = new Set<number>();
    for (let b = 0; b < BUCKETS; b++) {
      if (source.counts[b] !== dest.counts[b] || source.sums[b] !== dest.sums[b]) mismatched.add(b);
    }
    const differences: TableVerification['differences'] = [];
    if (mismatched.size) {
      const sourceByKey = new Map<string, string[]>();
      await scanSource((key, texts) => {
        if (mismatched.has(bucketOf(key))) sourceByKey.set(key, texts);
      });
      const destByKey = new Map<string, string[]>();
      for (const d of destBuckets) if (mismatched.has(d.bucket)) destByKey.set(d.key, d.texts);
      const keyTexts = (texts: string[]) => keyIndexes.map((i) => texts[i]);
      for (const [key, texts] of sourceByKey) {
        const other = destByKey.get(key);
        if (!other || other.join('\u001e') !== texts.join('\u001e')) {
          differences.push({ key: keyTexts(texts), source: texts, destination: other ?? null });
        }
        destByKey.delete(key);
      }
      for (const texts of destByKey.values())
        differences.push({ key: keyTexts(texts), source: null, destination: texts });
    }
    return {
      source: tableId(table.source),
      target: table.target,
      equal: mismatched.size === 0,
      sourceRows: source.rows,
      destinationRows: dest.rows,
      mismatchedBuckets: mismatched.size,
      differences: differences.slice(0, limit),
      error: null,
    };
  } finally {
    await warehouse.sqlRows(`DROP TABLE IF EXISTS "${into.replaceAll('"', '""')}"`).catch(() => undefined);
  }
}
