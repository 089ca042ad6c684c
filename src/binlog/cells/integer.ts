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

/** JSON writers of the integers that fit a number (BIGINT is a bigint, a string in JSON). */
export const INTEGER_JSON: ReadonlyMap<CellDecoder, CellJsonWriter> = new Map(
  [
    tinySigned,
    tinyUnsigned,
    shortSigned,
    shortUnsigned,
    int24Signed,
    int24Unsigned,
    longSigned,
    longUnsigned,
  ].map((read): [CellDecoder, CellJsonWriter] => [read, (r, c, out) => out.integer(read(r, c) as number)]),
);

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
