import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowChange, SourceTransaction } from '../../core/change-event.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import { BinlakeError } from '../../core/errors.js';
import { Fifo } from '../../core/fifo.js';
import { type TableRef, tableId } from '../../core/table-schema.js';
import type { Row, Value } from '../../core/values.js';
import type { ChangeLog, TableState } from '../sink.js';
import type { TableAppender } from './table-appender.js';

/** What a DuckDbChangeLog uses of its sink. */
export interface ChangeLogPort {
  /** The state of the synced table `ref` as committed now, or undefined. */
  stateOf(ref: TableRef): TableState | undefined;
  /** An appender for the table's `_log` on `connection`. */
  logAppender(connection: DuckDBConnection, state: TableState): Promise<TableAppender>;
  /** The partition column values of a transaction at `timestamp`. */
  partitions(timestamp: number): string[];
  /**
   * Checks that the batch continues the record ids of the checkpoint before it and writes
   * `checkpoint` as the row of `slot`, in `connection`'s open transaction.
   */
  writeCheckpoint(
    connection: DuckDBConnection,
    slot: number,
    batch: { firstRecordId: bigint; changes: bigint },
    checkpoint: Checkpoint,
  ): Promise<void>;
  /** `checkpoint` is committed; null: the log failed and what it wrote is not. */
  committed(checkpoint: Checkpoint | null): void;
  /** A BinlakeError for a failed statement (BLK_D4002 naming the file). */
  writeError(error: unknown): BinlakeError;
  forget(log: DuckDbChangeLog): void;
}

type Item =
  | { kind: 'transaction'; transaction: SourceTransaction; firstRecordId: bigint }
  | { kind: 'commit'; checkpoint: Checkpoint; resolve: () => void; reject: (error: unknown) => void };

/**
 * Change batches on two DuckDB connections of their own (Sink.openChangeLog), used in turn: batch
 * N commits on one while batch N+1 is appended on the other, and N+1's COMMIT waits for N's.
 * Each source transaction's `_log` rows go into the open transaction through appenders kept
 * open for the batch, so they leave JavaScript as soon as they are assembled instead of living
 * (and being copied by the garbage collector) until the batch commits. The two transactions
 * never change the same row: each writes its own checkpoint row (see writeCheckpoint).
 *
 * Appends are synchronous while the log is idle. While the connection is busy (BEGIN, a new
 * table's appender, writing the checkpoint), appends and commits wait in one queue, in call
 * order, so a commit stores exactly what was appended before it was asked for.
 */
export class DuckDbChangeLog implements ChangeLog {
  /** Which of the two connections takes appends now. */
  private current = 0;
  /** Its transaction is open. */
  private open = false;
  /** The last COMMIT issued on each connection (a connection is reused once its COMMIT is done). */
  private readonly commits: [Promise<void> | null, Promise<void> | null] = [null, null];
  private readonly appenders = new Map<TableState, TableAppender>();
  /** TableRef → state, for this batch (capture shares one TableRef object per table). */
  private readonly states = new Map<TableRef, TableState | undefined>();
  private readonly queue = new Fifo<Item>();
  private draining: Promise<void> | null = null;
  private failure: unknown = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** record_id of the batch's first change, and the one its next change must have. */
  private firstRecordId: bigint | null = null;
  private nextRecordId: bigint | null = null;
  /** COMMITs issued and not finished. */
  private committing = 0;

  constructor(
    private readonly connections: readonly [DuckDBConnection, DuckDBConnection],
    private readonly port: ChangeLogPort,
  ) {}

  private get connection(): DuckDBConnection {
    return this.connections[this.current];
  }

  /** Nothing appended or asked for is uncommitted. */
  get idle(): boolean {
    return !this.open && this.queue.length === 0 && this.draining === null && this.committing === 0;
  }

