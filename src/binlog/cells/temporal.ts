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

/**
 * MariaDB's pre-10.1 "hires" formats (tables created with mysql56_temporal_format=OFF, or
 * upgraded from 5.3-10.0): TIME(n)/DATETIME(n)/TIMESTAMP(n) with n > 0 are logged under the old
 * type codes *without* metadata, so only the schema's fsp tells their size (sql/field.cc
 * `Field_*_hires`, sql_type.cc `hires_bytes`). Values are big-endian:
 *   DATETIME: pack_time(t) / 10^(6-n)      where pack_time = ((((y*13+m)*32+d)*24+h)*60+mi)*60+s)*10^6+us
 *   TIME:     same + zero point (838:59:59 + 1 s, shifted the same way)
 *   TIMESTAMP: 4-byte seconds, then us / 10^(6-n) in (n+1)/2 bytes
 */
const DATETIME_HIRES_BYTES = [5, 6, 6, 7, 7, 7, 8];
const TIME_HIRES_BYTES = [3, 4, 4, 5, 5, 5, 6];
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

function beUnsigned(buf: Buffer, p: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[p + i]);
  return v;
}

const readDatetimeHires: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const n = DATETIME_HIRES_BYTES[fsp];
  const packed = beUnsigned(r.buf, r.take(n), n) * BigInt(POW10[6 - fsp]);
  const micros = Number(packed % 1000000n);
  let t = packed / 1000000n;
  const second = Number(t % 60n);
  t /= 60n;
  const minute = Number(t % 60n);
  t /= 60n;
  const hour = Number(t % 24n);
  t /= 24n;
  const day = Number(t % 32n);
  t /= 32n;
  const month = Number(t % 13n);
  const year = Number(t / 13n);
  return `${p4(year)}-${p2(month)}-${p2(day)} ${p2(hour)}:${p2(minute)}:${p2(second)}${fraction(micros, fsp)}`;
};

const TIME_ZERO_POINT = 3020400n * 1000000n;

const readTimeHires: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const n = TIME_HIRES_BYTES[fsp];
  let packed = beUnsigned(r.buf, r.take(n), n) * BigInt(POW10[6 - fsp]) - TIME_ZERO_POINT;
  const negative = packed < 0n;
  if (negative) packed = -packed;
  const micros = Number(packed % 1000000n);
  const t = Number(packed / 1000000n);
  return timeText(negative, Math.floor(t / 3600), Math.floor(t / 60) % 60, t % 60, micros, fsp);
};

const readTimestampHires: CellDecoder = (r, c) => {
  const fsp = c.meta;
  const n = fractionBytes(fsp);
  const p = r.take(4 + n);
  const micros = r.buf.readUIntBE(p + 4, n) * POW10[6 - fsp];
  return utcText(r.buf.readUInt32BE(p), micros, fsp);
};

/** The decoder for an old-code temporal column whose schema says it has `fsp` > 0 (MariaDB hires). */
export function hiresDecoder(type: number): CellDecoder | null {
  switch (type) {
    case ColumnType.DATETIME:
      return readDatetimeHires;
    case ColumnType.TIME:
      return readTimeHires;
    case ColumnType.TIMESTAMP:
      return readTimestampHires;
    default:
      return null;
  }
}
