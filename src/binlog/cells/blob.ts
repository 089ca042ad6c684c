import { BinlakeError } from '../../core/errors.js';
import type { PacketReader } from '../packet-reader.js';
import { type CellDecoder, type CellJsonWriter, type ColumnPlan, view } from './plan.js';
import { invalid } from './string.js';
import { textValue, writeTextJson } from './text.js';

/**
 * BLOB/TEXT family and GEOMETRY: a 1..4-byte little-endian length (the metadata says how many
 * bytes), then the data. TEXT (and MariaDB's JSON, a LONGTEXT) decodes by charset; GEOMETRY is
 * the stored 4-byte SRID + WKB, kept as bytes.
 */
export function blobLength(r: PacketReader, c: ColumnPlan): number {
  const b = r.buf;
  switch (c.meta) {
    case 1:
      return b[r.take(1)];
    case 2:
      return b.readUInt16LE(r.take(2));
    case 3:
      return b.readUIntLE(r.take(3), 3);
    case 4:
      return b.readUInt32LE(r.take(4));
    default:
      throw new BinlakeError('BLK_B2003', `invalid blob length size ${c.meta}`, {
        details: { column: c.name },
      });
  }
}

const readBlob: CellDecoder = (r, c) => {
  const len = blobLength(r, c);
  return textValue(r.buf, r.take(len), len, c);
};

/** The JSON writer of readBlob (see `TEXT_JSON` in the registry). */
export const BLOB_JSON: ReadonlyMap<CellDecoder, CellJsonWriter> = new Map<CellDecoder, CellJsonWriter>([
  [
    readBlob,
    (r, c, out) => {
      const len = blobLength(r, c);
      writeTextJson(r.buf, r.take(len), len, c, out);
    },
  ],
]);

const readGeometry: CellDecoder = (r, c) => {
  const len = blobLength(r, c);
  return view(r.buf, r.take(len), len);
};

export function blobDecoder(c: ColumnPlan): CellDecoder {
  if (c.meta < 1 || c.meta > 4) return invalid(c, `blob length size ${c.meta}`);
  return readBlob;
}

export function geometryDecoder(c: ColumnPlan): CellDecoder {
  if (c.meta < 1 || c.meta > 4) return invalid(c, `geometry length size ${c.meta}`);
  return readGeometry;
}
