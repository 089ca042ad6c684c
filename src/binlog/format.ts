import { EventType } from './event-type.js';

export type ChecksumAlgorithm = 'none' | 'crc32';

/**
 * What the current FORMAT_DESCRIPTION says about the events after it: the checksum algorithm
 * and each event type's post-header length (the FDE's array, indexed by type code - 1).
 */
export interface BinlogFormat {
  binlogVersion: number;
  serverVersion: string;
  mariadb: boolean;
  checksum: ChecksumAlgorithm;
  postHeaderLengths: readonly number[];
}

/** Post-header lengths of a v4 binlog, used before the first FORMAT_DESCRIPTION arrives. */
const DEFAULT_POST_HEADER: Record<number, number> = {
  [EventType.QUERY]: 13,
  [EventType.ROTATE]: 8,
  [EventType.FORMAT_DESCRIPTION]: 84,
  [EventType.TABLE_MAP]: 8,
  [EventType.WRITE_ROWS_V1]: 8,
  [EventType.UPDATE_ROWS_V1]: 8,
  [EventType.DELETE_ROWS_V1]: 8,
  [EventType.WRITE_ROWS_V2]: 10,
  [EventType.UPDATE_ROWS_V2]: 10,
  [EventType.DELETE_ROWS_V2]: 10,
  [EventType.QUERY_COMPRESSED]: 13,
  [EventType.WRITE_ROWS_COMPRESSED_V1]: 8,
  [EventType.UPDATE_ROWS_COMPRESSED_V1]: 8,
  [EventType.DELETE_ROWS_COMPRESSED_V1]: 8,
  [EventType.WRITE_ROWS_COMPRESSED_V2]: 10,
  [EventType.UPDATE_ROWS_COMPRESSED_V2]: 10,
  [EventType.DELETE_ROWS_COMPRESSED_V2]: 10,
};

export function initialFormat(checksum: ChecksumAlgorithm): BinlogFormat {
  return { binlogVersion: 4, serverVersion: '', mariadb: false, checksum, postHeaderLengths: [] };
}

export function postHeaderLength(format: BinlogFormat, type: number): number {
  const fromFde = format.postHeaderLengths[type - 1];
  return fromFde ?? DEFAULT_POST_HEADER[type] ?? 0;
}

/**
 * True when a server of this version writes the checksum-algorithm byte (and 4 checksum bytes)
 * at the end of its FORMAT_DESCRIPTION: MySQL ≥ 5.6.1, MariaDB ≥ 5.3.0
 * (`checksum_version_split_mysql` / `_mariadb` in log_event.cc).
 */
export function fdeHasChecksumAlgorithm(serverVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) return false;
  const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  return /mariadb/i.test(serverVersion) ? v >= 50300 : v >= 50601;
}
