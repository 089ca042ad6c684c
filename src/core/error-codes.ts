/**
 * Every error binlake raises carries one of these codes. The table doubles as documentation:
 * `binlake` prints `[CODE] message — remedy`, and the README lists the codes.
 *
 * Ranges: C config, S source, B binlog/decoder, P protocol, D destination, M merge, T task, V verify.
 */
export const ERROR_CODES = {
  // Config
  BLK_C0001: 'config file cannot be read',
  BLK_C0002: 'config file is not valid YAML or JSON',
  BLK_C0003: 'config value is missing or has the wrong type',
  BLK_C0004: 'config refers to an environment variable that is not set',
  BLK_C0005: 'two source tables are mapped to the same target name',
  BLK_C0006: 'command-line option is invalid',
  // Source
  BLK_S1001: 'source server is unreachable',
  BLK_S1002: 'source server refused the credentials',
  BLK_S1003: 'source user lacks a privilege',
  BLK_S1004: 'source database or table does not exist',
  BLK_S1005: 'source column has a type binlake cannot copy',
  BLK_S1006: 'TLS connection to the source failed',
  BLK_S1101: 'source query failed',
  BLK_S1201: 'log_bin is off on the source',
  BLK_S1202: 'binlog_format must be ROW',
  BLK_S1203: 'binlog_row_image must be FULL',
  BLK_S1204: 'binlog position was purged from the source',
  BLK_S1205: 'table has no primary key or unique NOT NULL key',
  BLK_S1206: 'statement-based event for a synced table',
  BLK_S1207: 'synced tables kept changing while the start position was taken',
  // Binlog decoding
  BLK_B2001: 'binlog event is truncated',
  BLK_B2002: 'binlog event checksum mismatch',
  BLK_B2003: 'binlog event is malformed',
  BLK_B2004: 'rows event refers to an unknown table id',
  BLK_B2005: 'binlog_row_image is not FULL in a rows event',
  BLK_B2006: 'unsupported column type in a rows event',
  BLK_B2007: 'binlog file header is invalid',
  BLK_B2008: 'binlog file cannot be opened',
  // Replication protocol
  BLK_P3001: 'replication connection was lost',
  BLK_P3002: 'server sent an error on the replication connection',
  BLK_P3003: 'no heartbeat or event within the expected period',
  BLK_P3004: 'replication packet is malformed',
  BLK_P3005: 'server binlog_checksum is neither CRC32 nor NONE',
  // Destination
  BLK_D4001: 'destination file is locked by another process',
  BLK_D4002: 'destination write failed',
  BLK_D4003: 'target table already exists',
  BLK_D4004: 'destination folder is not writable',
  BLK_D4005: 'destination schema does not match the checkpoint',
  BLK_D4006: 'a destination column name clashes with an additional or partition column',
  BLK_D4007: 'a value cannot be stored in its destination column',
  // Merge
  BLK_M5001: 'merge time is before the table is consistent',
  BLK_M5002: 'unknown table for merge',
  BLK_M5003: 'table has no key, merge is impossible',
  BLK_M5004: 'merge time is past what the running sync has applied',
  // Task
  BLK_T6001: 'unsupported DDL on a synced table',
  BLK_T6002: 'a sync is already running for this destination',
  BLK_T6003: 'task failed',
  BLK_T6004: 'precheck failed',
  // Verify
  BLK_V7001: 'source and destination differ',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
