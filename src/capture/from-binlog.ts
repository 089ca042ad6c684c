import type { DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent } from '../binlog/events/rows.js';
import type { BinlogEvent } from '../binlog/events/types.js';
import { BinlakeError } from '../core/errors.js';
import type { CaptureEvent } from './capture-event.js';

/**
 * Maps one decoded binlog event to what transaction grouping needs (`CaptureEvent`). Events
 * nested in a MySQL TRANSACTION_PAYLOAD are flattened; they end where the payload ends, since the
 * payload is written and replicated as a whole.
 */
export function toCaptureEvents(
  event: BinlogEvent,
  size: number,
  out: CaptureEvent[],
  at?: { file: string; nextPosition: number },
): void {
  const timestamp = event.timestamp;
  const file = at?.file ?? event.file;
  const position = event.position;
  const nextPosition = at ? at.nextPosition : event.header.nextPosition;
  // Plain literals, no spreads: this runs once per binlog event on the catch-up hot path.
  switch (event.type) {
    case 'query':
      out.push({
        kind: 'query',
        database: event.database,
        sql: event.sql,
        microseconds: event.status.hrnow ?? event.status.microseconds,
        timeZone: event.status.timeZone,
        timestamp,
        file,
        position,
        nextPosition,
        size,
      });
      return;
    case 'xid':
    case 'xa_prepare':
      out.push({ kind: 'xid', timestamp, file, position, nextPosition, size });
      return;
    case 'write_rows':
    case 'delete_rows':
    case 'update_rows':
      out.push(rowsEvent(event, timestamp, file, position, nextPosition, size));
      return;
    case 'mariadb_gtid':
      out.push({
        kind: 'gtid',
        gtid: event.gtid,
        domain: event.domainId,
        standalone: event.standalone,
        timestamp,
        file,
        position,
        nextPosition,
        size,
      });
      return;
    case 'gtid':
      out.push({
        kind: 'gtid',
        gtid: event.gtid as string, // type gtid, not anonymous_gtid: never null
        domain: null,
        standalone: false,
        timestamp,
        file,
        position,
        nextPosition,
        size,
      });
      return;
    case 'rotate':
      out.push({
        kind: 'rotate',
        nextFile: event.nextFile,
        nextFilePosition: event.nextFilePosition,
        timestamp,
        file,
        position,
        nextPosition,
        size,
      });
      return;
    case 'heartbeat':
      out.push({ kind: 'heartbeat', timestamp, file, position, nextPosition, size });
      return;
    case 'transaction_payload': {
      const end = { file, nextPosition };
      event.events.forEach((inner, i) => {
        toCaptureEvents(inner, i === 0 ? size : 0, out, end);
      });
      return;
    }
    case 'incident':
      throw new BinlakeError(
        'BLK_T6003',
        `the source binlog has an INCIDENT event at ${event.file}:${event.position}: ${event.message}`,
        {
          remedy:
            'the source lost binlog events (e.g. a failed write on the primary); run binlake sync --resnapshot',
          details: { file: event.file, position: event.position, incident: event.incident },
        },
      );
    case 'anonymous_gtid':
    case 'format_description':
    case 'table_map':
    case 'previous_gtids':
    case 'mariadb_gtid_list':
    case 'binlog_checkpoint':
    case 'rows_query':
    case 'stop':
    case 'unknown':
      out.push({ kind: 'other', timestamp, file, position, nextPosition, size });
      return;
  }
}

/**
 * One rows CaptureEvent, its operation taken from the event type (so images and operation always
 * match); a plain literal, no spread, since it runs once per rows event.
 */
function rowsEvent(
  event: WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent,
  timestamp: number,
  file: string,
  position: number,
  nextPosition: number,
  size: number,
): CaptureEvent {
  const op = event.type === 'write_rows' ? 'I' : event.type === 'delete_rows' ? 'D' : 'U';
  // TypeScript cannot correlate `op` with the row shape of `event.rows`; the line above does.
  return {
    kind: 'rows',
    op,
    table: event.table,
    rows: event.rows,
    partial: event.partial,
    timestamp,
    file,
    position,
    nextPosition,
    size,
  } as CaptureEvent;
}
