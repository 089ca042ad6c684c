import { BinlakeError } from '../core/errors.js';
import type { PacketReader } from './packet-reader.js';

/*
 * MySQL 8.3+'s `mysql::serialization` wire format (libs/mysql/serialization/ in mysql-server),
 * used by GTID_TAGGED_LOG_EVENT and the tags of a tagged GTID set. Facts from its readme and
 * variable_length_integers.h:
 *
 * - A varlen integer is 1 to 9 bytes, little-endian. The number of trailing 1-bits of the first
 *   byte, plus one, is the byte count L; the value's low bits follow those marker bits in the
 *   first byte, the rest is in the next L-1 bytes, shifted left by 8-L (by 0 when L = 9: the
 *   first byte is then all marker, 0xFF, and the 8 bytes after it hold the whole value).
 *   Examples: 0 → 00, 1 → 02, 127 → fe, 300 → b1 04, 65535 → fb ff 07.
 * - Signed integers are zig-zag encoded first: 0 → 0, -1 → 1, 1 → 2, -2 → 3 …
 * - A message ("serializable") is varuint(format version or field id) varuint(size in bytes,
 *   counted from the message's first byte) varuint(last non-ignorable field id + 1, or 0), then
 *   `varuint(field id) value` pairs in ascending id order; a field at its default value may be
 *   left out, and fields a reader does not know are skipped to the message end.
 */

/** An unsigned varlen integer. */
export function readVarUint(r: PacketReader): bigint {
  const first = r.u8();
  let length = 1;
  while (length < 9 && first & (1 << (length - 1))) length++;
  if (length === 1) return BigInt(first >> 1);
  if (r.remaining < length - 1) r.truncated(length - 1);
  let tail = 0n;
  for (let i = length - 2; i >= 0; i--) tail = (tail << 8n) | BigInt(r.buf[r.pos + i]);
  r.skip(length - 1);
  const shift = length === 9 ? 0n : BigInt(8 - length);
  return (BigInt(length >= 8 ? 0 : first >> length) | (tail << shift)) & 0xffff_ffff_ffff_ffffn;
}

/** The varlen bytes of an unsigned integer below 2^64 (what `readVarUint` reads back). */
export function encodeVarUint(value: bigint): Buffer {
  const bits = value.toString(2).length; // 1 for 0: still one byte
  const length = bits > 56 ? 9 : Math.max(1, Math.ceil(bits / 7));
  const out = Buffer.alloc(length);
  if (length === 9) {
    out[0] = 0xff;
    out.writeBigUInt64LE(value, 1);
    return out;
  }
  out[0] = ((1 << (length - 1)) - 1) | Number((value << BigInt(length)) & 0xffn);
  let rest = value >> BigInt(8 - length);
  for (let i = 1; i < length; i++, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}

/** A signed (zig-zag) varlen integer. */
export function readVarInt(r: PacketReader): bigint {
  const u = readVarUint(r);
  return (u & 1n) === 0n ? u >> 1n : -(u >> 1n) - 1n;
}

/** An unsigned varlen integer that must fit `max`, as a number. */
export function readVarUintAtMost(r: PacketReader, max: number, what: string): number {
  const at = r.pos;
  const value = readVarUint(r);
  if (value > BigInt(max)) {
    throw new BinlakeError('BLK_B2003', `${what} is ${value}, above its maximum ${max}`, {
      details: { offset: at },
    });
  }
  return Number(value);
}

/** A string field: varuint length (at most `maxLength`) and that many bytes. */
export function readVarString(r: PacketReader, maxLength: number, what: string): string {
  const length = readVarUintAtMost(r, maxLength, `${what} length`);
  return r.str(length);
}

/** The field id at the read position, without consuming it; null at `end`. */
export function peekFieldId(r: PacketReader, end: number): number | null {
  if (r.pos >= end) return null;
  const at = r.pos;
  const id = readVarUint(r);
  r.pos = at;
  return id > 0xffffn ? Number.MAX_SAFE_INTEGER : Number(id);
}

/**
 * Reads and checks the three header varints of a top-level message. The message is the event
 * body, so its fields are read up to the body's end: the declared size only has to fit in it
 * (MySQL sizes the size field from the fields alone, so for a few sizes it declares one byte
 * less than it writes).
 */
export function readMessageHeader(r: PacketReader, lastKnownFieldId: number, what: string): void {
  const start = r.pos;
  const version = readVarUint(r);
  if (version !== 1n) {
    throw new BinlakeError('BLK_B2003', `${what}: serialization format version ${version}, binlake reads 1`, {
      details: { offset: start },
      remedy: 'this source writes a newer binlog format than binlake knows; please report the server version',
    });
  }
  const size = readVarUintAtMost(r, 0x7fff_ffff, `${what} size`);
  const lastNonIgnorable = readVarUint(r);
  if (lastNonIgnorable > BigInt(lastKnownFieldId + 1)) {
    throw new BinlakeError(
      'BLK_B2003',
      `${what} has fields binlake does not know and must not ignore (up to id ${lastNonIgnorable - 1n})`,
      {
        details: { offset: start },
        remedy:
          'this source writes a newer binlog format than binlake knows; please report the server version',
      },
    );
  }
  if (start + size > r.end) {
    throw new BinlakeError(
      'BLK_B2001',
      `${what} declares ${size} bytes, the event body has ${r.end - start}`,
      {
        details: { offset: start, need: size, have: r.end - start },
      },
    );
  }
}
