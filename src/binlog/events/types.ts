import type { FormatDescriptionEvent } from './format-description.js';
import type { MariadbGtidEvent, MariadbGtidListEvent, MysqlGtidEvent, PreviousGtidsEvent } from './gtid.js';
import type { QueryEvent } from './query.js';
import type { RotateEvent } from './rotate.js';
import type { DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent } from './rows.js';
import type {
  BinlogCheckpointEvent,
  HeartbeatEvent,
  IncidentEvent,
  RowsQueryEvent,
  StopEvent,
  UnknownEvent,
  XaPrepareEvent,
} from './simple.js';
import type { TableMapEvent } from './table-map.js';
import type { TransactionPayloadEvent } from './transaction-payload.js';
import type { XidEvent } from './xid.js';

/** Every event the decoder returns; narrow on `type`. */
export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | TableMapEvent
  | WriteRowsEvent
  | UpdateRowsEvent
  | DeleteRowsEvent
  | MysqlGtidEvent
  | PreviousGtidsEvent
  | TransactionPayloadEvent
  | MariadbGtidEvent
  | MariadbGtidListEvent
  | BinlogCheckpointEvent
  | RowsQueryEvent
  | HeartbeatEvent
  | StopEvent
  | IncidentEvent
  | XaPrepareEvent
  | UnknownEvent;

export type BinlogEventType = BinlogEvent['type'];
