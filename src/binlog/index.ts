/** The binlog decoder: bytes in, typed events out. See decoder.ts and ARCHITECTURE.md. */
export { ColumnType, type ColumnTypeCode, columnTypeName } from './cells/column-type.js';
export { BinlogDecoder, type DecoderOptions } from './decoder.js';
export { jsonReady } from './dump.js';
export { EventFlag, type EventHeader, readEventHeader } from './event-header.js';
export { EventType, type EventTypeCode, type EventTypeName, eventTypeName } from './event-type.js';
export { BaseEvent } from './events/base.js';
export { FormatDescriptionEvent } from './events/format-description.js';
export {
  type GtidInterval,
  type MariadbGtid,
  MariadbGtidEvent,
  MariadbGtidFlag,
  MariadbGtidListEvent,
  MysqlGtidEvent,
  PreviousGtidsEvent,
} from './events/gtid.js';
export { QueryEvent, type QueryStatus } from './events/query.js';
export { RotateEvent } from './events/rotate.js';
export {
  DeleteRowsEvent,
  type RowsEvent,
  type RowsExtraData,
  RowsFlag,
  type UpdatedRow,
  UpdateRowsEvent,
  WriteRowsEvent,
} from './events/rows.js';
export {
  BinlogCheckpointEvent,
  HeartbeatEvent,
  IncidentEvent,
  RowsQueryEvent,
  StopEvent,
  UnknownEvent,
  XaPrepareEvent,
} from './events/simple.js';
export { type OptionalMetadata, type TableMapColumn, TableMapEvent } from './events/table-map.js';
export { TransactionPayloadEvent } from './events/transaction-payload.js';
export type { BinlogEvent, BinlogEventType } from './events/types.js';
export { XidEvent } from './events/xid.js';
export { BINLOG_MAGIC, type BinlogFileOptions, openBinlogFiles } from './file-reader.js';
export type { BinlogFormat, ChecksumAlgorithm } from './format.js';
export { PacketReader } from './packet-reader.js';
export type { RawEvent, RawEventSource } from './raw-event.js';
export { type CompiledTable, type SchemaHint, TableCache } from './table-cache.js';
