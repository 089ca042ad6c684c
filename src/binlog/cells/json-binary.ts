import { BinlakeError } from '../../core/errors.js';
import { ColumnType } from './column-type.js';
import { decimalSize, decodeDecimal } from './decimal.js';

/**
 * MySQL 8 binary JSON (sql-common/json_binary.h, "JSON binary format") → the JSON text MySQL's
 * SELECT prints: `{"a": 1, "b": [true, null]}` (", " and ": " separators, keys in stored order).
 *
 *   doc    ::= type value
 *   type   ::= 0x00 small object | 0x01 large object | 0x02 small array | 0x03 large array
 *            | 0x04 literal (0 null, 1 true, 2 false) | 0x05 int16 | 0x06 uint16 | 0x07 int32
 *            | 0x08 uint32 | 0x09 int64 | 0x0a uint64 | 0x0b double | 0x0c string | 0x0f opaque
 *   object ::= count size key-entry* value-entry* key* value*   (count/size/offsets: 2 bytes
 *              small, 4 bytes large; key-entry = offset + 2-byte length; value-entry = type +
 *              offset, or the value itself for literals and (u)int16 — and (u)int32 when large)
 *   string ::= varlen utf8mb4   (varlen: 7 bits per byte, low first, high bit = more)
 *   opaque ::= field-type varlen bytes
 *
 * Offsets are relative to the start of the enclosing object/array (after its type byte).
 * Every offset is checked against the document; nesting is limited to 150 and the work to a
 * budget of value visits so a corrupted document cannot recurse or loop without bound.
 */
const MAX_DEPTH = 150;

class JsonReader {
  budget: number;
  constructor(
    readonly b: Uint8Array,
    readonly start: number,
    readonly end: number,
  ) {
    this.budget = (end - start) * 4 + 64;
  }

  fail(message: string, offset: number): never {
    throw new BinlakeError('BLK_B2003', `binary JSON: ${message}`, {
      details: { jsonOffset: offset - this.start },
    });
  }

  need(p: number, n: number): void {
    if (p < this.start || p + n > this.end) this.fail(`needs ${n} bytes at ${p - this.start}`, p);
  }

  u16(p: number): number {
    this.need(p, 2);
    return this.b[p] | (this.b[p + 1] << 8);
  }

  u32(p: number): number {
    this.need(p, 4);
    return (this.b[p] | (this.b[p + 1] << 8) | (this.b[p + 2] << 16)) + this.b[p + 3] * 0x1000000;
  }

  dv(p: number, n: number): DataView {
    this.need(p, n);
    return new DataView(this.b.buffer, this.b.byteOffset + p, n);
  }

  /** Variable-length size: returns [value, bytes used]. */
  varlen(p: number): [number, number] {
    let v = 0;
    for (let i = 0; i < 5; i++) {
      this.need(p + i, 1);
      const byte = this.b[p + i];
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return [v, i + 1];
    }
    return this.fail('string length longer than 5 bytes', p);
  }

  text(p: number, n: number): string {
    this.need(p, n);
    return Buffer.from(this.b.buffer, this.b.byteOffset + p, n).toString('utf8');
  }

  /** The value of `type` stored at `p`. */
  value(type: number, p: number, depth: number): string {
    if (--this.budget < 0) this.fail('document is too large for its size (corrupt offsets)', p);
    switch (type) {
      case 0x00:
        return this.object(p, false, depth);
      case 0x01:
        return this.object(p, true, depth);
      case 0x02:
        return this.array(p, false, depth);
      case 0x03:
        return this.array(p, true, depth);
      case 0x04:
        this.need(p, 1);
        return this.literal(this.b[p], p);
      case 0x05:
        return String(this.dv(p, 2).getInt16(0, true));
      case 0x06:
        return String(this.u16(p));
      case 0x07:
        return String(this.dv(p, 4).getInt32(0, true));
      case 0x08:
        return String(this.u32(p));
      case 0x09:
        return String(this.dv(p, 8).getBigInt64(0, true));
      case 0x0a:
        return String(this.dv(p, 8).getBigUint64(0, true));
      case 0x0b:
        return formatJsonDouble(this.dv(p, 8).getFloat64(0, true));
      case 0x0c: {
        const [len, used] = this.varlen(p);
        return quote(this.text(p + used, len));
      }
      case 0x0f: {
        this.need(p, 1);
        const fieldType = this.b[p];
        const [len, used] = this.varlen(p + 1);
        this.need(p + 1 + used, len);
        return this.opaque(fieldType, p + 1 + used, len);
      }
      default:
        return this.fail(`unknown value type 0x${type.toString(16)}`, p);
    }
  }

  literal(v: number, p: number): string {
    if (v === 0) return 'null';
    if (v === 1) return 'true';
    if (v === 2) return 'false';
    return this.fail(`unknown literal ${v}`, p);
  }

  /** A value entry at `e` inside the container starting at `base`. */
  entry(base: number, e: number, large: boolean, depth: number): string {
    this.need(e, 1);
    const type = this.b[e];
    const at = e + 1;
    switch (type) {
      case 0x04:
        this.need(at, 1);
        return this.literal(this.b[at], at);
      case 0x05:
        return String(this.dv(at, 2).getInt16(0, true));
      case 0x06:
        return String(this.u16(at));
      case 0x07:
        if (large) return String(this.dv(at, 4).getInt32(0, true));
        break;
      case 0x08:
        if (large) return String(this.u32(at));
        break;
    }
    const offset = large ? this.u32(at) : this.u16(at);
    return this.value(type, base + offset, depth + 1);
  }

