import { EVENT_HEADER_LENGTH } from './raw-event.js';

/**
 * The v4 common header every event starts with (MySQL `Log_event_header`):
 * timestamp(4) type(1) server_id(4) event_size(4) log_pos(4) flags(2), all little-endian.
 */
export interface EventHeader {
  /** Epoch seconds the statement started (0 in fake ROTATE/FORMAT_DESCRIPTION events). */
  timestamp: number;
  typeCode: number;
  serverId: number;
  /** Size of the whole event, header and checksum included. */
  eventSize: number;
  /** Position of the next event in the source's binlog (0 for fake and artificial events). */
  nextPosition: number;
  flags: number;
}

/** Header flags (`LOG_EVENT_*_F`). */
export const EventFlag = {
  BINLOG_IN_USE: 0x1,
  THREAD_SPECIFIC: 0x4,
  SUPPRESS_USE: 0x8,
  ARTIFICIAL: 0x20,
  RELAY_LOG: 0x40,
  IGNORABLE: 0x80,
  SKIP_REPLICATION: 0x8000,
} as const;

/** Reads the header; the caller has checked that `bytes` holds at least 19 bytes at `offset`. */
export function readEventHeader(bytes: Buffer, offset = 0): EventHeader {
  return {
    timestamp: bytes.readUInt32LE(offset),
    typeCode: bytes[offset + 4],
    serverId: bytes.readUInt32LE(offset + 5),
    eventSize: bytes.readUInt32LE(offset + 9),
    nextPosition: bytes.readUInt32LE(offset + 13),
    flags: bytes.readUInt16LE(offset + 17),
  };
}

export { EVENT_HEADER_LENGTH };