  append(transaction: SourceTransaction, firstRecordId: bigint): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw closedError();
    if (this.draining === null && this.queue.length === 0 && this.ready(transaction)) {
      try {
        this.write(transaction, firstRecordId);
      } catch (error) {
        this.fail(error);
        void this.rollback();
        throw error;
      }
      return;
    }
    this.queue.push({ kind: 'transaction', transaction, firstRecordId });
    this.drain();
  }

  commit(checkpoint: Checkpoint): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(closedError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'commit', checkpoint, resolve, reject });
      this.drain();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    this.closed = true;
    await this.draining;
    for (const commit of this.commits) await commit?.catch(() => undefined);
    this.fail(closedError());
    await this.rollback();
    for (const connection of this.connections) connection.closeSync();
    this.port.forget(this);
  }

  /** Whether `transaction` can be written now, synchronously: open, with an appender per table. */
  private ready(transaction: SourceTransaction): boolean {
    if (!this.open) return false;
    for (const change of transaction.changes) {
      const state = this.stateFor(change.table);
      if (state === undefined || !this.appenders.has(state)) return false;
    }
    return true;
  }

  /** Opens the transaction and the appenders `transaction` needs. */
  private async prepare(transaction: SourceTransaction): Promise<void> {
    await this.begin();
    for (const change of transaction.changes) {
      const state = this.stateFor(change.table);
      if (state === undefined) {
        throw new BinlakeError(
          'BLK_D4005',
          `change for ${tableId(change.table)}, which is not a synced table`,
          {
            remedy: 'this is a bug in change capture; nothing was stored',
          },
        );
      }
      if (!this.appenders.has(state)) {
        this.appenders.set(state, await this.port.logAppender(this.connection, state));
      }
    }
  }

  private write(transaction: SourceTransaction, firstRecordId: bigint): void {
    if (this.nextRecordId !== null && firstRecordId !== this.nextRecordId) {
      throw new BinlakeError(
        'BLK_D4005',
        `a transaction numbers its changes from record_id ${firstRecordId}, the batch continues at ${this.nextRecordId}`,
        { remedy: 'this is a bug in change capture; nothing of this batch was stored' },
      );
    }
    const parts = this.port.partitions(transaction.timestamp);
    const ts = BigInt(transaction.timestamp);
    let recordId = firstRecordId;
    for (const change of transaction.changes) {
      const rows: Row[] = [];
      const metas: Value[][] = [];
      pushLogRows(change, recordId, ts, parts, rows, metas);
      (this.appenders.get(this.stateFor(change.table) as TableState) as TableAppender).write(rows, metas);
      recordId++;
    }
    this.firstRecordId ??= firstRecordId;
    this.nextRecordId = recordId;
  }

  private stateFor(ref: TableRef): TableState | undefined {
    let state = this.states.get(ref);
    if (state === undefined && !this.states.has(ref)) {
      state = this.port.stateOf(ref);
      this.states.set(ref, state);
    }
    return state;
  }

  /** Works through the queue; the first failure fails the log (see fail). */
  private drain(): void {
    if (this.draining !== null) return;
    this.draining = (async () => {
      try {
        while (this.queue.length > 0) {
          const item = this.queue.peek() as Item;
          if (item.kind === 'transaction') {
            // Only when needed: an await per item would let appends outpace the queue for good.
            if (!this.ready(item.transaction)) {
              await this.prepare(item.transaction);
              if (this.failure !== null) return;
            }
            this.queue.shift();
            this.write(item.transaction, item.firstRecordId);
          } else {
            this.queue.shift();
            try {
              await this.commitNow(item.checkpoint, item);
            } catch (error) {
              item.reject(error);
              throw error;
            }
          }
        }
      } catch (error) {
        this.fail(error);
        await this.rollback();
      } finally {
        this.draining = null;
      }
    })();
  }

  /** Opens a transaction on the current connection, once its previous COMMIT is done. */
  private async begin(): Promise<void> {
    if (this.open) return;
    await this.commits[this.current];
    await this.connection.run('BEGIN TRANSACTION');
    this.open = true;
  }

  /**
   * Writes the batch's checkpoint and issues its COMMIT after the previous batch's, without
   * waiting for it: the next batch goes on the other connection meanwhile. `done` hears the end.
   */
  private async commitNow(
    checkpoint: Checkpoint,
    done: { resolve: () => void; reject: (e: unknown) => void },
  ) {
    for (const appender of this.appenders.values()) appender.close();
    this.appenders.clear();
    // A batch without changes still stores its checkpoint (progress across other tables' events).
    await this.begin();
    const first = this.firstRecordId ?? checkpoint.nextRecordId;
    const changes = (this.nextRecordId ?? first) - first;
    const slot = this.current + 1;
    await this.port.writeCheckpoint(this.connection, slot, { firstRecordId: first, changes }, checkpoint);
    const connection = this.connection;
    const previous = this.commits[1 - this.current];
    this.committing++;
    const commit = (async () => {
      try {
        // Batches commit in order: a crash must never find N+1 stored without N.
        if (previous) await previous;
        await connection.run('COMMIT');
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw this.port.writeError(error);
      } finally {
        this.committing--;
      }
      this.port.committed(checkpoint);
    })();
    this.commits[this.current] = commit;
    commit.then(done.resolve, (error) => {
      this.fail(error);
      this.port.committed(null);
      done.reject(error);
    });
    this.current = 1 - this.current;
    this.open = false;
    this.firstRecordId = null;
    this.nextRecordId = null;
    // Table states may change between batches (an ADD COLUMN commits on its own).
    this.states.clear();
  }

  /** Remembers the first failure; every waiting and later call gets it. */
  private fail(error: unknown): void {
    this.failure ??= error;
    for (const item of this.queue.takeAll()) {
      if (item.kind === 'commit') item.reject(this.failure);
    }
  }

  private async rollback(): Promise<void> {
    for (const appender of this.appenders.values()) appender.abandon();
    this.appenders.clear();
    this.states.clear();
    this.firstRecordId = null;
    this.nextRecordId = null;
    if (!this.open) return;
    this.open = false;
    // A failed statement may have aborted the transaction already; DuckDB then discards it.
    await this.connection.run('ROLLBACK').catch(() => undefined);
  }
}

function closedError(): BinlakeError {
  return new BinlakeError('BLK_D4002', 'the change log is closed', {
    remedy: 'open a new one (binlake sync does)',
  });
}

/**
 * Pushes a change's `_log` rows and their additional values (in `logMetaColumns` order): INSERT
 * N/Y, DELETE Y/N, UPDATE Y/N then N/Y under one record_id.
 */
export function pushLogRows(
  change: RowChange,
  recordId: bigint,
  ts: bigint,
  parts: string[],
  rows: Row[],
  metas: Value[][],
): void {
  const meta = (operation: 'I' | 'U' | 'D', before: 'Y' | 'N', after: 'Y' | 'N'): Value[] =>
    parts.length === 0
      ? [recordId, operation, ts, before, after]
      : [recordId, operation, ts, before, after, ...parts];
  switch (change.op) {
    case 'I':
      rows.push(change.after);
      metas.push(meta('I', 'N', 'Y'));
      return;
    case 'D':
      rows.push(change.before);
      metas.push(meta('D', 'Y', 'N'));
      return;
    case 'U':
      rows.push(change.before, change.after);
      metas.push(meta('U', 'Y', 'N'), meta('U', 'N', 'Y'));
      return;
  }
}
