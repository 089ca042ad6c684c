import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowBatch } from '../../core/cell-rows.js';
import { BinlakeError } from '../../core/errors.js';
import type { Row } from '../../core/values.js';
import type { BaseLoad, TableState } from '../sink.js';

export type ChunkProgress = { cursor: Row | null; rowsTotal?: number | null };

/** What a DuckDbBaseLoad uses of its sink. */
export interface LoadPort {
  /** Appends rows to the target's `_base` within the connection's open transaction. */
  append(connection: DuckDBConnection, target: string, rows: RowBatch): Promise<void>;
  /**
   * The table's state after `rows` more rows ending at `progress`, counting on from `previous`
   * (this load's last chunk, maybe still committing; null: from the committed state).
   */
  nextState(target: string, previous: TableState | null, rows: number, progress: ChunkProgress): TableState;
  /** Stores `state` as the connection's row `slot` in its open transaction (no COMMIT). */
  writeState(connection: DuckDBConnection, slot: number, state: TableState): Promise<void>;
  /** After a COMMIT: the sink's cached state of the table. */
  committed(state: TableState): void;
  /** A failed write as the sink reports it. */
  writeError(error: unknown): unknown;
  /** While set, no load may begin appending (an ALTER of its table is running). */
  exclusive(): Promise<void> | null;
  forget(load: DuckDbBaseLoad): void;
}

/** One of the load's two connections. */
interface Lane {
  connection: DuckDBConnection;
  /** The table-state row this connection writes (1 or 2): two commits in flight never touch one row. */
  slot: number;
  /** A transaction is open on it for appends (not one handed to its COMMIT). */
  open: boolean;
  /** Its last COMMIT; settled before it begins again. */
  commit: Promise<void>;
}

/**
 * One table's full sync (Sink.openBaseLoad), on two DuckDB connections of its own used in turn.
 * A transaction is open from the first append after a chunk ends to the end of the chunk, and
 * DuckDB holds the appended rows: it writes each full row group compressed to the file, where a
 * commit of a few thousand rows would pass every row through the write-ahead log and rewrite it
 * at the next checkpoint. JavaScript holds none of them.
 *
 * A chunk's COMMIT (DuckDB compressing and writing the row group, on a thread of its own) runs
 * while the next chunk appends on the other connection; chunk N+1 commits only after chunk N,
 * so a crash never finds a chunk stored without the one before. Each connection writes the
 * table's state into its own row (the newest `seq` is the table's state), because DuckDB refuses
 * a transaction that changes a row another one changed after it began.
 */
export class DuckDbBaseLoad implements BaseLoad {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly lanes: [Lane, Lane];
  private current = 0;
  private pending = 0;
  private progress: ChunkProgress | null = null;
  /** The state after the last chunk this load ended (committed or committing); null: as stored. */
  private last: TableState | null = null;
  /** The last chunk's COMMIT, which the next one waits for. */
  private lastCommit: Promise<void> = Promise.resolve();
  private closed = false;
  /**
   * A failed commit, until discard(): the rows after the stored cursor are not all appended any
   * more (they were rolled back), so nothing may be appended or committed after them.
   */
  private failure: unknown = null;

  constructor(
    readonly target: string,
    connections: [DuckDBConnection, DuckDBConnection],
    private readonly port: LoadPort,
    private readonly onCommit?: (rows: number, cursor: Row | null) => void,
  ) {
    this.lanes = [
      { connection: connections[0], slot: 1, open: false, commit: Promise.resolve() },
      { connection: connections[1], slot: 2, open: false, commit: Promise.resolve() },
    ];
  }

  get pendingRows(): number {
    return this.pending;
  }

