import { EventType } from '../event-type.js';
import type { BodyDecoder } from './context.js';
import { decodeFormatDescription } from './format-description.js';
import {
  decodeMariadbGtid,
  decodeMariadbGtidList,
  decodeMysqlGtid,
  decodeMysqlTaggedGtid,
  decodePreviousGtids,
} from './gtid.js';
import { decodeQuery } from './query.js';
import { decodeRotate } from './rotate.js';
import { decodePartialUpdateRows, decodeRows } from './rows.js';
import {
  decodeAnnotateRows,
  decodeBinlogCheckpoint,
  decodeHeartbeat,
  decodeHeartbeatV2,
  decodeIncident,
  decodeRowsQuery,
  decodeStop,
  decodeXaPrepare,
} from './simple.js';
import { decodeTableMap } from './table-map.js';
import { decodeTransactionPayload } from './transaction-payload.js';
import { decodeXid } from './xid.js';

/**
 * Type code → body decoder. A code missing here decodes as `UnknownEvent` (keeping its bytes):
 * INTVAR, RAND, USER_VAR, LOAD events, TRANSACTION_CONTEXT, VIEW_CHANGE,
 * START_ENCRYPTION, the pre-GA rows events and anything newer.
 */
export const BODY_DECODERS: ReadonlyMap<number, BodyDecoder> = new Map<number, BodyDecoder>([
  [EventType.FORMAT_DESCRIPTION, decodeFormatDescription],
  [EventType.ROTATE, decodeRotate],
  [EventType.QUERY, decodeQuery],
  [EventType.QUERY_COMPRESSED, decodeQuery],
  [EventType.XID, decodeXid],
  [EventType.STOP, decodeStop],
  [EventType.INCIDENT, decodeIncident],
  [EventType.HEARTBEAT, decodeHeartbeat],
  [EventType.HEARTBEAT_V2, decodeHeartbeatV2],
  [EventType.TABLE_MAP, decodeTableMap],
  [EventType.WRITE_ROWS_V1, decodeRows],
  [EventType.UPDATE_ROWS_V1, decodeRows],
  [EventType.DELETE_ROWS_V1, decodeRows],
  [EventType.WRITE_ROWS_V2, decodeRows],
  [EventType.UPDATE_ROWS_V2, decodeRows],
  [EventType.DELETE_ROWS_V2, decodeRows],
  [EventType.WRITE_ROWS_COMPRESSED_V1, decodeRows],
  [EventType.UPDATE_ROWS_COMPRESSED_V1, decodeRows],
  [EventType.DELETE_ROWS_COMPRESSED_V1, decodeRows],
  [EventType.WRITE_ROWS_COMPRESSED_V2, decodeRows],
  [EventType.UPDATE_ROWS_COMPRESSED_V2, decodeRows],
  [EventType.DELETE_ROWS_COMPRESSED_V2, decodeRows],
  [EventType.PARTIAL_UPDATE_ROWS, decodePartialUpdateRows],
  [EventType.ROWS_QUERY, decodeRowsQuery],
  [EventType.GTID, decodeMysqlGtid],
  [EventType.ANONYMOUS_GTID, decodeMysqlGtid],
  [EventType.GTID_TAGGED, decodeMysqlTaggedGtid],
  [EventType.PREVIOUS_GTIDS, decodePreviousGtids],
  [EventType.XA_PREPARE, decodeXaPrepare],
  [EventType.TRANSACTION_PAYLOAD, decodeTransactionPayload],
  [EventType.ANNOTATE_ROWS, decodeAnnotateRows],
  [EventType.BINLOG_CHECKPOINT, decodeBinlogCheckpoint],
  [EventType.MARIADB_GTID, decodeMariadbGtid],
  [EventType.MARIADB_GTID_LIST, decodeMariadbGtidList],
]);

/** The same table as a dense array indexed by type code (the decoder's hot path). */
export const BODY_DECODER_BY_CODE: readonly (BodyDecoder | undefined)[] = Array.from(
  { length: 256 },
  (_, code) => BODY_DECODERS.get(code),
);
