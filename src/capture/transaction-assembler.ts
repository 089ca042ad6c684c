import type {
  BinlogPosition,
  RestartPoint,
  RowChange,
  SchemaChange,
  SourceTransaction,
} from '../core/change-event.js';
import { BinlakeError } from '../core/errors.js';
import { type TableRef, tableId } from '../core/table-schema.js';
import type { CaptureEvent, DdlTime } from './capture-event.js';
import { parseDdl } from './ddl-parser.js';

/**
 * Groups decoded events into whole source transactions of synced tables, in binlog order.
 *
 * - A transaction is BEGIN … XID/COMMIT; a DDL statement is a transaction of its own.
 * - Row events of tables that are not synced are dropped, but their transaction still moves
 *   the position, so an idle-for-us source still advances the checkpoint to the binlog end.
 * - `position` is always a safe restart point: the end of the last event outside a transaction.
 * - DDL on synced tables is handed to `onDdl`, which returns the schema changes to record
 *   (ADD COLUMN) or throws by policy. Statement-based DML on a synced table is a loud error.
 */
export interface AssemblerHooks {
  isSynced(table: TableRef): boolean;
  onDdl(sql: string, defaultDatabase: string, at: DdlTime): Promise<SchemaChange[]>;
}

export type AssemblerOutput =
  | {
      kind: 'transaction';
      transaction: SourceTransaction;
      bytes: number;
      /**
       * For a DDL: the restart point just before it (position and GTID state), where what came
       * before can be committed while the DDL is applied on its own. Null for row transactions.
       */
      before: RestartPoint | null;
    }
  | { kind: 'progress'; position: BinlogPosition; gtid: string | null };

export class TransactionAssembler {
  private open: {
    changes: RowChange[];
    gtid: string | null;
    timestamp: number;
    bytes: number;
  } | null = null;
  private pendingGtid: { gtid: string; domain: number | null; standalone: boolean } | null = null;
  private gtidByDomain = new Map<string, string>();
  private file: string;
  private pos: number;

  constructor(
    start: BinlogPosition,
    startGtid: string | null,
    private readonly hooks: AssemblerHooks,
  ) {
    this.file = start.file;
    this.pos = start.position;
    if (startGtid) for (const part of startGtid.split(',')) this.rememberGtid(part.trim());
  }

  /** Position after the last complete transaction or standalone event. */
  get position(): BinlogPosition {
    return { file: this.file, position: this.pos };
  }

  /** MariaDB: the GTID position (`domain-server-seq` per domain); MySQL: the last GTID seen. */
  get gtid(): string | null {
    return this.gtidByDomain.size ? [...this.gtidByDomain.values()].join(',') : null;
  }

  get inTransaction(): boolean {
    return this.open !== null;
  }

  private rememberGtid(gtid: string): void {
    const mariadb = /^(\d+)-\d+-\d+$/.exec(gtid);
    this.gtidByDomain.set(mariadb ? mariadb[1] : 'mysql', gtid);
  }

  private advance(event: CaptureEvent): void {
    if (event.nextPosition > 0 && event.file === this.file) this.pos = event.nextPosition;
    else if (event.nextPosition > 0 && event.file !== this.file) {
      this.file = event.file;
      this.pos = event.nextPosition;
    }
  }

  private finish(event: CaptureEvent): AssemblerOutput {
    const open = this.open!;
    this.open = null;
    this.advance(event);
    if (open.gtid) this.rememberGtid(open.gtid);
    return {
      kind: 'transaction',
      bytes: open.bytes + event.size,
      before: null,
      transaction: {
        // The commit event's time: the moment the changes became visible on the source.
        timestamp: Math.max(open.timestamp, event.timestamp),
        changes: open.changes,
        schemaChanges: [],
        end: this.position,
        gtid: open.gtid,
      },
    };
  }