  append(rows: RowBatch, progress: ChunkProgress): Promise<void> {
    // Checked before taking a turn, synchronously: an append queued behind excludingLoads' commit
    // would open a transaction in the middle of its ALTER.
    const exclusive = this.port.exclusive();
    if (exclusive) return exclusive.then(() => this.append(rows, progress));
    return this.turn(async () => {
      if (this.failure !== null) throw this.failure;
      const lane = this.lanes[this.current];
      if (!lane.open) {
        // This connection's previous chunk must be committed before it begins the next.
        await lane.commit;
        if (this.failure !== null) throw this.failure;
        await lane.connection.run('BEGIN TRANSACTION');
        lane.open = true;
      }
      try {
        await this.port.append(lane.connection, this.target, rows);
      } catch (error) {
        await this.rollback(lane);
        throw error;
      }
      this.pending += rows.length;
      // rowsTotal is given now and then; the last one given holds
      const rowsTotal = progress.rowsTotal === undefined ? this.progress?.rowsTotal : progress.rowsTotal;
      this.progress = { cursor: progress.cursor, rowsTotal };
    });
  }

  seal(): Promise<void> {
    return this.turn(() => this.endChunk());
  }

  /** Nothing to do on a closed load (excludingLoads may ask while its owner closes it). */
  commit(): Promise<void> {
    return this.turn(async () => {
      if (this.closed) return;
      await this.endChunk();
      await this.lastCommit;
      if (this.failure !== null) throw this.failure;
    }, true);
  }

  discard(): Promise<void> {
    return this.turn(async () => {
      await this.settle();
      this.failure = null;
      this.last = null;
      for (const lane of this.lanes) await this.rollback(lane);
    });
  }

  /** Idempotent: the sink closes its loads when it closes, their owners may close them again. */
  close(): Promise<void> {
    return this.turn(async () => {
      if (this.closed) return;
      await this.settle();
      for (const lane of this.lanes) await this.rollback(lane);
      this.closed = true;
      for (const lane of this.lanes) lane.connection.closeSync();
      this.port.forget(this);
    }, true);
  }

  /**
   * Writes the table's state after the open chunk and starts its COMMIT behind the previous
   * chunk's; the next chunk goes to the other connection.
   */
  private async endChunk(): Promise<void> {
    if (this.closed) return;
    if (this.failure !== null) throw this.failure;
    const lane = this.lanes[this.current];
    if (!lane.open || this.progress === null) return await this.rollback(lane);
    const rows = this.pending;
    const cursor = this.progress.cursor;
    const next = this.port.nextState(this.target, this.last, rows, this.progress);
    try {
      await this.port.writeState(lane.connection, lane.slot, next);
    } catch (error) {
      await this.rollback(lane);
      this.failure = this.port.writeError(error);
      throw this.failure;
    }
    // The transaction now belongs to its COMMIT: the next append on this connection waits for it
    // (lane.commit) and begins a new one.
    lane.open = false;
    const previous = this.lastCommit;
    const commit = (async () => {
      try {
        await previous;
        if (this.failure !== null) throw this.failure;
        await lane.connection.run('COMMIT');
      } catch (error) {
        // A failure of the chunk before, or of this COMMIT: neither is stored after the cursor.
        this.failure ??= this.port.writeError(error);
        await lane.connection.run('ROLLBACK').catch(() => undefined);
        return;
      }
      // Committed: a throwing listener must not turn that into a failure nobody awaits.
      try {
        this.port.committed(next);
        this.onCommit?.(rows, cursor);
      } catch (error) {
        this.failure ??= error;
      }
    })();
    lane.commit = commit;
    this.lastCommit = commit;
    this.last = next;
    this.pending = 0;
    this.progress = null;
    this.current = 1 - this.current;
  }

  /** Waits for the commits in flight (their failures are in `failure`). */
  private async settle(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.commit));
  }

  private async rollback(lane: Lane): Promise<void> {
    if (lane === this.lanes[this.current]) {
      this.pending = 0;
      this.progress = null;
    }
    if (!lane.open) return;
    lane.open = false;
    // A failed statement may have aborted the transaction already; DuckDB then discards it.
    await lane.connection.run('ROLLBACK').catch(() => undefined);
  }

  /** Runs `work` after every earlier call on this load; a closed load refuses unless `closedOk`. */
  private turn<T>(work: () => Promise<T>, closedOk = false): Promise<T> {
    const run = this.tail.then(() => {
      if (this.closed && !closedOk) {
        throw new BinlakeError('BLK_D4002', `the full-sync load of ${this.target} is closed`, {
          remedy: 'open a new load (binlake sync does)',
        });
      }
      return work();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
