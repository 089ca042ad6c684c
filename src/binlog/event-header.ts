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

/**
 * Reads the header; the caller has checked that `bytes` holds at least 19 bytes at `offset`,
 * so the fields are read by hand (`readUInt32LE` checks its arguments on every call, and this
 * runs for every event).
 */
export function readEventHeader(bytes: Buffer, offset = 0): EventHeader {
  return {
    timestamp: u32le(bytes, offset),
    typeCode: bytes[offset + 4],
    serverId: u32le(bytes, offset + 5),
    eventSize: u32le(bytes, offset + 9),
    nextPosition: u32le(bytes, offset + 13),
    flags: bytes[offset + 17] | (bytes[offset + 18] << 8),
  };
}

/** The little-endian u32 at `at`, which the caller has checked lies inside `b`. */
export function u32le(b: Buffer, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}

export { EVENT_HEADER_LENGTH };
