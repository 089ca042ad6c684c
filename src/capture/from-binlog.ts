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
  const base = {
    timestamp: event.timestamp,
    file: at?.file ?? event.file,
    position: event.position,
    nextPosition: at ? at.nextPosition : event.header.nextPosition,
    size,
  };
  switch (event.type) {
    case 'query':
      out.push({ ...base, kind: 'query', database: event.database, sql: event.sql });
      return;
    case 'xid':
    case 'xa_prepare':
      out.push({ ...base, kind: 'xid' });
      return;
    case 'write_rows':
      out.push({
        ...base,
        kind: 'rows',
        op: 'I',
        table: event.table,
        rows: event.rows,
        partial: event.partial,
      });
      return;
    case 'delete_rows':
      out.push({
        ...base,
        kind: 'rows',
        op: 'D',
        table: event.table,
        rows: event.rows,
        partial: event.partial,
      });
      return;
    case 'update_rows':
      out.push({
        ...base,
        kind: 'rows',
        op: 'U',
        table: event.table,
        rows: event.rows,
        partial: event.partial,
      });
      return;
    case 'mariadb_gtid':
      out.push({
        ...base,
        kind: 'gtid',
        gtid: event.gtid,
        domain: event.domainId,
        standalone: event.standalone,
      });
      return;
    case 'gtid':
      out.push({ ...base, kind: 'gtid', gtid: `${event.sid}:${event.gno}`, domain: null, standalone: false });
      return;
    case 'rotate':
      out.push({ ...base, kind: 'rotate', nextFile: event.nextFile, nextPosition: event.nextFilePosition });
      return;
    case 'heartbeat':
      out.push({ ...base, kind: 'heartbeat' });
      return;
    case 'transaction_payload': {
      const end = { file: base.file, nextPosition: base.nextPosition };
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
      out.push({ ...base, kind: 'other' });
      return;
  }
}
