import type { TableRef } from '../core/table-schema.js';
import type { Row } from '../core/values.js';

/**
 * The few facts capture needs from a decoded binlog event. `capture/from-binlog.ts` maps the
 * decoder's events to these, so transaction grouping does not depend on every event type.
 */
export type CaptureEvent = (
  | { kind: 'gtid'; gtid: string; domain: number | null; standalone: boolean }
  | {
      kind: 'query';
      database: string;
      sql: string;
      /** Microseconds of the statement's start time (MariaDB Q_HRNOW, MySQL Q_MICROSECONDS), when logged. */
      microseconds: number | undefined;
      /** The session time_zone, when the statement used it (Q_TIME_ZONE_CODE). */
      timeZone: string | undefined;
    }
  | { kind: 'rows'; op: 'I' | 'D'; table: TableRef; rows: Row[]; partial: boolean }
  | { kind: 'rows'; op: 'U'; table: TableRef; rows: { before: Row; after: Row }[]; partial: boolean }
  | { kind: 'xid' }
  | { kind: 'rotate'; nextFile: string; nextFilePosition: number }
  | { kind: 'heartbeat' }
  | { kind: 'other' }
) & {
  /** Epoch seconds from the event header. */
  timestamp: number;
  file: string;
  /** Start of the event. */
  position: number;
  /** Position right after the event (the header's log_pos); 0 for artificial events. */
  nextPosition: number;
  /** Bytes of the raw event, for rate metrics. */
  size: number;
};

/** When a DDL statement started, as its QUERY event logs it (what `DEFAULT CURRENT_TIMESTAMP` evaluates to). */
export interface DdlTime {
  /** Epoch seconds from the event header. */
  seconds: number;
  microseconds?: number;
  /** The session time_zone, when the statement used one. */
  timeZone?: string;
}

const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|XA|SAVEPOINT|START\s+TRANSACTION)\b/i;

/**
 * Whether a QUERY event's statement may change a table's shape: anything but transaction
 * control. Events after such a statement must be decoded only once capture has applied it.
 */
export function mayChangeSchema(sql: string): boolean {
  return !TRANSACTION_CONTROL.test(sql);
}

/** Whether a batch of capture events ends with a statement that may change a table's shape. */
export function endsWithSchemaChange(batch: readonly CaptureEvent[]): boolean {
  const last = batch.at(-1);
  return last?.kind === 'query' && mayChangeSchema(last.sql);
}
