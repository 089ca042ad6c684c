import { describe, expect, it } from 'vitest';
import { formatJsonDouble, jsonBinaryToText } from '../../../src/binlog/cells/json-binary.js';
import { BinlakeError } from '../../../src/core/errors.js';
import { f64, str, u8, u16, u32, u64 } from './build.js';

/**
 * Vectors built from the grammar in MySQL's sql-common/json_binary.h: small/large objects and
 * arrays, inlined literals and integers, strings with multi-byte lengths, opaque values.
 */
function doc(type: number, value: Buffer): Buffer {
  return Buffer.concat([u8(type), value]);
}

function text(bytes: Buffer): string {
  return jsonBinaryToText(bytes, 0, bytes.length);
}

/** A small object (2-byte offsets) from [key, type, inline-or-encoded value]. */
function smallObject(members: [string, number, Buffer][]): Buffer {
  const count = members.length;
  const headerSize = 4 + count * 4 + count * 3;
  const keys = members.map(([k]) => str(k));
  let offset = headerSize;
  const keyEntries: Buffer[] = [];
  for (const k of keys) {
    keyEntries.push(Buffer.concat([u16(offset), u16(k.length)]));
    offset += k.length;
  }
  const valueEntries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const [, type, v] of members) {
    if (type === 0x04 || type === 0x05 || type === 0x06) {
      valueEntries.push(Buffer.concat([u8(type), v.length === 1 ? Buffer.concat([v, u8(0)]) : v]));
    } else {
      valueEntries.push(Buffer.concat([u8(type), u16(offset)]));
      values.push(v);
      offset += v.length;
    }
  }
  const body = Buffer.concat([...keyEntries, ...valueEntries, ...keys, ...values]);
  return Buffer.concat([u16(count), u16(4 + body.length), body]);
}

function smallArray(items: [number, Buffer][]): Buffer {
  const count = items.length;
  let offset = 4 + count * 3;
  const entries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const [type, v] of items) {
    if (type === 0x04 || type === 0x05 || type === 0x06) {
      entries.push(Buffer.concat([u8(type), v.length === 1 ? Buffer.concat([v, u8(0)]) : v]));
    } else {
      entries.push(Buffer.concat([u8(type), u16(offset)]));
      values.push(v);
      offset += v.length;
    }
  }
  const body = Buffer.concat([...entries, ...values]);
  return Buffer.concat([u16(count), u16(4 + body.length), body]);
}

function largeArray(items: [number, Buffer][]): Buffer {
  const count = items.length;
  let offset = 8 + count * 5;
  const entries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const [type, v] of items) {
    if (type === 0x04 || type === 0x05 || type === 0x06 || type === 0x07 || type === 0x08) {
      const inline = Buffer.alloc(4);
      v.copy(inline);
      entries.push(Buffer.concat([u8(type), inline]));
    } else {
      entries.push(Buffer.concat([u8(type), u32(offset)]));
      values.push(v);
      offset += v.length;
    }
  }
  const body = Buffer.concat([...entries, ...values]);
  return Buffer.concat([u32(count), u32(8 + body.length), body]);
}

function largeObject(members: [string, number, Buffer][]): Buffer {
  const count = members.length;
  const headerSize = 8 + count * 6 + count * 5;
  const keys = members.map(([k]) => str(k));
  let offset = headerSize;
  const keyEntries = keys.map((k) => {
    const e = Buffer.concat([u32(offset), u16(k.length)]);
    offset += k.length;
    return e;
  });
  const valueEntries: Buffer[] = [];
  const values: Buffer[] = [];
  for (const [, type, v] of members) {
    if (type <= 0x08 && type >= 0x04) {
      const inline = Buffer.alloc(4);
      v.copy(inline);
      valueEntries.push(Buffer.concat([u8(type), inline]));
    } else {
      valueEntries.push(Buffer.concat([u8(type), u32(offset)]));
      values.push(v);
      offset += v.length;
    }
  }
  const body = Buffer.concat([...keyEntries, ...valueEntries, ...keys, ...values]);
  return Buffer.concat([u32(count), u32(8 + body.length), body]);
}

/** A JSON string value: 7-bit-per-byte variable length, then utf8mb4. */
function jstr(s: string): Buffer {
  const data = str(s);
  const len: number[] = [];
  let n = data.length;
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from(len), data]);
}

function i16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16LE(n);
  return b;
}
function i32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