  object(base: number, large: boolean, depth: number): string {
    if (depth > MAX_DEPTH) this.fail('nested too deeply', base);
    const w = large ? 4 : 2;
    const count = large ? this.u32(base) : this.u16(base);
    const size = large ? this.u32(base + w) : this.u16(base + w);
    this.need(base, size);
    const keyEntry = w + 2;
    const valueEntry = 1 + w;
    this.need(base, 2 * w + count * (keyEntry + valueEntry));
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const k = base + 2 * w + i * keyEntry;
      const keyOffset = large ? this.u32(k) : this.u16(k);
      const keyLength = this.u16(k + w);
      const key = this.text(base + keyOffset, keyLength);
      const v = base + 2 * w + count * keyEntry + i * valueEntry;
      parts.push(`${quote(key)}: ${this.entry(base, v, large, depth)}`);
    }
    return `{${parts.join(', ')}}`;
  }

  array(base: number, large: boolean, depth: number): string {
    if (depth > MAX_DEPTH) this.fail('nested too deeply', base);
    const w = large ? 4 : 2;
    const count = large ? this.u32(base) : this.u16(base);
    const size = large ? this.u32(base + w) : this.u16(base + w);
    this.need(base, size);
    const valueEntry = 1 + w;
    this.need(base, 2 * w + count * valueEntry);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.entry(base, base + 2 * w + i * valueEntry, large, depth));
    return `[${parts.join(', ')}]`;
  }

  /**
   * Opaque values: temporal types hold an 8-byte packed "longlong" (my_time.h
   * `TIME_to_longlong_*_packed`) and print as quoted text with 6 fraction digits (DATE without
   * time); NEWDECIMAL holds precision, scale, binary decimal and prints as a number; anything
   * else prints as MySQL does: "base64:type<N>:<base64>".
   */
  opaque(fieldType: number, p: number, len: number): string {
    switch (fieldType) {
      case ColumnType.DATE:
      case ColumnType.DATETIME:
      case ColumnType.TIMESTAMP:
      case ColumnType.TIME:
        if (len >= 8) return quote(packedTemporal(fieldType, this.dv(p, 8).getBigInt64(0, true)));
        break;
      case ColumnType.NEWDECIMAL:
        if (len >= 2) {
          const precision = this.b[p];
          const scale = this.b[p + 1];
          if (precision >= 1 && precision <= 65 && scale <= precision && scale <= 30) {
            this.need(p + 2, decimalSize(precision, scale));
            return decodeDecimal(this.b, p + 2, precision, scale);
          }
        }
        break;
    }
    const b64 = Buffer.from(this.b.buffer, this.b.byteOffset + p, len).toString('base64');
    return quote(`base64:type${fieldType}:${b64}`);
  }
}

function p2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Unpacks MySQL's in-memory packed temporal longlong into SELECT text. */
export function packedTemporal(fieldType: number, packed: bigint): string {
  const negative = packed < 0n;
  const v = negative ? -packed : packed;
  const micros = Number(v % (1n << 24n));
  const frac = `.${String(micros).padStart(6, '0')}`;
  const ymdhms = Number(v >> 24n);
  if (fieldType === ColumnType.TIME) {
    const hms = ymdhms;
    return `${negative ? '-' : ''}${p2(Math.floor(hms / 4096) % 1024)}:${p2((hms >> 6) & 63)}:${p2(hms & 63)}${frac}`;
  }
  const ymd = Math.floor(ymdhms / 0x20000);
  const hms = ymdhms % 0x20000;
  const ym = Math.floor(ymd / 32);
  const date = `${String(Math.floor(ym / 13)).padStart(4, '0')}-${p2(ym % 13)}-${p2(ymd % 32)}`;
  if (fieldType === ColumnType.DATE) return date;
  return `${date} ${p2(hms >> 12)}:${p2((hms >> 6) & 63)}:${p2(hms & 63)}${frac}`;
}

/** JSON string quoting as MySQL prints it: `"`, `\`, and control characters escaped; the rest as is. */
export function quote(s: string): string {
  if (!/["\\\u0000-\u001f]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 12) out += '\\f';
    else if (c === 13) out += '\\r';
    else if (c < 0x20) out += `\\u00${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * A double as MySQL prints it in JSON (`my_gcvt` with width DBL_DIG + 7 = 22): the shortest
 * round-trip digits, fixed notation unless the exponent is below -4 or above 15 (or the fixed
 * form is wider than 22), then `1e300` / `1.5e-7` style; integral values get ".0".
 */
export function formatJsonDouble(d: number): string {
  if (!Number.isFinite(d)) return String(d);
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const negative = d < 0;
  const [mantissa, expText] = Math.abs(d).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1;
  const len = digits.length;
  const width = negative ? 21 : 22;
  const fixedLength = decpt <= 0 ? len - decpt + 2 : decpt < len ? len + 1 : decpt;
  let out: string;
  if (decpt < -3 || decpt > 15 || fixedLength > width) {
    out = `${digits[0]}${len > 1 ? `.${digits.slice(1)}` : ''}e${exp}`;
  } else if (decpt <= 0) {
    out = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt < len) {
    out = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  } else {
    out = `${digits}${'0'.repeat(decpt - len)}.0`;
  }
  return negative ? `-${out}` : out;
}

/** Converts one binary JSON document (the whole column value) to MySQL's JSON text. */
export function jsonBinaryToText(b: Uint8Array, start: number, end: number): string {
  if (end <= start) return 'null'; // an empty value is how MySQL logs a JSON NULL document
  const r = new JsonReader(b, start, end);
  return r.value(b[start], start + 1, 0);
}
