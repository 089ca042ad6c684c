import { inflateSync } from 'node:zlib';
import { BinlakeError } from '../core/errors.js';

/** Largest decompressed size accepted (MariaDB's own limit is max_allowed_packet, at most 1 GiB). */
export const MAX_INFLATED = 1 << 30;

/**
 * MariaDB's compressed record (log_event.cc, `binlog_buf_compress`): one header byte
 * `0x80 | n` (top three bits 100 = zlib, low three bits n = 1..4), then the uncompressed length
 * in n bytes *big-endian*, then a zlib stream. Used by QUERY_COMPRESSED (the SQL text) and the
 * compressed rows events (everything after the column bitmaps).
 */
export function inflateMariadb(record: Buffer): Buffer {
  if (record.length < 2 || (record[0] & 0xe0) !== 0x80) {
    throw new BinlakeError('BLK_B2003', 'compressed record has an invalid header byte', {
      details: { headerByte: record[0] },
    });
  }
  const n = record[0] & 0x07;
  if (n < 1 || n > 4 || record.length < 1 + n) {
    throw new BinlakeError('BLK_B2003', `compressed record has a ${n}-byte length`, {
      details: { headerByte: record[0] },
    });
  }
  const length = record.readUIntBE(1, n);
  if (length > MAX_INFLATED) {
    throw new BinlakeError('BLK_B2003', `compressed record claims ${length} bytes`, { details: { length } });
  }
  let out: Buffer;
  try {
    out = inflateSync(record.subarray(1 + n), { maxOutputLength: Math.max(1, length) });
  } catch (cause) {
    throw new BinlakeError('BLK_B2003', 'compressed record does not inflate', { cause, details: { length } });
  }
  if (out.length !== length) {
    throw new BinlakeError(
      'BLK_B2003',
      `compressed record inflated to ${out.length} bytes, header says ${length}`,
      {
        details: { length, actual: out.length },
      },
    );
  }
  return out;
}