describe('MySQL binary JSON', () => {
  it('prints scalars at the top level', () => {
    expect(text(doc(0x04, u8(0)))).toBe('null');
    expect(text(doc(0x04, u8(1)))).toBe('true');
    expect(text(doc(0x04, u8(2)))).toBe('false');
    expect(text(doc(0x05, i16(-32768)))).toBe('-32768');
    expect(text(doc(0x06, u16(65535)))).toBe('65535');
    expect(text(doc(0x07, i32(-2147483648)))).toBe('-2147483648');
    expect(text(doc(0x08, u32(4294967295)))).toBe('4294967295');
    expect(text(doc(0x09, u64(-9223372036854775808n)))).toBe('-9223372036854775808');
    expect(text(doc(0x0a, u64(18446744073709551615n)))).toBe('18446744073709551615');
    expect(text(doc(0x0b, f64(1.5)))).toBe('1.5');
    expect(text(doc(0x0c, jstr('a"b\\c\n\u0001é😀')))).toBe('"a\\"b\\\\c\\n\\u0001é😀"');
    expect(text(Buffer.alloc(0))).toBe('null');
  });

  it('reads string lengths of several bytes', () => {
    const long = 'x'.repeat(200); // 2-byte length
    expect(text(doc(0x0c, jstr(long)))).toBe(`"${long}"`);
    const longer = 'y'.repeat(20000); // 3-byte length
    expect(text(doc(0x0c, jstr(longer)))).toBe(`"${longer}"`);
  });

  it('prints a small object with ", " and ": " separators, inlined and offset values', () => {
    const inner = smallArray([
      [0x04, u8(1)],
      [0x04, u8(0)],
    ]);
    const bytes = doc(
      0x00,
      smallObject([
        ['a', 0x05, i16(1)],
        ['b', 0x02, inner],
        ['c', 0x0c, jstr('x')],
        ['d', 0x0b, f64(-0.25)],
        ['e', 0x09, u64(1n << 40n)],
      ]),
    );
    expect(text(bytes)).toBe('{"a": 1, "b": [true, null], "c": "x", "d": -0.25, "e": 1099511627776}');
  });

  it('prints empty containers and nested large ones', () => {
    expect(text(doc(0x00, smallObject([])))).toBe('{}');
    expect(text(doc(0x02, smallArray([])))).toBe('[]');
    const big = largeArray([
      [0x07, i32(-5)],
      [0x08, u32(4000000000)],
      [0x04, u8(2)],
      [
        0x01,
        largeObject([
          ['k', 0x0c, jstr('v')],
          ['n', 0x06, u16(7)],
        ]),
      ],
    ]);
    expect(text(doc(0x03, big))).toBe('[-5, 4000000000, false, {"k": "v", "n": 7}]');
  });

  it('prints opaque DATETIME, DATE, TIME, DECIMAL and other types as MySQL does', () => {
    // TIME_to_longlong_datetime_packed: ((((year*13+month)<<5|day)<<17 | hour<<12|min<<6|sec) << 24) + micros
    const ymd = ((2015 * 13 + 1) << 5) | 15;
    const hms = (23 << 12) | (24 << 6) | 25;
    const packedDatetime = ((BigInt(ymd) << 17n) | BigInt(hms)) << 24n;
    const opaque = (fieldType: number, data: Buffer) =>
      doc(0x0f, Buffer.concat([u8(fieldType), u8(data.length), data]));
    expect(text(opaque(12, u64(packedDatetime + 123456n)))).toBe('"2015-01-15 23:24:25.123456"');
    expect(text(opaque(10, u64(BigInt(ymd) << 41n)))).toBe('"2015-01-15"');
    const time = (BigInt((12 << 12) | (34 << 6) | 56) << 24n) + 500000n;
    expect(text(opaque(11, u64(-time)))).toBe('"-12:34:56.500000"');
    // DECIMAL(14,4) 1234567890.1234 = 81 0D FB 38 D2 04 D2 (decimal2bin comment, strings/decimal.cc)
    expect(text(opaque(246, Buffer.from([14, 4, 0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2])))).toBe(
      '1234567890.1234',
    );
    expect(text(opaque(252, Buffer.from('hi')))).toBe('"base64:type252:aGk="');
  });

  it('formats doubles like MySQL', () => {
    expect(formatJsonDouble(3)).toBe('3.0');
    expect(formatJsonDouble(0.1)).toBe('0.1');
    expect(formatJsonDouble(-2.5)).toBe('-2.5');
    expect(formatJsonDouble(1e300)).toBe('1e300');
    expect(formatJsonDouble(1.5e-7)).toBe('1.5e-7');
    expect(formatJsonDouble(123456789012345)).toBe('123456789012345.0');
  });

  it('rejects corrupt documents with BLK_B2003 instead of reading out of bounds', () => {
    const obj = smallObject([['a', 0x0c, jstr('x')]]);
    const bad = Buffer.from(doc(0x00, obj));
    bad.writeUInt16LE(60000, 3); // size beyond the document
    expect(() => text(bad)).toThrow(BinlakeError);
    expect(() => text(doc(0x0e, u8(0)))).toThrow(/unknown value type/);
    expect(() => text(doc(0x0c, Buffer.from([0x85, 0x01])))).toThrow(BinlakeError);
  });
});
