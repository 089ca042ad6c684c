import { ColumnType } from './column-type.js';
import type { CellDecoder, ColumnPlan } from './plan.js';

/**
 * Dates and times. Old formats (pre-5.6 DATETIME, TIME, TIMESTAMP) are little-endian numbers;
 * the 5.6 "2" formats are big-endian packed values followed by (fsp+1)/2 fraction bytes
 * (MySQL `my_time.cc`: `my_datetime_packed_from_binary`, `my_time_packed_from_binary`,
 * `my_timestamp_from_binary`). Output text follows `src/core/values.ts`: zero parts are kept,
 * fractions have exactly fsp digits, TIMESTAMP is UTC.
 */

function p2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function p4(n: number): string {
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n);
}

/** ".ffffff" cut to fsp digits; '' for fsp 0. */
function fraction(micros: number, fsp: number): string {
  if (fsp <= 0) return '';
  return `.${String(micros).padStart(6, '0').slice(0, fsp)}`;
}

/** Reads the (fsp+1)/2 fraction bytes of the "2" formats and returns microseconds. */
function readFraction(buf: Buffer, p: number, fsp: number): number {
  switch (fsp) {
    case 1:
    case 2:
      return buf[p] * 10000;
    case 3:
    case 4:
      return buf.readUInt16BE(p) * 100;
    case 5:
    case 6:
      return buf.readUIntBE(p, 3);
    default:
      return 0;
  }
}

function fractionBytes(fsp: number): number {
  return (fsp + 1) >> 1;
}

const readYear: CellDecoder = (r) => {
  const v = r.buf[r.take(1)];
  return v === 0 ? 0 : 1900 + v;
};

const readDate: CellDecoder = (r) => {
  const v = r.buf.readUIntLE(r.take(3), 3);
  return `${p4(v >> 9)}-${p2((v >> 5) & 15)}-${p2(v & 31)}`;
};

/** Old DATETIME: 8 bytes LE holding YYYYMMDDhhmmss as a decimal number. */
const readDatetime: CellDecoder = (r) => {
  const v = Number(r.buf.readBigUInt64LE(r.take(8)));
  const d = Math.floor(v / 1000000);
  const t = v % 1000000;
  return `${p4(Math.floor(d / 10000))}-${p2(Math.floor(d / 100) % 100)}-${p2(d % 100)} ${p2(
    Math.floor(t / 10000),
  )}:${p2(Math.floor(t / 100) % 100)}:${p2(t % 100)}`;
};

/** DATETIME2: 40-bit big-endian value offset by 2^39: sign, year*13+month, day, h, m, s. */
const readDatetime2: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const p = r.take(5 + fractionBytes(fsp));
  const b = r.buf;
  const packed = b.readUIntBE(p, 5) - 0x8000000000;
  const ymd = Math.floor(packed / 0x20000);
  const hms = packed % 0x20000;
  const ym = ymd >> 5;
  const micros = readFraction(b, p + 5, fsp);
  return `${p4(Math.floor(ym / 13))}-${p2(ym % 13)}-${p2(ymd & 31)} ${p2(hms >> 12)}:${p2((hms >> 6) & 63)}:${p2(
    hms & 63,
  )}${fraction(micros, fsp)}`;
};

function utcText(seconds: number, micros: number, fsp: number): string {
  if (seconds === 0 && micros === 0) return `0000-00-00 00:00:00${fraction(0, fsp)}`;
  const d = new Date(seconds * 1000);
  return `${p4(d.getUTCFullYear())}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(
    d.getUTCMinutes(),
  )}:${p2(d.getUTCSeconds())}${fraction(micros, fsp)}`;
}

const readTimestamp: CellDecoder = (r) => utcText(r.buf.readUInt32LE(r.take(4)), 0, 0);

const readTimestamp2: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const p = r.take(4 + fractionBytes(fsp));
  return utcText(r.buf.readUInt32BE(p), readFraction(r.buf, p + 4, fsp), fsp);
};

function timeText(negative: boolean, h: number, m: number, s: number, micros: number, fsp: number): string {
  return `${negative ? '-' : ''}${p2(h)}:${p2(m)}:${p2(s)}${fraction(micros, fsp)}`;
}

/** Old TIME: 3 bytes LE signed, HHMMSS as a decimal number. */
const readTime: CellDecoder = (r) => {
  let v = r.buf.readIntLE(r.take(3), 3);
  const negative = v < 0;
  if (negative) v = -v;
  return timeText(negative, Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100, 0, 0);
};

/**
 * TIME2: a 24-bit big-endian integer part (offset 2^23: hours<<12 | minutes<<6 | seconds)
 * plus a fraction; negative values borrow one from the integer part when the fraction is not 0.
 */
const readTime2: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const b = r.buf;
  const p = r.take(3 + fractionBytes(fsp));
  let packed: number; // (intpart << 24) + signed micros
  if (fsp >= 5) {
    packed = b.readUIntBE(p, 6) - 0x800000000000;
  } else {
    let intpart = b.readUIntBE(p, 3) - 0x800000;
    let frac = 0;
    if (fsp === 1 || fsp === 2) {
      frac = b[p + 3];
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x100;
      }
      frac *= 10000;
    } else if (fsp === 3 || fsp === 4) {
      frac = b.readUInt16BE(p + 3);
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x10000;
      }
      frac *= 100;
    }
    packed = intpart * 0x1000000 + frac;
  }
  const negative = packed < 0;
  if (negative) packed = -packed;
  const hms = Math.floor(packed / 0x1000000);
  const micros = packed % 0x1000000;
  return timeText(negative, (hms >> 12) % 1024, (hms >> 6) & 63, hms & 63, micros, fsp);
};

export function temporalDecoder(c: ColumnPlan): CellDecoder {
  switch (c.type) {
    case ColumnType.YEAR:
      return readYear;
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return readDate;
    case ColumnType.DATETIME:
      return readDatetime;
    case ColumnType.DATETIME2:
      return readDatetime2;
    case ColumnType.TIMESTAMP:
      return readTimestamp;
    case ColumnType.TIMESTAMP2:
      return readTimestamp2;
    case ColumnType.TIME:
      return readTime;
    default:
      return readTime2;
  }
}
