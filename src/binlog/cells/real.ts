import { ColumnType } from './column-type.js';
import type { CellDecoder, ColumnPlan } from './plan.js';

/** FLOAT: the exact float32 as a number (readFloatLE is exact); DOUBLE: IEEE 754 LE. */
const float: CellDecoder = (r) => r.buf.readFloatLE(r.take(4));
const double: CellDecoder = (r) => r.buf.readDoubleLE(r.take(8));

export function realDecoder(c: ColumnPlan): CellDecoder {
  return c.type === ColumnType.FLOAT ? float : double;
}
