import type { PacketReader } from '../packet-reader.js';
import { ColumnType } from './column-type.js';
import type { CellDecoder, CellJsonWriter, ColumnPlan } from './plan.js';

/** TINYINT..BIGINT, signed and unsigned: little-endian, two's complement; BIGINT as bigint. */
const tinySigned: CellDecoder = (r) => r.buf.readInt8(r.take(1));
const tinyUnsigned: CellDecoder = (r) => r.buf[r.take(1)];
const shortSigned: CellDecoder = (r) => r.buf.readInt16LE(r.take(2));
const shortUnsigned: CellDecoder = (r) => r.buf.readUInt16LE(r.take(2));
const int24Signed: CellDecoder = (r) => r.buf.readIntLE(r.take(3), 3);
const int24Unsigned: CellDecoder = (r) => r.buf.readUIntLE(r.take(3), 3);
const longSigned: CellDecoder = (r) => r.buf.readInt32LE(r.take(4));
const longUnsigned: CellDecoder = (r) => r.buf.readUInt32LE(r.take(4));
const longlongSigned: CellDecoder = (r) => r.buf.readBigInt64LE(r.take(8));
const longlongUnsigned: CellDecoder = (r) => r.buf.readBigUInt64LE(r.take(8));

/**
 * JSON writers of the integers that fit a number (BIGINT is a bigint, a string in JSON): the
 * bytes are read here, not through the Buffer methods of the decoders above, which check bounds
 * that `take` has already checked.
 */
export const INTEGER_JSON: ReadonlyMap<CellDecoder, CellJsonWriter> = new Map<CellDecoder, CellJsonWriter>([
  [tinySigned, (r, _c, out) => out.integer((r.buf[r.take(1)] << 24) >> 24)],
  [tinyUnsigned, (r, _c, out) => out.integer(r.buf[r.take(1)])],
  [
    shortSigned,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(2);
      out.integer(((b[p] | (b[p + 1] << 8)) << 16) >> 16);
    },
  ],
  [
    shortUnsigned,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(2);
      out.integer(b[p] | (b[p + 1] << 8));
    },
  ],
  [
    int24Signed,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(3);
      out.integer(((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) << 8) >> 8);
    },
  ],
  [
    int24Unsigned,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(3);
      out.integer(b[p] | (b[p + 1] << 8) | (b[p + 2] << 16));
    },
  ],
  [
    longSigned,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(4);
      out.integer(b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24));
    },
  ],
  [
    longUnsigned,
    (r, _c, out) => {
      const b = r.buf;
      const p = r.take(4);
      out.integer((b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0);
    },
  ],
]);

export function integerDecoder(c: ColumnPlan): CellDecoder {
  switch (c.type) {
    case ColumnType.TINY:
      return c.unsigned ? tinyUnsigned : tinySigned;
    case ColumnType.SHORT:
      return c.unsigned ? shortUnsigned : shortSigned;
    case ColumnType.INT24:
      return c.unsigned ? int24Unsigned : int24Signed;
    case ColumnType.LONG:
      return c.unsigned ? longUnsigned : longSigned;
    default:
      return c.unsigned ? longlongUnsigned : longlongSigned;
  }
}

/** Used by tests and by `PacketReader` users that need the same conversions. */
export function readIntegerCell(r: PacketReader, c: ColumnPlan) {
  return integerDecoder(c)(r, c);
}
