import type { Row, Value } from '../core/values.js';

/**
 * Lossless JSON for a Row (keyset cursors in the sink state). Plain JSON keeps strings, finite
 * numbers and null; `bigint` becomes `{"$bigint":"…"}` and `Uint8Array` `{"$hex":"…"}`; -0,
 * NaN and ±Infinity (possible in FLOAT/DOUBLE) become `{"$number":"…"}`.
 */
type JsonCell = null | number | string | { $bigint: string } | { $hex: string } | { $number: string };

function encodeValue(value: Value): JsonCell {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value === 'number') {
    return Number.isFinite(value) && !Object.is(value, -0)
      ? value
      : { $number: Object.is(value, -0) ? '-0' : String(value) };
  }
  return { $hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
}

function decodeValue(cell: unknown): Value {
  if (cell === null || typeof cell === 'string' || typeof cell === 'number') return cell;
  if (typeof cell === 'object') {
    const o = cell as Record<string, unknown>;
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (typeof o.$hex === 'string') return new Uint8Array(Buffer.from(o.$hex, 'hex'));
    if (typeof o.$number === 'string') return o.$number === '-0' ? -0 : Number(o.$number);
  }
  throw new TypeError(`not an encoded value: ${JSON.stringify(cell)}`);
}

export function encodeRow(row: Row): string {
  return JSON.stringify(row.map(encodeValue));
}

export function decodeRow(text: string): Row {
  const cells: unknown = JSON.parse(text);
  if (!Array.isArray(cells)) throw new TypeError('an encoded row must be a JSON array');
  return cells.map(decodeValue);
}
