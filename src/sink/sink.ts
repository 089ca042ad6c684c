import type { RowBatch } from '../core/cell-rows.js';
import type { ChangeBatch, SourceTransaction } from '../core/change-event.js';
import type { Checkpoint } from '../core/checkpoint.js';
import type { TableRef, TableSchema } from '../core/table-schema.js';
import type { Row } from '../core/values.js';

/**
 * The warehouse side of a sync task, independent of the storage engine. `sink/duckdb/`
 * implements it for one DuckDB file; the pipeline drives it and never sees SQL.
 *
 * Exactly-once rests on two promises every implementation keeps:
 * - `appendBaseChunk` (and a `BaseLoad`'s `commit`) stores a chunk's rows and the table's keyset
 *   cursor in one transaction, so a restarted full sync continues after the last stored chunk and
 *   never copies a row twice;
 * - `commitBatch` (and a `ChangeLog`'s `commit`) stores a batch's `_log` rows, its ADD COLUMNs and
 *   the checkpoint after it in one transaction, so a restart resumes exactly after the last
 *   committed source transaction.
 */

/** See `Sink.openBaseLoad`. Calls on one load run one at a time, in call order. */
export interface BaseLoad {
  /**
   * Appends `rows` (in the table's current schema order) to the open chunk, `cursor` being the key
   * of its last row; nothing is stored until `commit`.
   */
  append(rows: RowBatch, progress: { cursor: Row | null; rowsTotal?: number | null }): Promise<void>;
  /** Rows appended since the chunk began. */
  readonly pendingRows: number;
  /**
   * Ends the chunk: the same transaction as `commit`, but its COMMIT runs in the background while
   * the next chunk appends (chunks still commit in order). A failure of it fails the next call.
   */
  seal(): Promise<void>;
  /**
   * ONE transaction: the rows appended since the chunk began, the cursor after them,
   * rowsCopied (+= their count), rowsTotal (when given) and phase `full`; resolves once it and
   * every chunk sealed before are committed. Nothing to do when nothing is pending.
   */
  commit(): Promise<void>;
  /**
   * Forgets the rows appended since the last commit (the table's state stays as committed). After
   * a failed commit every append and commit fails with it until this is called.
   */
  discard(): Promise<void>;
  /** Discards what is pending and releases the load. */
  close(): Promise<void>;
}

/** See `Sink.openChangeLog`. */
export interface ChangeLog {
  /**
   * Appends the `_log` rows of a transaction without schema changes, its changes numbered from
   * `firstRecordId` (continuing the batch). Nothing is stored until `commit`. After a failure
   * every call throws it.
   */
  append(transaction: SourceTransaction, firstRecordId: bigint): void;
  /**
   * ONE transaction: the rows of every transaction appended before this call and `checkpoint`
   * (whose nextRecordId follows the last of them). Appends made while it runs belong to the next
   * batch.
   */
  commit(checkpoint: Checkpoint): Promise<void>;
  /** Discards what is not committed and releases the connections. */
  close(): Promise<void>;
}

/** One table to create and fill: `${target}_base` and `${target}_log`. */
export interface TargetTable {
  source: TableRef;
  /** Destination name without suffix; the tables are `${target}_base` and `${target}_log`. */
  target: string;
  /** Source schema; its column order is the order of every `Row` handed to the sink. */
  schema: TableSchema;
  /** Source column → destination column; a column not named here keeps its source name. */
  columnRenames: Record<string, string>;
}

/** `pending`: nothing copied yet; `full`: chunks are being copied; `incremental`: full sync done. */
export type TablePhase = 'pending' | 'full' | 'incremental';

/** What the sink remembers about one table, committed together with its data. */
export interface TableState {
  source: TableRef;
  target: string;
  phase: TablePhase;
  /** The source schema as of the checkpoint (an ADD COLUMN replaces it in the same transaction). */
  schema: TableSchema;
  columnRenames: Record<string, string>;
  /** Rows stored in `_base` by the full sync. */
  rowsCopied: number;
  /** The source's row estimate when known. */
  rowsTotal: number | null;
  /** Key values of the last copied row (keyset cursor), null before the first chunk. */
  cursor: Row | null;
  /**
   * Epoch seconds from which a merge of this table is exact, null until its full sync finished.
   * The pipeline passes the first whole second after the last chunk was read (floor(end) + 1):
   * a merge at `at` uses log rows with utc_timestamp < at, so every base read must precede `at`.
   */
  consistentFrom: number | null;
}

export interface SinkState {
  checkpoint: Checkpoint | null;
  tables: TableState[];
}

export interface Sink {
  /** Which of `${t}_base` / `${t}_log` (or any table with those names) already exist, for the existingTables precheck. */
  existingTargets(targets: string[]): Promise<string[]>;
  /**
   * Creates missing `_base`/`_log` tables and registers a state row for each table that has none
   * (phase `pending`). Idempotent: existing tables and state are kept. `resetState` (binlake sync
   * --resnapshot) forgets the stored checkpoint, renames the given tables' old `_base`/`_log` aside
   * (`<t>_base_replaced_<epoch>`) and starts them afresh in state `pending`, all in one transaction.
   */
  ensureTables(tables: TargetTable[], options: { resetState?: boolean }): Promise<void>;
  readState(): Promise<SinkState>;
  /**
   * ONE transaction: appends `rows` (in the table's current schema order) to `${target}_base`
   * and stores the new cursor, rowsCopied (+= rows.length), rowsTotal (when given) and phase
   * `full`. A crash or an error leaves either both or neither.
   */
  appendBaseChunk(
    target: string,
    rows: RowBatch,
    progress: { cursor: Row | null; rowsTotal?: number | null },
  ): Promise<void>;
  /**
   * The full sync of one table, written chunk by chunk while it is read: rows are appended into
   * one open transaction as they arrive and `commit` (or `seal`, which lets the next chunk be
   * appended while this one commits) stores them with the cursor after them. A
   * chunk can then be as large as a storage row group without being held in memory. Loads of
   * different tables and change batches may run at the same time; a batch with an ADD COLUMN
   * first commits every load's open chunk. `onCommit` hears of every committed chunk (its rows and
   * the cursor after them), whoever committed it.
   */
  openBaseLoad(target: string, onCommit?: (rows: number, cursor: Row | null) => void): Promise<BaseLoad>;
  /**
   * Change batches written while they are assembled, on connections of their own: each source
   * transaction's `_log` rows are appended as it arrives, and `commit` stores them with the
   * checkpoint. Transactions with schema changes go through `commitBatch` instead, with nothing
   * of the change log left uncommitted.
   */
  openChangeLog(): Promise<ChangeLog>;
  /** Marks the table's full sync done: phase `incremental`, `consistentFrom` (see TableState). */
  finishFullSync(target: string, consistentFrom: number): Promise<void>;
  /**
   * ONE transaction: every row change of the batch as `_log` rows (record_id from
   * `batch.firstRecordId`, one per change; an UPDATE's two rows share it), every `add-column`
   * SchemaChange applied in order to `_base` and `_log` (existing rows get `defaultValue`, the
   * stored schema becomes `schemaAfter`), and `batch.checkpoint`. Other SchemaChange kinds are
   * the pipeline's policy and are not applied here.
   */
  commitBatch(batch: ChangeBatch): Promise<void>;
  /** Stores a checkpoint alone (the start position, or progress across heartbeats and empty transactions). */
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  close(): Promise<void>;
}
