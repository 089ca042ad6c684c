import { crc32 } from 'node:zlib';
import type { RawEvent } from '../../../src/binlog/raw-event.js';

/** Little helpers that assemble binlog events by hand, following the layouts in the MySQL source comments. */
export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
export function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntLE(n, 0, 3);
  return b;
}
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
export function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntLE(n, 0, 6);
  return b;
}
export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
}
export function f64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
}
/** Length-encoded integer. */
export function packed(n: number): Buffer {
  if (n < 0xfb) return u8(n);
  if (n < 0x10000) return Buffer.concat([u8(0xfc), u16(n)]);
  if (n < 0x1000000) return Buffer.concat([u8(0xfd), u24(n)]);
  return Buffer.concat([u8(0xfe), u64(BigInt(n))]);
}
export function str(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

export interface EventOptions {
  timestamp?: number;
  serverId?: number;
  nextPosition?: number;
  flags?: number;
  checksum?: boolean;
}

/** header(19) + body [+ CRC32]. */
export function event(type: number, body: Buffer, o: EventOptions = {}): Buffer {
  const size = 19 + body.length + (o.checksum ? 4 : 0);
  const header = Buffer.concat([
    u32(o.timestamp ?? 1_700_000_000),
    u8(type),
    u32(o.serverId ?? 1),
    u32(size),
    u32(o.nextPosition ?? 0),
    u16(o.flags ?? 0),
  ]);
  const bytes = Buffer.concat([header, body]);
  return o.checksum ? Buffer.concat([bytes, u32(crc32(bytes))]) : bytes;
}

/** Post-header lengths MySQL 8.0 writes, by type code (others 0). */
const POST_HEADER: Record<number, number> = {
  2: 13,
  4: 8,
  15: 98,
  19: 8,
  23: 8,
  24: 8,
  25: 8,
  29: 0,
  30: 10,
  31: 10,
  32: 10,
  33: 42,
  34: 42,
  40: 0,
};

/** A FORMAT_DESCRIPTION of `version` with the checksum algorithm byte (1 = CRC32, 0 = off). */
export function fde(version = '8.0.36', checksum = true): Buffer {
  const versionBytes = Buffer.alloc(50);
  versionBytes.write(version);
  const lengths = Buffer.alloc(41);
  for (const [type, len] of Object.entries(POST_HEADER)) lengths[Number(type) - 1] = len;
  const body = Buffer.concat([u16(4), versionBytes, u32(0), u8(19), lengths, u8(checksum ? 1 : 0)]);
  const withoutCrc = event(15, body, { checksum: false });
  // the size field must count the 4 checksum bytes that follow
  withoutCrc.writeUInt32LE(withoutCrc.length + 4, 9);
  return Buffer.concat([withoutCrc, u32(checksum ? crc32(withoutCrc) : 0)]);
}

let position = 4;
export function raw(bytes: Buffer, file = 'binlog.000001'): RawEvent {
  const r = { file, position, bytes };
  position += bytes.length;
  return r;
}
