import { BinlakeError } from '../core/errors.js';

/**
 * A bounded cursor over one buffer. Every read checks the end first and throws
 * `BLK_B2001` (details `{ offset, need, have }`) instead of reading past it, so a length field
 * that lies can never make the decoder read another event's bytes or hang.
 *
 * Little-endian is the binlog's byte order; the `*BE` reads serve the packed temporal and
 * decimal formats (MySQL `mi_uint*korr`, high byte first).
 *
 * `buf`, `pos` and `end` are public so the precompiled cell decoders can read with Buffer
 * methods after one `take(n)` check (the hot path of row decoding).
 */
export class PacketReader {
  constructor(
    public buf: Buffer,
    public pos = 0,
    public end = buf.length,
  ) {
    if (end > buf.length || pos < 0 || pos > end) {
      throw new BinlakeError('BLK_B2001', 'reader bounds lie outside the buffer', {
        details: { offset: pos, need: end - pos, have: buf.length - pos },
      });
    }
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws the typed "truncated" error; `need` bytes were wanted at the current offset. */
  truncated(need: number): never {
    throw new BinlakeError(
      'BLK_B2001',
      `needed ${need} bytes at offset ${this.pos}, only ${this.end - this.pos} left`,
      {
        details: { offset: this.pos, need, have: this.end - this.pos },
      },
    );
  }

  /** Checks that `n` bytes remain, advances past them and returns their start offset. */
  take(n: number): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) this.truncated(n);
    this.pos = p + n;
    return p;
  }

  skip(n: number): void {
    this.take(n);
  }

  u8(): number {
    const p = this.pos;
    if (p + 1 > this.end) this.truncated(1);
    this.pos = p + 1;
    return this.buf[p];
  }

  i8(): number {
    return this.buf.readInt8(this.take(1));
  }

  u16(): number {
    return this.buf.readUInt16LE(this.take(2));
  }

  i16(): number {
    return this.buf.readInt16LE(this.take(2));
  }

  u24(): number {
    const p = this.take(3);
    const b = this.buf;
    return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
  }

  i24(): number {
    const v = this.u24();
    return v & 0x800000 ? v - 0x1000000 : v;
  }

  u32(): number {
    return this.buf.readUInt32LE(this.take(4));
  }

  i32(): number {
    return this.buf.readInt32LE(this.take(4));
  }

  /** 6-byte little-endian unsigned (table ids); exact as a number. */
  u48(): number {
    return this.buf.readUIntLE(this.take(6), 6);
  }

  /** Unsigned little-endian integer of 1..8 bytes; a bigint when it may exceed 2^53. */
  uintLE(bytes: number): number {
    if (bytes > 6) return Number(this.u64n(bytes));
    return this.buf.readUIntLE(this.take(bytes), bytes);
  }

  /** Unsigned little-endian integer of up to 8 bytes as a bigint. */
  u64n(bytes = 8): bigint {
    const p = this.take(bytes);
    if (bytes === 8) return this.buf.readBigUInt64LE(p);
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[p + i]);
    return v;
  }

  i64n(): bigint {
    return this.buf.readBigInt64LE(this.take(8));
  }

  /** Big-endian unsigned integer of 1..6 bytes. */
  uintBE(bytes: number): number {
    return this.buf.readUIntBE(this.take(bytes), bytes);
  }

  /** Big-endian unsigned integer of 1..8 bytes as a bigint. */
  uintBEn(bytes: number): bigint {
    const p = this.take(bytes);
    let v = 0n;
    for (let i = 0; i < bytes; i++) v = (v << 8n) | BigInt(this.buf[p + i]);
    return v;
  }

  f32(): number {
    return this.buf.readFloatLE(this.take(4));
  }

  f64(): number {
    return this.buf.readDoubleLE(this.take(8));
  }

  /**
   * Length-encoded ("packed") integer of the client/server protocol and the binlog:
   * < 0xfb one byte, 0xfc + 2, 0xfd + 3, 0xfe + 8 bytes. 0xfb (NULL) and 0xff are malformed here.
   * Values beyond 2^53 are returned as numbers that fail every later length check.
   */
  packed(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) return Number(this.u64n(8));
    this.pos--;
    throw new BinlakeError('BLK_B2003', `invalid length-encoded integer prefix 0x${first.toString(16)}`, {
      details: { offset: this.pos },
    });
  }

  /** Like `packed()` but returns a bigint (status values, transaction lengths). */
  packedn(): bigint {
    const first = this.u8();
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfc) return BigInt(this.u16());
    if (first === 0xfd) return BigInt(this.u24());
    if (first === 0xfe) return this.u64n(8);
    this.pos--;
    throw new BinlakeError('BLK_B2003', `invalid length-encoded integer prefix 0x${first.toString(16)}`, {
      details: { offset: this.pos },
    });
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number): Buffer {
    const p = this.take(n);
    return this.buf.subarray(p, p + n);
  }

  /** A copy of the next `n` bytes, for values that outlive the event buffer. */
  copy(n: number): Uint8Array {
    const p = this.take(n);
    return Uint8Array.prototype.slice.call(this.buf, p, p + n);
  }

  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  /** `n` bytes as text (utf8 by default). */
  str(n: number, encoding: BufferEncoding = 'utf8'): string {
    const p = this.take(n);
    return this.buf.toString(encoding, p, p + n);
  }

  /** Length-encoded string. */
  packedStr(): string {
    return this.str(this.packed());
  }

  /** NUL-terminated string; the NUL must lie within bounds. */
  cstr(): string {
    const at = this.buf.indexOf(0, this.pos);
    if (at < 0 || at >= this.end) this.truncated(this.end - this.pos + 1);
    const s = this.buf.toString('utf8', this.pos, at);
    this.pos = at + 1;
    return s;
  }

  /** A sub-reader over the next `n` bytes (offsets stay those of the shared buffer). */
  sub(n: number): PacketReader {
    const p = this.take(n);
    return new PacketReader(this.buf, p, p + n);
  }
}
