import { BinlakeError } from '../../core/errors.js';
import type { PacketReader } from '../packet-reader.js';
import type { CellDecoder, ColumnPlan } from './plan.js';

/**
 * NEWDECIMAL, MySQL's binary decimal (strings/decimal.cc `decimal2bin`): the integer and
 * fraction digits in groups of 9 decimal digits per 4 bytes, a leading/trailing partial group
 * in 1..4 bytes, all big-endian; the sign bit is the inverted top bit of the first byte and a
 * negative number has every byte inverted. Output: canonical text with exactly `scale` decimals.
 */
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const scratch = new Uint8Array(64);

export function decimalSize(precision: number, scale: number): number {
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9] + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9];
}

function group(p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + scratch[p + i];
  return v;
}

export function decodeDecimal(buf: Uint8Array, start: number, precision: number, scale: number): string {
  const intg = precision - scale;
  const intg0 = Math.floor(intg / 9);
  const intg0x = intg % 9;
  const frac0 = Math.floor(scale / 9);
  const frac0x = scale % 9;
  const size = intg0 * 4 + DIG2BYTES[intg0x] + frac0 * 4 + DIG2BYTES[frac0x];
  const negative = (buf[start] & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  for (let i = 0; i < size; i++) scratch[i] = buf[start + i] ^ mask;
  scratch[0] ^= 0x80;
  let p = 0;
  let int = '';
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x];
    const v = group(p, n);
    p += n;
    if (v !== 0) int = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = group(p, 4);
    p += 4;
    int = int === '' ? (v === 0 ? '' : String(v)) : int + String(v).padStart(9, '0');
  }
  let frac = '';
  for (let i = 0; i < frac0; i++) {
    frac += String(group(p, 4)).padStart(9, '0');
    p += 4;
  }
  if (frac0x > 0) {
    const n = DIG2BYTES[frac0x];
    frac += String(group(p, n)).padStart(frac0x, '0');
  }
  if (int === '') int = '0';
  const zero = int === '0' && !/[1-9]/.test(frac);
  return (negative && !zero ? '-' : '') + int + (scale > 0 ? `.${frac}` : '');
}

const readDecimal: CellDecoder = (r: PacketReader, c: ColumnPlan) => {
  const size = c.length;
  const p = r.take(size);
  return decodeDecimal(r.buf, p, c.precision, c.scale);
};

export function decimalDecoder(c: ColumnPlan): CellDecoder {
  if (c.precision < 1 || c.precision > 65 || c.scale > 30 || c.scale > c.precision) {
    return () => {
      throw new BinlakeError('BLK_B2003', `invalid DECIMAL(${c.precision},${c.scale}) metadata`, {
        details: { column: c.name },
      });
    };
  }
  c.length = decimalSize(c.precision, c.scale);
  return readDecimal;
}