  /**
   * Feeds one event; returns what it completed, if anything. Synchronous except for a QUERY
   * event (DDL may need the source), so the hot path allocates no promise per event.
   */
  push(event: CaptureEvent): AssemblerOutput | null | Promise<AssemblerOutput | null> {
    switch (event.kind) {
      case 'gtid':
        this.pendingGtid = { gtid: event.gtid, domain: event.domain, standalone: event.standalone };
        // MariaDB writes no BEGIN: a GTID event without the standalone flag opens the transaction.
        if (event.domain !== null && !event.standalone && !this.open) {
          this.begin(event);
          this.open!.bytes += event.size;
        }
        return null;
      case 'rotate':
        if (this.open) return null;
        // A real ROTATE ends a file: the next safe position is the start of the next file.
        this.file = event.nextFile;
        this.pos = event.nextFilePosition;
        return { kind: 'progress', position: this.position, gtid: this.gtid };
      case 'heartbeat':
        return null;
      case 'xid':
        if (!this.open) {
          this.advance(event);
          return { kind: 'progress', position: this.position, gtid: this.gtid };
        }
        return this.finish(event);
      case 'rows': {
        if (!this.open) this.begin(event);
        const open = this.open!;
        open.bytes += event.size;
        if (!this.hooks.isSynced(event.table)) return null;
        if (event.partial) {
          throw new BinlakeError(
            'BLK_B2005',
            `rows event for ${tableId(event.table)} at ${event.file}:${event.position} has a partial row image`,
            {
              remedy:
                'set binlog_row_image=FULL on the source (SET GLOBAL and in my.cnf), then run binlake sync --resnapshot for this task',
              details: { file: event.file, position: event.position },
            },
          );
        }
        const table = event.table;
        if (event.op === 'U') {
          for (const pair of event.rows)
            open.changes.push({ op: 'U', table, before: pair.before, after: pair.after });
        } else if (event.op === 'I') {
          for (const row of event.rows) open.changes.push({ op: 'I', table, after: row });
        } else {
          for (const row of event.rows) open.changes.push({ op: 'D', table, before: row });
        }
        open.timestamp = Math.max(open.timestamp, event.timestamp);
        return null;
      }
      case 'query':
        return this.query(event);
      case 'other':
        if (!this.open) {
          this.advance(event);
          return { kind: 'progress', position: this.position, gtid: this.gtid };
        }
        this.open.bytes += event.size;
        return null;
    }
  }

  private begin(event: CaptureEvent): void {
    this.open = { changes: [], gtid: this.pendingGtid?.gtid ?? null, timestamp: event.timestamp, bytes: 0 };
    this.pendingGtid = null;
  }

  private async query(event: CaptureEvent & { kind: 'query' }): Promise<AssemblerOutput | null> {
    const parsed = parseDdl(event.sql);
    if (parsed.kind === 'transaction-control') {
      const word = event.sql.trim().split(/\s+/)[0].toUpperCase();
      if (word === 'BEGIN' || word === 'START') {
        if (!this.open) this.begin(event);
        this.open!.bytes += event.size;
        return null;
      }
      if (word === 'COMMIT' && this.open) return this.finish(event);
      if (word === 'ROLLBACK' && this.open) {
        // Only non-transactional tables log a ROLLBACK; their changes did happen, keep them.
        return this.finish(event);
      }
      this.advance(event);
      return null;
    }
    if (parsed.kind === 'dml') {
      this.assertNotStatementBased(event, parsed.text);
      if (this.open) {
        this.open.bytes += event.size;
        return null;
      }
      this.advance(event);
      return { kind: 'progress', position: this.position, gtid: this.gtid };
    }
    // DDL (or anything else) is its own transaction; it commits whatever was open implicitly.
    const gtid = this.pendingGtid?.gtid ?? null;
    this.pendingGtid = null;
    const schemaChanges = await this.hooks.onDdl(event.sql, event.database, {
      seconds: event.timestamp,
      microseconds: event.microseconds,
      timeZone: event.timeZone,
    });
    this.open = null;
    const before = { position: this.position, gtid: this.gtid };
    this.advance(event);
    if (gtid) this.rememberGtid(gtid);
    return {
      kind: 'transaction',
      bytes: event.size,
      before,
      transaction: { timestamp: event.timestamp, changes: [], schemaChanges, end: this.position, gtid },
    };
  }

  private assertNotStatementBased(event: CaptureEvent & { kind: 'query' }, sql: string): void {
    // With binlog_format=STATEMENT/MIXED a change arrives as SQL text, not rows: it cannot be
    // captured losslessly. Name the table if it is one of ours; ignore other tables.
    const names = [...sql.matchAll(/`((?:[^`]|``)+)`|([A-Za-z0-9_$]+)/g)].map((m) =>
      (m[1] ?? m[2]).replaceAll('``', '`'),
    );
    for (let i = 0; i < names.length; i++) {
      const candidates: TableRef[] = [{ database: event.database, table: names[i] }];
      if (i + 1 < names.length) candidates.push({ database: names[i], table: names[i + 1] });
      for (const ref of candidates) {
        if (this.hooks.isSynced(ref)) {
          throw new BinlakeError(
            'BLK_S1206',
            `statement-based event for synced table ${tableId(ref)} at ${event.file}:${event.position}: ${sql.slice(0, 200)}`,
            {
              remedy:
                'set binlog_format=ROW on the source (SET GLOBAL binlog_format=ROW and in my.cnf), then run binlake sync --resnapshot',
              details: { file: event.file, position: event.position },
            },
          );
        }
      }
    }
  }
}
