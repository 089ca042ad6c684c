import type { CellDecoder, ColumnPlan } from './plan.js';

/** BIT(n): ceil(n/8) bytes, big-endian, as an unsigned bigint. `length` holds the byte count. */
const readBit: CellDecoder = (r, c) => {
  const n = c.length;
  const p = r.take(n);
  const b = r.buf;
  if (n <= 6) return BigInt(n === 0 ? 0 : b.readUIntBE(p, n));
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[p + i]);
  return v;
};

export function bitDecoder(_c: ColumnPlan): CellDecoder {
  return readBit;
}
