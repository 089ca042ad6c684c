import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE, the binlog's `BINLOG_CHECKSUM_ALG_CRC32`). Most events are a few hundred bytes,
 * where a native call per event costs more than the work: below NATIVE_FROM bytes the CRC runs
 * here, slicing by 16 (16 table lookups per 16 bytes; about 20% faster than by 8 on 120–400
 * bytes), and from there in zlib.
 */
const T = new Int32Array(256 * 16);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let k = 1; k < 16; k++) T[k * 256 + n] = (T[(k - 1) * 256 + n] >>> 8) ^ T[T[(k - 1) * 256 + n] & 0xff];
}

/** Measured on this project's 2-core machine: zlib's call costs about 150 ns, its work little. */
const NATIVE_FROM = 320;

/** CRC-32 of `b[start, end)`, continuing from `previous` (0 to start). */
export function crc32(b: Buffer, start: number, end: number, previous = 0): number {
  if (end - start >= NATIVE_FROM) return zlibCrc32(b.subarray(start, end), previous) >>> 0;
  let c = ~previous;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    c =
      T[3840 + (c & 0xff)] ^
      T[3584 + ((c >>> 8) & 0xff)] ^
      T[3328 + ((c >>> 16) & 0xff)] ^
      T[3072 + (c >>> 24)] ^
      T[2816 + b[i + 4]] ^
      T[2560 + b[i + 5]] ^
      T[2304 + b[i + 6]] ^
      T[2048 + b[i + 7]] ^
      T[1792 + b[i + 8]] ^
      T[1536 + b[i + 9]] ^
      T[1280 + b[i + 10]] ^
      T[1024 + b[i + 11]] ^
      T[768 + b[i + 12]] ^
      T[512 + b[i + 13]] ^
      T[256 + b[i + 14]] ^
      T[b[i + 15]];
  }
  for (; i < end; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
