import type { Value } from '../../core/values.js';
import type { JsonBytes } from '../json-bytes.js';
import type { PacketReader } from '../packet-reader.js';
import type { TextCodec } from './charset.js';

/**
 * Everything needed to decode one column of one table, fixed when a TABLE_MAP is compiled.
 * Cell decoders are plain module-level functions `(reader, plan) => Value`; a compiled table is
 * an array of plans, so decoding a row allocates nothing but the row and its values.
 */
export interface ColumnPlan {
  index: number;
  name: string;
  /** Type code as the TABLE_MAP lists it. */
  type: number;
  /** The real type: STRING's metadata may say ENUM or SET; otherwise `type`. */
  realType: number;
  /** Raw metadata: fsp, length bytes, VARCHAR max length, etc. */
  meta: number;
  /** STRING/VARCHAR max byte length; BIT byte count; ENUM/SET pack length. */
  length: number;
  /** NEWDECIMAL precision and scale. */
  precision: number;
  scale: number;
  unsigned: boolean;
  nullable: boolean;
  /** MySQL charset name of a text column; null for binary data or when unknown. */
  charset: string | null;
  /** How text bytes become a string; null ⇒ the value is a Uint8Array. */
  codec: TextCodec | null;
  /** Re-pad BINARY(n) values to this many bytes with 0x00 (the binlog strips them); 0 for none. */
  padTo: number;
  /** ENUM/SET members in order; null when neither the table map nor a hint says. */
  members: string[] | null;
  read: CellDecoder;
  /** Writes the cell as dump JSON: exactly `out.value(read(r, c))`, often without the value. */
  json: CellJsonWriter;
}

export type CellDecoder = (r: PacketReader, c: ColumnPlan) => Value;
export type CellJsonWriter = (r: PacketReader, c: ColumnPlan, out: JsonBytes) => void;

/** A view on `len` bytes at `p` of the reader's buffer, as a plain Uint8Array (no copy). */
export function view(buf: Buffer, p: number, len: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + p, len);
}
