import { type CaptureEvent, endsWithSchemaChange } from '../capture/capture-event.js';
import { SchemaTracker, type TrackedTable } from '../capture/schema-tracker.js';
import { TransactionAssembler } from '../capture/transaction-assembler.js';
import type { Config } from '../config/config.js';
import { batchRows, CellRows, type RowBatch } from '../core/cell-rows.js';
import type { BinlogPosition, RestartPoint, SchemaChange, SourceTransaction } from '../core/change-event.js';
import { type Checkpoint, comparePositions, initialCheckpoint } from '../core/checkpoint.js';
import { BinlakeError, describeError, isBinlakeError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { type TableRef, tableId } from '../core/table-schema.js';
import { canonicalText, type Row, type Value } from '../core/values.js';
import type { BaseLoad, Sink, SinkState, TableState, TargetTable } from '../sink/sink.js';
import { binlogFileAvailable, currentBinlogEnd, listBinlogFiles } from '../source/binlog-status.js';
import { sourceClockOffset, wallClockIn } from '../source/clock.js';
import {
  openSourceConnection,
  openSourcePool,
  type SourceConnection,
  type SourcePool,
} from '../source/connection.js';
import { type ResolvedTable, readTableSchema, resolveObjects } from '../source/schema-reader.js';
import { approximateRowsBytes, estimateRows, readChunks } from '../source/snapshot/read-chunks.js';
import type { Logger } from './logger.js';
import { TaskMetrics } from './metrics.js';
import { prefetch } from './prefetch.js';
import { SerialQueue } from './serial-writer.js';
import { stableStart } from './stable-start.js';
import {
  emptyStatus,
  RateMeter,
  TASK_STATES,
  type TableStatus,
  type TaskState,
  type TaskStatus,
  tableStatusFrom,
} from './task-status.js';
import { isTransientSourceError } from './transient.js';

/**
 * Rows per read of the full sync (a piece of a chunk) at most. Small result sets are what mysql2
 * reads fastest (see read-chunks.ts), and a piece is all the rows JavaScript holds per table.
 */
const READ_PIECE_ROWS = 10_000;
/** A chunk is read in at least this many pieces, so reading overlaps appending within a chunk too. */
const PIECES_PER_CHUNK = 4;
/**
 * A chunk also ends near this much row data (approximateBytes): a row group of wide rows (64 KB
 * each would make 7.5 GiB) would otherwise sit uncommitted for long, and a crash or a dropped
 * source connection would read it all again.
 */
const CHUNK_MAX_BYTES = 256 * 1024 * 1024;
/**
 * A change batch that is due (batch.maxRows or batch.maxMillis) while the one before it is still
 * committing goes on taking changes, up to this many times batch.maxRows, and is submitted as
 * soon as that commit is done. Waiting instead left the decoder idle through every COMMIT that
 * ran a DuckDB checkpoint (100–200 ms each); a catch-up of 978k sysbench changes took 7.1 s
 * waiting, 6.4 s stretching ×2 (medians of 3, alternating; ×4 was no faster and 30 MiB larger).
 */
const BATCH_STRETCH = 2;

/** The longest --until-caught-up waits for its tables' consistentFrom before reading the source's end. */
const MAX_EXACT_WAIT_MS = 2000;

/** Changes of a batch per source table object and operation (capture shares one TableRef per table). */
type BatchCounts = Map<TableRef, { I: number; U: number; D: number }>;

/**
 * Adds the changes of `transactions` to `counts`. It runs over every change, so it does no
 * string work: the metrics are updated once per table and operation when the batch commits.
 */
function countChanges(transactions: SourceTransaction[], counts: BatchCounts): BatchCounts {
  for (const t of transactions) {
    for (const change of t.changes) {
      let c = counts.get(change.table);
      if (c === undefined) {
        c = { I: 0, U: 0, D: 0 };
        counts.set(change.table, c);
      }
      c[change.op]++;
    }
  }
  return counts;
}

/**
 * Everything the task needs from the outside, so tests and the CLI wire real parts the same way.
 * `openSink`, `openBinlog` and `precheck` come from sink/, protocol/+binlog/ and source/precheck.
 */
export interface SyncDependencies {
  /** Whether the warehouse exists already (a new one is created only after the precheck passes). */
  destinationExists(): boolean;
  openSink(): Promise<Sink>;
  /** Live binlog from `start`, decoded into capture events, in order. */
  openBinlog(start: RestartPoint, tracker: SchemaTracker): Promise<BinlogEventStream>;
  /** `sink`: the task's own, already open (the destination items read it instead of the file). */
  precheck(context: { resuming: boolean; sink?: Sink }): Promise<Finding[]>;
  /** Test seam: runs right before a fresh start reads the source's binlog end. */
  beforeStartPosition?(): Promise<void>;
}

export interface BinlogEventStream extends AsyncIterable<CaptureEvent[]> {
  close(): Promise<void>;
  readonly reconnects: number;
  /** See ReplicationStream.lastHeardAt: when the server last sent anything; 0 while disconnected. */
  readonly lastHeardAt: number;
}

export interface SyncOptions {
  untilCaughtUp: boolean;
  resnapshot: boolean;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * One `binlake sync`: precheck, schema sync, lock-free full sync and binlog capture, with the
 * sink as the single writer (a serial queue orders chunk appends and change batches).
 *
 * Correctness rests on ARCHITECTURE.md's "three facts": the capture start position is stored
 * before the first chunk is read, so every change a chunk missed or saw twice is in `_log`; each
 * chunk and each batch commits with its progress in one DuckDB transaction (exactly-once); and
 * `consistentFrom` records when a table's merge becomes exact.
 */
export class SyncTask {
  readonly metrics = new TaskMetrics();
  readonly status: TaskStatus = emptyStatus();
  private readonly writer = new SerialQueue();
  private sink: Sink | null = null;
  private stopping = false;
  private readonly stopController = new AbortController();
  private readonly tableRates = new Map<string, RateMeter>();
  private readonly changeRate = new RateMeter();
  private readonly byteRate = new RateMeter();
  /** Defaults of columns added during the run, to pad full-sync rows read before the ALTER. */
  private readonly addedDefaults = new Map<string, Value>();
  private committedSchemas = new Map<string, TableState['schema']>();
  private idle = false;
  /** Ends capture's current wait: to stop, or to look again at once (the batch bound, caught up). */
  private wakeCapture: ((why: 'check' | 'stopped') => void) | null = null;
  /** With --until-caught-up: where capture ends, set once the full sync is done. */
  private catchUpTarget: BinlogPosition | null = null;
  /** When catchUpTarget was read: every change committed on the source before it is in the target. */
  private catchUpTargetReadAt = 0;
  /**
   * The source's clock minus this machine's (measured at start): completeAsOf is compared with
   * the source's event timestamps, so it is kept in the source's time.
   */
  private sourceClockOffsetMs = 0;

  constructor(
    private readonly config: Config,
    private readonly deps: SyncDependencies,
    private readonly options: SyncOptions,
  ) {
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Asks the task to finish the batch in flight, commit, and end in state Paused. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopController.abort();
    this.wakeCapture?.('stopped');
  }

  /**
   * Runs `work` on the open sink in the write queue, after the chunk appends and DDL batches
   * queued before it. Change batches commit on their own connections meanwhile; a merge sees what
   * is committed.
   */
  async withSink<T>(work: (sink: Sink) => Promise<T>): Promise<T> {
    return await this.writer.run(async () => {
      if (!this.sink)
        throw new BinlakeError('BLK_T6003', 'the task has no open warehouse yet; try again in a moment');
      return await work(this.sink);
    });
  }

  get log(): Logger {
    return this.options.logger;
  }

  private setState(state: TaskState): void {
    this.status.state = state;
    this.status.updatedAt = new Date().toISOString();
    for (const s of TASK_STATES) this.metrics.state.set({ state: s }, s === state ? 1 : 0);
    this.log.info({ state }, `task state ${state}`);
  }

  /** Snapshot of the status with live rates and lag filled in. */
  snapshot(): TaskStatus {
    const now = Date.now();
    for (const t of this.status.tables) t.rowsPerSecond = this.tableRates.get(t.target)?.perSecond(now) ?? 0;
    this.status.incremental.rowsPerSecond = this.changeRate.perSecond(now);
    this.status.incremental.bytesPerSecond = this.byteRate.perSecond(now);
    const last = this.status.incremental.lastEventTimestamp;
    this.status.lagSeconds = this.idle || last === 0 ? 0 : Math.max(0, Math.round(now / 1000 - last));
    this.metrics.lagSeconds.set(this.status.lagSeconds);
    this.status.updatedAt = new Date(now).toISOString();
    return structuredClone(this.status);
  }

  /** Runs the task to its end. Resolves with the final state; throws only for programming errors. */
  async run(): Promise<TaskState> {
    this.status.pid = process.pid;
    this.status.startedAt = new Date().toISOString();
    let pool: SourcePool | null = null;
    let conn: SourceConnection | null = null;
    try {
      // A new warehouse is created only once the precheck has passed: a first run that fails it
      // leaves no file behind (and nothing to remove, which could race with another process).
      if (this.deps.destinationExists()) this.sink = await this.deps.openSink();
      const before: SinkState = this.sink ? await this.sink.readState() : { checkpoint: null, tables: [] };
      const resuming = before.checkpoint !== null && !this.options.resnapshot;
      // The warehouse already holds this task's tables (a resume, a --resnapshot, or a crash
      // between creating them and storing the first checkpoint): they are not "existing" ones.
      const ownsTables = before.checkpoint !== null || before.tables.length > 0;

      this.setState('Prechecking');
      const findings = await this.deps.precheck({ resuming: ownsTables, sink: this.sink ?? undefined });
      const failed = findings.filter((f) => f.result === 'fail' && !f.notChecked);
      const skipped = findings.filter((f) => f.notChecked).length;
      for (const f of findings.filter((x) => x.result === 'warn'))
        this.log.warn({ item: f.item }, `${f.found} — ${f.remedy}`);
      if (failed.length || skipped) {
        for (const f of failed) this.log.error({ item: f.item }, `${f.found} — ${f.remedy}`);
        this.fail(
          new BinlakeError(
            'BLK_T6004',
            `precheck failed: ${failed.map((f) => f.item).join(', ')}` +
              (skipped ? ` (${skipped} more items not checked until these are fixed)` : ''),
            {
              remedy: 'run binlake precheck for the details and fix each failed item',
            },
          ),
          'PrecheckFailed',
        );
        return this.status.state;
      }

      this.sink ??= await this.deps.openSink();
      this.setState('Initializing');
      conn = await openSourceConnection(this.config.source);
      this.sourceClockOffsetMs = await sourceClockOffset(conn);
      pool = openSourcePool(this.config.source, this.config.snapshot.parallelism);
      const state = await this.initialize(conn, before, resuming);
      for (const t of state.tables) this.committedSchemas.set(t.target, t.schema);
      this.status.tables = state.tables.map((t) => tableStatusFrom(t));
      this.updateCheckpointStatus(state.checkpoint!);

      await conn.close();
      conn = null;

      this.setState('Synchronizing');
      const fullSync = this.runFullSync(
        pool,
        state.tables.filter((t) => t.phase !== 'incremental'),
      ).then(async () => {
        // --until-caught-up: the source's end *after* the full sync, so every table's merge is
        // exact at the end of the run (its consistentFrom is covered by the captured log).
        if (this.options.untilCaughtUp && !this.stopping) {
          // Read it no earlier than the second every table's merge is exact from, so that a
          // merge at the completeAsOf it records is exact too: about a second's wait at most.
          // (consistentFrom is on this machine's clock, completeAsOf on the source's: a source
          // clock far behind is not waited for; a merge before consistentFrom says so itself.)
          const exactFrom = Math.max(0, ...this.status.tables.map((t) => t.consistentFrom ?? 0));
          const early = exactFrom * 1000 - (Date.now() + this.sourceClockOffsetMs);
          if (early > 0 && early <= MAX_EXACT_WAIT_MS)
            await new Promise((resolve) => setTimeout(resolve, early));
          const readAt = Date.now() + this.sourceClockOffsetMs;
          this.catchUpTarget = await pool!.withConnection((c) => currentBinlogEnd(c));
          this.catchUpTargetReadAt = readAt;
          // An idle capture may already be there: let it look now, not at its next timer.
          this.wakeCapture?.('check');
        }
      });
      const capture = this.runCapture(state);
      // When the full sync fails, capture stops too (and vice versa), and both are waited for
      // before the sink closes: capture commits the batch it holds. The first error wins.
      let failure: { error: unknown } | null = null;
      const stopOnFailure = (error: unknown) => {
        failure ??= { error };
        this.stop();
      };
      await Promise.all([fullSync.catch(stopOnFailure), capture.catch(stopOnFailure)]);
      if (failure) throw (failure as { error: unknown }).error;
      this.setState(this.options.untilCaughtUp && !this.stoppedBySignal() ? 'Finished' : 'Paused');
    } catch (error) {
      this.fail(error, 'Failed');
    } finally {
      await conn?.close().catch(() => undefined);
      await pool?.close().catch(() => undefined);
      await this.writer.run(async () => this.sink?.close()).catch(() => undefined);
    }
    return this.status.state;
  }

  private stoppedBySignal(): boolean {
    return this.options.signal?.aborted === true;
  }

  private fail(error: unknown, state: 'Failed' | 'PrecheckFailed'): void {
    const e = isBinlakeError(error) ? error : null;
    this.status.lastError = {
      code: e?.code ?? null,
      message: e ? e.message : describeError(error),
      remedy: e?.remedy ?? null,
      at: new Date().toISOString(),
    };
    if (e?.code.startsWith('BLK_B')) this.metrics.decoderErrors.inc();
    this.log.error({ code: e?.code, details: e?.details }, describeError(error));
    if (!e && error instanceof Error) this.log.debug({ stack: error.stack }, 'stack');
    this.setState(state);
  }

  /** Creates the tables and stores the capture start position before any row is read. */
  private async initialize(conn: SourceConnection, before: SinkState, resuming: boolean): Promise<SinkState> {
    const sink = this.sink!;
    if (resuming) {
      const checkpoint = before.checkpoint!;
      const files = await listBinlogFiles(conn);
      if (!binlogFileAvailable(files, checkpoint)) {
        throw new BinlakeError(
          'BLK_S1204',
          `the checkpoint ${checkpoint.file}:${checkpoint.position} is no longer on the source (oldest binlog: ${files[0]?.file ?? 'none'})`,
          {
            remedy:
              'the binlog was purged while binlake was stopped; run `binlake sync --resnapshot` to copy the tables anew, and raise binlog_expire_logs_seconds',
          },
        );
      }
      this.log.info({ file: checkpoint.file, position: checkpoint.position }, 'resuming from checkpoint');
      return before;
    }
    // Without a full sync, capture starts where the config says (file/position or GTID) or at
    // the source's end. A GTID start has no file yet: the stream's first ROTATE names it.
    const configured = this.config.initial.full ? undefined : this.config.start;
    // The start position is taken BEFORE any chunk is read (ARCHITECTURE.md, fact 1), and with
    // no DDL on a synced table between the schema read and it (stableStart). A configured start
    // in the past is the user's choice: capture assumes today's schemas from there on.
    const { schemas: resolved, position: checkpoint } = await stableStart(
      () => resolveObjects(conn, this.config),
      async (): Promise<Checkpoint> => {
        if (configured?.file) {
          return initialCheckpoint(configured.file, configured.position ?? 4, configured.gtid ?? null);
        }
        if (configured?.gtid) return initialCheckpoint('', 0, configured.gtid);
        await this.deps.beforeStartPosition?.();
        const end = await currentBinlogEnd(conn);
        return initialCheckpoint(end.file, end.position, end.gtid);
      },
      // A configured position cannot move, so there is nothing to retry for it.
      (a, b) => configured !== undefined || JSON.stringify(a) === JSON.stringify(b),
    );
    const targets: TargetTable[] = resolved.map((t) => ({
      source: t.source,
      target: t.target,
      columnRenames: t.columnRenames,
      schema: t.schema,
    }));
    await this.writer.run(async () => {
      await sink.ensureTables(targets, { resetState: this.options.resnapshot });
      await sink.saveCheckpoint(checkpoint);
      if (!this.config.initial.full) {
        for (const t of targets) await sink.finishFullSync(t.target, Math.floor(Date.now() / 1000) + 1);
      }
    });
    this.log.info(
      { file: checkpoint.file, position: checkpoint.position, tables: targets.length },
      'capture starts here',
    );
    return await sink.readState();
  }

  /**
   * Resolves once every change from before `at` is committed: a committed change stamped `at` or
   * later, or the source confirmed idle (a quiet live connection or a heartbeat) with everything
   * committed. A merge through the running sync waits for this, so it is not silently older than
   * asked. BLK_M5004 after `timeoutMs`, or when the task stops first.
   */
  async waitForChangesBefore(at: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const applied = this.status.incremental.lastEventTimestamp;
      if (applied >= at || (this.idle && this.status.state === 'Synchronizing')) return;
      const running = this.status.state === 'Synchronizing' || this.status.state === 'Initializing';
      if (!running || Date.now() >= deadline) {
        const through = applied > 0 ? new Date(applied * 1000).toISOString() : 'nothing yet';
        throw new BinlakeError(
          'BLK_M5004',
          `the running sync has applied changes through ${through}, not yet up to --at ${at} ` +
            `(${new Date(at * 1000).toISOString()}); state ${this.status.state}, lag ${this.snapshot().lagSeconds} s`,
          {
            remedy: running
              ? 'merge again once binlake status shows the lag has fallen, or merge at an earlier --at'
              : 'see binlake status for why the sync stopped, and merge at an earlier --at or after it resumes',
            details: { at, appliedThrough: applied, state: this.status.state },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Capture confirmed the source idle (a heartbeat, or a quiet live connection) with everything
   * committed: every change from before the last maxMillis, and from before the server last sent
   * anything (a connection could have died silently since), is in the warehouse.
   */
  private markIdle(lastHeardAt: number): void {
    this.idle = true;
    const confirmed = Math.min(Date.now() - this.config.batch.maxMillis, lastHeardAt);
    this.noteCompleteAsOf(confirmed + this.sourceClockOffsetMs);
  }

  /** A short-lived source connection of its own (capture's rare look-ups during DDL). */
  private async withSourceConnection<T>(work: (conn: SourceConnection) => Promise<T>): Promise<T> {
    const conn = await openSourceConnection(this.config.source);
    try {
      return await work(conn);
    } finally {
      await conn.close();
    }
  }

  private noteCompleteAsOf(epochMillis: number): void {
    this.status.completeAsOf = Math.max(this.status.completeAsOf ?? 0, Math.floor(epochMillis / 1000));
  }

  private tableView(target: string): TableStatus | undefined {
    return this.status.tables.find((t) => t.target === target);
  }

  private updateCheckpointStatus(c: Checkpoint): void {
    this.status.checkpoint = { file: c.file, position: c.position, gtid: c.gtid };
    if (c.lastEventTimestamp) this.status.incremental.lastEventTimestamp = c.lastEventTimestamp;
  }

  // ---------------------------------------------------------------- full sync

  private async runFullSync(pool: SourcePool, tables: TableState[]): Promise<void> {
    if (!tables.length) return;
    const queue = [...tables];
    const workers = Array.from(
      { length: Math.min(this.config.snapshot.parallelism, queue.length) },
      async () => {
        while (!this.stopping) {
          const table = queue.shift();
          if (!table) return;
          await this.copyTable(pool, table);
        }
      },
    );
    await Promise.all(workers);
  }

  private async copyTable(pool: SourcePool, table: TableState): Promise<void> {
    const sink = this.sink!;
    const view = this.tableView(table.target)!;
    view.phase = 'full';
    const rate = new RateMeter();
    this.tableRates.set(table.target, rate);
    if (table.schema.key.length === 0 && table.rowsCopied > 0) {
      throw new BinlakeError(
        'BLK_S1205',
        `table ${tableId(table.source)} has no key and its copy was interrupted`,
        {
          remedy: 'a keyless table cannot resume its full sync; run binlake sync --resnapshot',
        },
      );
    }
    const progress = { cursor: table.cursor, rowsTotal: null as number | null };
    // Every committed chunk moves the resume point, also one that an ADD COLUMN committed early.
    const load = await sink.openBaseLoad(table.target, (rows, cursor) => {
      progress.cursor = cursor;
      view.rowsCopied += rows;
      this.metrics.rowsCopied.inc({ table: table.target }, rows);
    });
    try {
      // A dropped source connection is retried from the last committed chunk, with backoff, for
      // up to retry.maxMinutes (DTS's default is 720); anything else fails the task.
      let failingSince = 0;
      for (let attempt = 0; ; attempt++) {
        const copiedBefore = view.rowsCopied;
        try {
          await this.copyChunks(pool, table, view, rate, progress, load);
          break;
        } catch (error) {
          // Every piece appended is whole with its cursor: keep them (stopping, or before a retry).
          // When that commit fails, or one failed before, they are read again from the stored cursor.
          await load.commit().catch(() => load.discard().catch(() => undefined));
          if (view.rowsCopied > copiedBefore) failingSince = 0;
          failingSince ||= Date.now();
          const retryable =
            isTransientSourceError(error) &&
            table.schema.key.length > 0 &&
            Date.now() - failingSince < this.config.retry.maxMinutes * 60_000;
          if (this.stopping || !retryable) throw error;
          const waitMs = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
          this.log.warn(
            { table: table.target, resumeAfter: progress.cursor, waitMs, cause: describeError(error) },
            'source connection lost during the full sync; retrying from the last committed chunk',
          );
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        }
      }
    } finally {
      await load.close();
    }
    if (this.stopping) return;
    const consistentFrom = Math.floor(Date.now() / 1000) + 1;
    await this.writer.run(() => sink.finishFullSync(table.target, consistentFrom));
    view.phase = 'incremental';
    view.consistentFrom = consistentFrom;
    this.log.info(
      { table: table.target, rows: view.rowsCopied, consistentFrom },
      'full sync of table finished',
    );
  }

  /**
   * Copies the rows after `progress.cursor` in chunks of `snapshot.chunkSize` rows, each committed
   * with its cursor. A chunk is read in smaller pieces (READ_PIECE_ROWS, and about 4 MiB: see
   * readChunks) that go into the load's open transaction as they arrive, so a chunk can be a whole
   * DuckDB row group while memory holds only a few pieces.
   */
  private async copyChunks(
    pool: SourcePool,
    table: TableState,
    view: TableStatus,
    rate: RateMeter,
    progress: { cursor: Row | null; rowsTotal: number | null },
    load: BaseLoad,
  ): Promise<void> {
    progress.rowsTotal ??= await pool.withConnection((c) => estimateRows(c, table.source));
    const rowsTotal = progress.rowsTotal;
    view.rowsTotal = rowsTotal;
    this.log.info({ table: table.target, rowsTotal, resumeAfter: progress.cursor }, 'full sync of table');
    // Read with the schema the warehouse has now; an ADD COLUMN committed meanwhile pads rows.
    const readSchema = this.committedSchemas.get(table.target) ?? table.schema;
    const resolved: ResolvedTable = {
      source: table.source,
      target: table.target,
      columnRenames: table.columnRenames,
      allowNoKey: true,
      schema: readSchema,
    };
    const chunkSize = this.config.snapshot.chunkSize;
    const pieces = readChunks(pool, resolved, {
      chunkSize: Math.min(Math.ceil(chunkSize / PIECES_PER_CHUNK), READ_PIECE_ROWS),
      boundaryRows: chunkSize,
      cursor: progress.cursor,
      maxRowsPerSecond: this.config.snapshot.maxRowsPerSecond,
      signal: this.stopController.signal,
    });
    let chunkBytes = 0;
    for await (const piece of prefetch(pieces, 1)) {
      // In the writer's turn: an ADD COLUMN committed before it pads the rows (padRows).
      await this.writer.run(async () => {
        const rows = this.padRows(table.target, readSchema, piece.rows);
        await load.append(rows, { cursor: piece.cursor, rowsTotal });
      });
      // The rate follows reading (a chunk commits only every row group or so).
      rate.add(piece.rows.length);
      // This piece began a chunk (also after an ADD COLUMN committed the last one early).
      if (load.pendingRows === piece.rows.length) chunkBytes = 0;
      chunkBytes += approximateRowsBytes(piece.rows);
      // The sink copied the rows: their buffers serve the next reads.
      if (piece.rows instanceof CellRows) piece.rows.release();
      if (this.stopping) await load.commit();
      else if (piece.atBoundary || chunkBytes >= CHUNK_MAX_BYTES) await load.seal();
      if (this.stopping) return;
    }
    await load.commit();
  }

  /** Rows read with `readSchema`, reshaped to the schema the sink has committed (by column name). */
  private padRows(target: string, readSchema: TableState['schema'], rows: RowBatch): RowBatch {
    const committed = this.committedSchemas.get(target);
    if (!committed || committed === readSchema || committed.columns.length === readSchema.columns.length)
      return rows;
    const index = new Map(readSchema.columns.map((c, i) => [c.name.toLowerCase(), i]));
    const plan = committed.columns.map((c) => {
      const i = index.get(c.name.toLowerCase());
      return i === undefined
        ? { from: -1, value: this.addedDefaults.get(`${target}\u0000${c.name.toLowerCase()}`) ?? null }
        : { from: i, value: null };
    });
    return batchRows(rows).map((row) => plan.map((p) => (p.from >= 0 ? row[p.from] : p.value)));
  }

  // ---------------------------------------------------------------- capture

  /** The table shapes a committed batch's ADD COLUMNs produced (the full sync pads rows to them). */
  private noteSchemaChanges(transactions: SourceTransaction[], targetOf: Map<string, string>): void {
    for (const t of transactions) {
      for (const change of t.schemaChanges) {
        if (change.kind !== 'add-column') continue;
        const name = targetOf.get(tableId(change.table))!;
        this.addedDefaults.set(`${name}\u0000${change.column.name.toLowerCase()}`, change.defaultValue);
        this.committedSchemas.set(name, change.schemaAfter);
      }
    }
  }

  /** Metrics, table views and status after a batch committed. */
  private batchCommitted(
    counted: BatchCounts,
    checkpoint: Checkpoint,
    targetOf: Map<string, string>,
    started: number,
  ): void {
    this.metrics.batchCommitSeconds.observe((performance.now() - started) / 1000);
    let changes = 0;
    for (const [table, c] of counted) {
      changes += c.I + c.U + c.D;
      const name = targetOf.get(tableId(table))!;
      const view = this.tableView(name);
      for (const op of ['I', 'U', 'D'] as const) {
        if (c[op] === 0) continue;
        this.metrics.changeRows.inc({ table: name, operation: op }, c[op]);
        if (view) view.changes[op] += c[op];
      }
    }
    this.changeRate.add(changes);
    this.updateCheckpointStatus(checkpoint);
  }

  private async runCapture(state: SinkState): Promise<void> {
    const sink = this.sink!;
    const checkpoint = state.checkpoint!;
    const tracked: TrackedTable[] = state.tables.map((t) => ({
      source: t.source,
      target: t.target,
      schema: t.schema,
    }));
    const tracker = new SchemaTracker(tracked, {
      policy: this.config.ddl.unsupported,
      lookupColumn: (ref, column) =>
        this.withSourceConnection(async (c) => {
          const schema = await readTableSchema(c, ref.database, ref.table);
          return schema.columns.find((x) => x.name.toLowerCase() === column.toLowerCase()) ?? null;
        }),
      wallClockIn: (timeZone, seconds, microseconds) =>
        this.withSourceConnection((c) => wallClockIn(c, timeZone, seconds, microseconds)),
      onIgnored: (change) =>
        this.log.warn({ table: tableId(change.table), kind: change.kind }, `ignored DDL: ${change.sql}`),
    });
    const targetOf = new Map(tracked.map((t) => [tableId(t.source), t.target]));
    const assembler = new TransactionAssembler(checkpoint, checkpoint.gtid, {
      isSynced: (t) => tracker.isSynced(t),
      onDdl: (sql, db, ts) => tracker.onDdl(sql, db, ts),
    });
    const caughtUp = () =>
      this.catchUpTarget !== null &&
      !assembler.inTransaction &&
      comparePositions(assembler.position, this.catchUpTarget) >= 0;

    const { maxRows, maxMillis } = this.config.batch;
    const stretchedRows = maxRows * BATCH_STRETCH;
    let nextRecordId = checkpoint.nextRecordId;
    let lastTimestamp = checkpoint.lastEventTimestamp;
    // The batch being assembled: its transactions are already in the change log (uncommitted);
    // only their counts stay here.
    let pendingChanges = 0;
    let pendingSince = 0;
    let pendingCounts: BatchCounts = new Map();
    let submittedPosition: BinlogPosition = { file: checkpoint.file, position: checkpoint.position };
    // Batch N commits while batch N+1 is decoded and assembled: during DuckDB's COMMIT the JS
    // thread would otherwise wait idle. At most one commit is in flight; batches commit one by
    // one in binlog order, each atomically with its checkpoint, so a crash anywhere resumes from
    // the last committed one.
    let inFlight: Promise<void> | null = null;
    let commitFailed = false;
    let lastSubmitAt = Date.now();
    const log = await sink.openChangeLog();

    /** The checkpoint once everything assembled so far (or up to `at`) is stored. */
    const checkpointAt = (
      at: RestartPoint = {
        position: assembler.position,
        gtid: assembler.gtid,
      },
    ): Checkpoint => ({
      file: at.position.file,
      position: at.position.position,
      gtid: at.gtid,
      nextRecordId,
      lastEventTimestamp: lastTimestamp,
    });
    /**
     * Commits the change log's batch with the checkpoint after it (by default the assembler's
     * position); resolves once the previous batch committed.
     */
    /** Nothing received is waiting: no open transaction, no pending change, no commit in flight. */
    const allCommitted = () => !assembler.inTransaction && pendingChanges === 0 && inFlight === null;
    /** A commit may start now: none is running, or the batch has grown to the stretched size. */
    const mayCommit = () => inFlight === null || pendingChanges >= stretchedRows;
    const submit = async (at?: RestartPoint) => {
      const next = checkpointAt(at);
      const position = { file: next.file, position: next.position };
      if (!pendingChanges && comparePositions(position, submittedPosition) === 0) return;
      const counts = pendingCounts;
      pendingCounts = new Map();
      pendingChanges = 0;
      pendingSince = 0;
      submittedPosition = position;
      lastSubmitAt = Date.now();
      await settle();
      const started = performance.now();
      const commit = log.commit(next).then(() => this.batchCommitted(counts, next, targetOf, started));
      inFlight = commit;
      commit.then(
        () => {
          if (inFlight !== commit) return;
          inFlight = null;
          // A batch that fell due meanwhile (BATCH_STRETCH) commits now, also when the binlog
          // has gone quiet and no event would wake the loop before maxMillis.
          const due =
            pendingChanges >= maxRows || (pendingSince > 0 && Date.now() - pendingSince >= maxMillis);
          if (due) this.wakeCapture?.('check');
        },
        // A failed commit stays in flight for settle() to rethrow; the loop stops at once.
        () => {
          commitFailed = true;
          this.wakeCapture?.('stopped');
        },
      );
    };
    /** Waits for the batch in flight; throws its failure. */
    const settle = async () => {
      const commit = inFlight;
      inFlight = null;
      if (commit) await commit;
    };
    /** Everything assembled so far (or up to `at`), committed. */
    const flush = async (at?: RestartPoint) => {
      await submit(at);
      await settle();
    };
    /**
     * A DDL commits on its own, in the writer's turn (the next chunk append must already see an
     * ADD COLUMN). What came before it commits first, with the restart point just before it: a
     * crash in between reads the DDL again.
     */
    const commitSchemaChange = async (t: SourceTransaction, before: RestartPoint | null) => {
      await flush(before ?? undefined);
      if (t.timestamp > lastTimestamp) lastTimestamp = t.timestamp;
      const firstRecordId = nextRecordId;
      nextRecordId += BigInt(t.changes.length);
      const next = checkpointAt();
      submittedPosition = assembler.position;
      const started = performance.now();
      await this.writer.run(async () => {
        await sink.commitBatch({ transactions: [t], firstRecordId, checkpoint: next });
        this.noteSchemaChanges([t], targetOf);
      });
      this.batchCommitted(countChanges([t], new Map()), next, targetOf, started);
      for (const change of t.schemaChanges) {
        if (change.kind !== 'add-column') continue;
        this.log.info(
          {
            table: targetOf.get(tableId(change.table)),
            column: change.column.name,
            position: change.position,
            default: change.defaultValue === null ? null : canonicalText(change.defaultValue),
          },
          `ADD COLUMN ${change.column.name} applied to _base and _log`,
        );
      }
    };

    const stream = await this.deps.openBinlog(
      { position: submittedPosition, gtid: checkpoint.gtid },
      tracker,
    );
    const iterator = stream[Symbol.asyncIterator]();
    // The next batch is requested only once this one is processed: decoding must not run ahead
    // of DDL that capture has not applied yet (see binlog-capture-source).
    let next: Promise<IteratorResult<CaptureEvent[]>> | null = null;
    // One short-lived wake-up promise per wait (a timer, or stop()). Racing against a long-lived
    // "stopped" promise instead would attach a reaction to it per wait, and each reaction keeps
    // its batch of rows alive: measured, the heap grew with the binlog.
    let reconnects = 0;
    /** Wall time of the last event other than a heartbeat (see the 'check' branch). */
    let lastEventAt = Date.now();
    // A live connection to an idle source hears a heartbeat every period; half a period more
    // allows for its travel and timers.
    const heartbeatMs = this.config.retry.heartbeatSeconds * 1500;
    try {
      while (!this.stopping && !commitFailed) {
        const waitMs = pendingSince ? Math.max(0, pendingSince + maxMillis - Date.now()) : maxMillis;
        let timer: NodeJS.Timeout | undefined;
        const wake = new Promise<'check' | 'stopped'>((resolve) => {
          timer = setTimeout(resolve, waitMs, 'check');
          this.wakeCapture = resolve;
        });
        next ??= iterator.next();
        const result = await Promise.race([next, wake]);
        clearTimeout(timer);
        this.wakeCapture = null;
        if (result === 'stopped') break;
        if (result === 'check') {
          await submit();
          // No event for maxMillis on a live connection and everything received committed: the
          // source has nothing newer (a backlog arrives in a steady stream), so lag is 0 now, not
          // at the next heartbeat (retry.heartbeatSeconds later). A connection that is down, or
          // silent for longer than a heartbeat period, confirms nothing: lag then counts from the
          // last change applied, also if a heartbeat had set it to 0 before.
          if (Date.now() - stream.lastHeardAt > heartbeatMs) {
            this.idle = false;
          } else if (Date.now() - lastEventAt >= maxMillis && allCommitted()) {
            this.markIdle(stream.lastHeardAt);
          }
          if (caughtUp()) break;
          continue;
        }
        next = null;
        if (result.done) break;
        // Let the decoder read ahead while this batch is applied, unless the batch ends with a
        // DDL: events after it must be decoded with the schema it produces.
        if (!endsWithSchemaChange(result.value)) next = iterator.next();
        if (stream.reconnects > reconnects) {
          this.metrics.reconnects.inc(stream.reconnects - reconnects);
          reconnects = stream.reconnects;
        }
        let bytes = 0;
        for (const event of result.value) bytes += event.size;
        this.metrics.binlogBytes.inc(bytes);
        this.byteRate.add(bytes);
        for (const event of result.value) {
          if (event.kind === 'heartbeat') {
            if (allCommitted()) this.markIdle(stream.lastHeardAt);
            else this.idle = false;
            continue;
          }
          if (event.kind !== 'other' || event.nextPosition > 0) {
            this.idle = false;
            lastEventAt = Date.now();
          }
          let out: ReturnType<typeof assembler.push> | Awaited<ReturnType<typeof assembler.push>>;
          try {
            out = assembler.push(event);
            if (out instanceof Promise) out = await out;
          } catch (error) {
            // What came before the event that stops capture (a DDL under ddl.unsupported: stop, a
            // partial row image…) is complete: commit it, so the checkpoint and every merge reach
            // right up to that event. A restart reads the event again.
            if (!commitFailed) await flush().catch(() => undefined);
            throw error;
          }
          if (out?.kind !== 'transaction') continue;
          const t = out.transaction;
          if (t.schemaChanges.length) {
            await commitSchemaChange(t, out.before);
            continue;
          }
          if (t.timestamp > lastTimestamp) lastTimestamp = t.timestamp;
          if (t.changes.length === 0) continue;
          log.append(t, nextRecordId);
          nextRecordId += BigInt(t.changes.length);
          countChanges([t], pendingCounts);
          pendingChanges += t.changes.length;
          if (!pendingSince) pendingSince = Date.now();
          if (pendingChanges >= maxRows && mayCommit()) await submit();
        }
        // The time bound also while events keep arriving (the timer only wins a quiet moment):
        // changes wait at most maxMillis (and the commit before them: BATCH_STRETCH), and a busy
        // binlog of other tables still moves the checkpoint every maxMillis.
        const now = Date.now();
        const due =
          pendingChanges >= maxRows ||
          (pendingSince ? now - pendingSince >= maxMillis : now - lastSubmitAt >= maxMillis);
        if (due && mayCommit()) await submit();
        if (caughtUp()) break;
      }
      await flush();
      if (caughtUp()) this.noteCompleteAsOf(this.catchUpTargetReadAt);
    } finally {
      // Capture has ended: nothing confirms the source idle any longer (lag, completeAsOf).
      this.idle = false;
      // After a failure, let a batch in flight finish before the stream and the sink close.
      await (inFlight as Promise<void> | null)?.catch(() => undefined);
      // Whatever was appended and not committed is discarded (the next run reads it again).
      await log.close().catch(() => undefined);
      await stream.close().catch(() => undefined);
      // Let the pending read settle so the iterator does not throw into the void.
      void next?.catch(() => undefined);
    }
    if (pendingChanges) throw new Error('internal: unflushed transactions at capture end');
    this.log.info(
      { position: this.status.checkpoint },
      this.stopping ? 'capture stopped' : 'caught up with the source',
    );
  }
}

export type { SchemaChange };
