import { BinlakeError } from '../../core/errors.js';
import type { PacketReader } from '../packet-reader.js';
import { ColumnType } from './column-type.js';
import type { CellDecoder, CellJsonWriter, ColumnPlan } from './plan.js';
import { textValue, writeTextJson } from './text.js';

/**
 * VARCHAR / VAR_STRING / STRING: a 1-byte length when the column's max byte length is below
 * 256, else 2 bytes; then the bytes. STRING also carries CHAR, BINARY, ENUM and SET (the real
 * type is in the metadata): ENUM is its 1- or 2-byte index, SET its 1..8-byte bitmask.
 */
const readShort: CellDecoder = (r, c) => {
  const b = r.buf;
  const len = b[r.take(1)];
  return textValue(b, r.take(len), len, c);
};

const readLong: CellDecoder = (r, c) => {
  const b = r.buf;
  const len = b.readUInt16LE(r.take(2));
  return textValue(b, r.take(len), len, c);
};

/** The JSON writers of readShort and readLong (see `TEXT_JSON` in the registry). */
export const STRING_JSON: ReadonlyMap<CellDecoder, CellJsonWriter> = new Map<CellDecoder, CellJsonWriter>([
  [
    readShort,
    (r, c, out) => {
      const b = r.buf;
      const len = b[r.take(1)];
      writeTextJson(b, r.take(len), len, c, out);
    },
  ],
  [
    readLong,
    (r, c, out) => {
      const b = r.buf;
      const len = b.readUInt16LE(r.take(2));
      writeTextJson(b, r.take(len), len, c, out);
    },
  ],
]);

function enumIndex(r: PacketReader, c: ColumnPlan): number {
  return c.length === 1 ? r.buf[r.take(1)] : r.buf.readUInt16LE(r.take(2));
}

/** ENUM: the member text ('' for the error value 0); the index when the members are unknown. */
const readEnum: CellDecoder = (r, c) => {
  const index = enumIndex(r, c);
  const members = c.members;
  if (members === null) return index;
  if (index === 0) return '';
  const member = members[index - 1];
  if (member === undefined) {
    throw new BinlakeError('BLK_B2003', `ENUM index ${index} is beyond the ${members.length} members`, {
      details: { column: c.name },
    });
  }
  return member;
};

function setMask(r: PacketReader, c: ColumnPlan): bigint {
  const n = c.length;
  const p = r.take(n);
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.buf[p + i]);
  return v;
}

/** SET: the members joined by ',' in declaration order; the bitmask (bigint) when unknown. */
const readSet: CellDecoder = (r, c) => {
  const mask = setMask(r, c);
  const members = c.members;
  if (members === null) return mask;
  const out: string[] = [];
  for (let i = 0; i < members.length && i < 64; i++) if ((mask >> BigInt(i)) & 1n) out.push(members[i]);
  return out.join(',');
};

export function stringDecoder(c: ColumnPlan): CellDecoder {
  if (c.realType === ColumnType.ENUM) {
    if (c.length !== 1 && c.length !== 2) return invalid(c, `ENUM pack length ${c.length}`);
    return readEnum;
  }
  if (c.realType === ColumnType.SET) {
    if (c.length < 1 || c.length > 8) return invalid(c, `SET pack length ${c.length}`);
    return readSet;
  }
  return c.length < 256 ? readShort : readLong;
}

export function invalid(c: ColumnPlan, what: string): CellDecoder {
  return () => {
    throw new BinlakeError('BLK_B2003', `column ${c.name}: invalid metadata (${what})`, {
      details: { column: c.name, type: c.type },
    });
  };
}
