import { BinlakeError } from '../core/errors.js';

/**
 * The few event fields the transport needs to track positions, read straight from the v4
 * header (MySQL `LOG_EVENT_HEADER_LEN` = 19: timestamp(4), type(1), server_id(4),
 * event_size(4), log_pos(4), flags(2)). Everything else is the decoder's job.
 */

export const EVENT_TYPE_OFFSET = 4;
export const EVENT_SIZE_OFFSET = 9;
export const LOG_POS_OFFSET = 13;
export const FLAGS_OFFSET = 17;

export const ROTATE_EVENT = 4;
export const FORMAT_DESCRIPTION_EVENT = 15;
export const HEARTBEAT_EVENT = 27;
/** MySQL 8.0.26+ heartbeat with a 64-bit position. */
export const HEARTBEAT_V2_EVENT = 41;

/** Header flag LOG_EVENT_ARTIFICIAL_F: the server made this event up (fake ROTATE). It lies in the flags' low byte. */
export const LOG_EVENT_ARTIFICIAL_F = 0x20;

/** Binlog checksum algorithm byte of a FORMAT_DESCRIPTION event (MySQL `enum_binlog_checksum_alg`). */
export const CHECKSUM_ALG_OFF = 0;
export const CHECKSUM_ALG_CRC32 = 1;

/** Length of the CRC32 trailer when checksums are on. */
export const CHECKSUM_LENGTH = 4;

/** `{ file, position }` of the next event a ROTATE names. */
export interface RotateTarget {
  file: string;
  position: number;
}

/**
 * The body of a ROTATE event: position(8) then the new file name up to the end of the event
 * (minus the CRC32 trailer when checksums are on). MySQL `Rotate_log_event`.
 */
export function readRotate(event: Buffer, checksum: boolean): RotateTarget {
  const end = event.length - (checksum ? CHECKSUM_LENGTH : 0);
  if (end < 19 + 8) {
    throw new BinlakeError('BLK_P3004', `ROTATE event of ${event.length} bytes is too short`, {
      remedy:
        'the replication stream is damaged: connect to the server directly (not through a proxy); if it ' +
        'persists, report it with the server version',
      details: { hex: event.toString('hex') },
    });
  }
  const position = Number(event.readBigUInt64LE(19));
  return { file: event.toString('utf8', 19 + 8, end), position };
}

/**
 * Whether the events of the binlog file that this FORMAT_DESCRIPTION starts carry a CRC32
 * trailer. A checksum-aware server (MySQL 5.6.1+, MariaDB 5.3+) always ends its FD event with
 * the algorithm byte and a 4-byte trailer, even when the algorithm is OFF (MySQL
 * `Format_description_log_event::write`). Returns null for an older server's event.
 */
export function formatDescriptionChecksum(event: Buffer): boolean | null {
  const n = event.length;
  if (n < 19 + 2 + 50 + 5) return null;
  const version = event.toString('latin1', 21, 71).replace(/\0.*$/s, '');
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return null;
  const numeric = Number(match[1]) * 10_000 + Number(match[2]) * 100 + Number(match[3]);
  const aware = numeric >= 50601 || (/mariadb/i.test(version) && numeric >= 50300);
  if (!aware) return null;
  const alg = event[n - 5];
  if (alg === CHECKSUM_ALG_CRC32) return true;
  if (alg === CHECKSUM_ALG_OFF) return false;
  return null;
}
