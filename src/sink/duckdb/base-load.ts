import type { DuckDBConnection } from '@duckdb/node-api';
import { BinlakeError } from '../../core/errors.js';
import type { Row } from '../../core/values.js';
import type { BaseLoad } from '../sink.js';

export type ChunkProgress = { cursor: Row | null; rowsTotal?: number | null };

/** What a DuckDbBaseLoad uses of its sink. */
export interface LoadPort {
  /** Appends rows to the target's `_base` within the connection's open transaction. */
  append(connection: DuckDBConnection, target: string, rows: Row[]): Promise<void>;
  /** Stores the state after a chunk of `rows` rows and COMMITs the connection's transaction. */
  commit(connection: DuckDBConnection, target: string, rows: number, progress: ChunkProgress): Promise<void>;
  /** While set, no load may begin appending (an ALTER of its table is running). */
  exclusive(): Promise<void> | null;
  forget(load: DuckDbBaseLoad): void;
}

/**
 * One table's full sync on a DuckDB connection of its own (Sink.openBaseLoad). A transaction is
 * open from the first append after a commit to the next commit, and DuckDB holds the appended
 * rows: it writes each full row group compressed to the file as it fills, where a commit of a few
 * thousand rows would pass every row through the write-ahead log and rewrite it at the next
 * checkpoint. JavaScript holds none of them.
 */
export class DuckDbBaseLoad implements BaseLoad {
  private tail: Promise<unknown> = Promise.resolve();
  private open = false;
  private pending = 0;
  private progress: ChunkProgress | null = null;
  private closed = false;
  /**
   * A failed commit, until discard(): the rows after the stored cursor are not all appended any
   * more (they were rolled back), so nothing may be appended or committed after them.
   */
  private failure: unknown = null;

  constructor(
    readonly target: string,
    private readonly connection: DuckDBConnection,
    private readonly port: LoadPort,
    private readonly onCommit?: (rows: number, cursor: Row | null) => void,
  ) {}

  get pendingRows(): number {
    return this.pending;
  }

  append(rows: Row[], progress: ChunkProgress): Promise<void> {
    // Checked before taking a turn, synchronously: an append queued behind excludingLoads' commit
    // would open a transaction in the middle of its ALTER.
    const exclusive = this.port.exclusive();
    if (exclusive) return exclusive.then(() => this.append(rows, progress));
    return this.turn(async () => {
      if (this.failure !== null) throw this.failure;
      if (!this.open) {
        await this.connection.run('BEGIN TRANSACTION');
        this.open = true;
      }
      try {
        await this.port.append(this.connection, this.target, rows);
      } catch (error) {
        await this.rollback();
        throw error;
      }
      this.pending += rows.length;
      // rowsTotal is given now and then; the last one given holds
      const rowsTotal = progress.rowsTotal === undefined ? this.progress?.rowsTotal : progress.rowsTotal;
      this.progress = { cursor: progress.cursor, rowsTotal };
    });
  }

  /** Nothing to do on a closed load (excludingLoads may ask while its owner closes it). */
  commit(): Promise<void> {
    return this.turn(async () => {
      if (this.closed) return;
      if (this.failure !== null) throw this.failure;
      if (!this.open || this.progress === null) return await this.rollback();
      const rows = this.pending;
      const cursor = this.progress.cursor;
      try {
        await this.port.commit(this.connection, this.target, rows, this.progress);
      } catch (error) {
        await this.rollback();
        this.failure = error;
        throw error;
      }
      this.open = false;
      this.pending = 0;
      this.progress = null;
      this.onCommit?.(rows, cursor);
    }, true);
  }

  discard(): Promise<void> {
    return this.turn(async () => {
      this.failure = null;
      await this.rollback();
    });
  }

  /** Idempotent: the sink closes its loads when it closes, their owners may close them again. */
  close(): Promise<void> {
    return this.turn(async () => {
      if (this.closed) return;
      await this.rollback();
      this.closed = true;
      this.connection.closeSync();
      this.port.forget(this);
    }, true);
  }

  private async rollback(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.pending = 0;
    this.progress = null;
    // A failed statement may have aborted the transaction already; DuckDB then discards it.
    await this.connection.run('ROLLBACK').catch(() => undefined);
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
