import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE, the binlog's `BINLOG_CHECKSUM_ALG_CRC32`). Small events — the vast majority —
 * are cheaper in JS (slicing-by-8) than a native call per event; large ones go to zlib.
 */
const T = new Int32Array(256 * 8);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let k = 1; k < 8; k++) T[k * 256 + n] = (T[(k - 1) * 256 + n] >>> 8) ^ T[T[(k - 1) * 256 + n] & 0xff];
}

const NATIVE_FROM = 4096;

/** CRC-32 of `b[start, end)`, continuing from `previous` (0 to start). */
export function crc32(b: Buffer, start: number, end: number, previous = 0): number {
  if (end - start >= NATIVE_FROM) return zlibCrc32(b.subarray(start, end), previous) >>> 0;
  let c = ~previous;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    c =
      T[1792 + (c & 0xff)] ^
      T[1536 + ((c >>> 8) & 0xff)] ^
      T[1280 + ((c >>> 16) & 0xff)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + b[i + 4]] ^
      T[512 + b[i + 5]] ^
      T[256 + b[i + 6]] ^
      T[b[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
