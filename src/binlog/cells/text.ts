import type { Value } from '../../core/values.js';
import type { JsonBytes } from '../json-bytes.js';
import { decodeLatin1, decodeUtf32 } from './charset.js';
import { type ColumnPlan, view } from './plan.js';

/**
 * Turns `len` stored bytes at `p` into the column's Value: a string in the column charset, or
 * a Uint8Array (a view, no copy) for binary data and undecodable charsets; BINARY(n) is re-padded
 * with 0x00 to n bytes because the binlog strips the padding (MySQL `Field_string::pack`).
 */
export function textValue(buf: Buffer, p: number, len: number, c: ColumnPlan): Value {
  const codec = c.codec;
  if (codec === null) {
    if (c.padTo > len) {
      const out = new Uint8Array(c.padTo);
      out.set(buf.subarray(p, p + len));
      return out;
    }
    return view(buf, p, len);
  }
  if (codec.kind === 'utf8') return buf.toString('utf8', p, p + len);
  if (codec.kind === 'latin1') return decodeLatin1(buf, p, p + len);
  if (codec.kind === 'decoder') return codec.decoder.decode(buf.subarray(p, p + len));
  return decodeUtf32(buf, p, p + len);
}

/**
 * `out.value(textValue(buf, p, len, c))` for a column whose codec reads printable ASCII as
 * itself (utf8 and latin1): such values (most) are copied as they stand, without a string.
 */
export function writeTextJson(buf: Buffer, p: number, len: number, c: ColumnPlan, out: JsonBytes): void {
  if (!out.plainAsciiString(buf, p, len)) out.value(textValue(buf, p, len, c));
}
