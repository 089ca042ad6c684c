import type { Value } from '../core/values.js';

/**
 * JSON text written straight into a byte buffer, for `binlake binlog dump`: it prints about
 * 250 bytes of JSON per row image, and building that as JavaScript strings first (template
 * concatenation, one join per output chunk, UTF-8 encoding on write) cost more CPU and garbage
 * than decoding the binlog did. The output is byte for byte what `JSON.stringify` gives for the
 * same values (the rows-json property test holds it to that).
 */
export class JsonBytes {
  private buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(private readonly initialSize = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /**
   * Text that is already JSON (or a piece of it). ASCII text is copied by a loop (the common
   * case: keys, punctuation, names), anything else is UTF-8 encoded.
   */
  text(s: string): void {
    const n = s.length;
    if (n <= 48) {
      this.room(n);
      const buf = this.buf;
      let at = this.length;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          this.room(n * 3);
          this.length += this.buf.write(s, this.length);
          return;
        }
        buf[at++] = c;
      }
      this.length = at;
      return;
    }
    this.room(n * 3);
    this.length += this.buf.write(s, this.length);
  }

  /**
   * A JSON string literal, escaped exactly as `JSON.stringify` escapes it. Printable ASCII (most
   * column values) is copied as it stands (short strings by the loop that checks them, longer
   * ones by a native scan and copy); anything else goes through UTF-8 encoding, and text that
   * needs escaping through `JSON.stringify`.
   */
  string(s: string): void {
    const n = s.length;
    if (n > LOOP_MAX_CHARS) {
      // Longer text: one native scan and one native copy beat the loop about 2× (measured on
      // sysbench's 60- and 120-character values).
      if (!PLAIN_ASCII.test(s)) {
        this.unusualString(s);
        return;
      }
      this.room(n + 2);
      const buf = this.buf;
      buf[this.length++] = QUOTE;
      this.length += buf.write(s, this.length, 'latin1');
      buf[this.length++] = QUOTE;
      return;
    }
    this.room(n + 2);
    const buf = this.buf;
    const start = this.length;
    let at = start;
    buf[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.length = start;
        this.unusualString(s);
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.length = at;
  }

  /**
   * `len` bytes at `buf[p]` as a JSON string literal when every one is printable ASCII other
   * than quote and backslash — then the bytes are the literal's text in UTF-8, latin1 and ASCII
   * alike, and decoding them to a string first would be wasted. Returns false, having written
   * nothing, for any other byte.
   */
  plainAsciiString(buf: Uint8Array, p: number, len: number): boolean {
    this.room(len + 2);
    const out = this.buf;
    const start = this.length;
    let at = start;
    out[at++] = QUOTE;
    // Checked and copied in one loop (a native copy needs a call per value, which costs more),
    // eight bytes a turn: one test of their table entries together, about 30% faster than a
    // turn per byte on sysbench's 60- and 120-byte values.
    const end = p + len;
    let i = p;
    for (; i + 8 <= end; i += 8) {
      const b0 = buf[i];
      const b1 = buf[i + 1];
      const b2 = buf[i + 2];
      const b3 = buf[i + 3];
      const b4 = buf[i + 4];
      const b5 = buf[i + 5];
      const b6 = buf[i + 6];
      const b7 = buf[i + 7];
      if (
        (PLAIN[b0] & PLAIN[b1] & PLAIN[b2] & PLAIN[b3] & PLAIN[b4] & PLAIN[b5] & PLAIN[b6] & PLAIN[b7]) ===
        0
      ) {
        return false;
      }
      out[at] = b0;
      out[at + 1] = b1;
      out[at + 2] = b2;
      out[at + 3] = b3;
      out[at + 4] = b4;
      out[at + 5] = b5;
      out[at + 6] = b6;
      out[at + 7] = b7;
      at += 8;
    }
    for (; i < end; i++) {
      const c = buf[i];
      if (PLAIN[c] === 0) return false;
      out[at++] = c;
    }
    out[at++] = QUOTE;
    this.length = at;
    return true;
  }

  /** A row value as the dump prints it: bigint → decimal string, bytes → `"0x…"`, NaN/±Infinity → text. */
  value(v: Value): void {
    if (v === null) this.text('null');
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'string') this.string(v);
    else if (typeof v === 'bigint') this.text(`"${v}"`);
    else this.hex(v);
  }

  private unusualString(s: string): void {
    if (NEEDS_ESCAPE.test(s)) {
      this.text(JSON.stringify(s));
      return;
    }
    this.room(s.length * 3 + 2);
    const buf = this.buf;
    buf[this.length++] = QUOTE;
    this.length += buf.write(s, this.length);
    buf[this.length++] = QUOTE;
  }

  /** Bytes that are already JSON text (a cached piece). */
  bytes(piece: Uint8Array): void {
    const n = piece.length;
    this.room(n);
    const buf = this.buf;
    if (n > LOOP_MAX_CHARS) {
      buf.set(piece, this.length);
      this.length += n;
      return;
    }
    let at = this.length;
    for (let i = 0; i < n; i++) buf[at++] = piece[i];
    this.length = at;
  }

  /** A number as `JSON.stringify` writes it; NaN and ±Infinity (not JSON) as strings. */
  number(n: number): void {
    if (Number.isSafeInteger(n)) {
      this.integer(n);
    } else if (Number.isFinite(n)) {
      this.text(String(n));
    } else {
      this.text(`"${n}"`);
    }
  }

  /** A safe integer in decimal digits (negative zero prints as 0, as in JSON.stringify). */
  integer(n: number): void {
    this.room(17);
    const buf = this.buf;
    let v = n;
    if (v < 0) {
      buf[this.length++] = 0x2d;
      v = -v;
    }
    if (v < 10) {
      buf[this.length++] = 0x30 + v;
      return;
    }
    if (v <= 0x7fffffff) {
      // Most integers: 32-bit arithmetic, which is cheaper than the floating point below.
      let digits = 2;
      for (let p = 100; p <= v && digits < 10; p *= 10) digits++;
      let at = this.length + digits;
      this.length = at;
      let x = v | 0;
      while (x >= 10) {
        const q = (x / 10) | 0;
        buf[--at] = 0x30 + x - q * 10;
        x = q;
      }
      buf[--at] = 0x30 + x;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let at = this.length + digits;
    this.length = at;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--at] = 0x30 + (v - q * 10);
      v = q;
    }
    buf[--at] = 0x30 + v;
  }

  /** Bytes as the string `"0x…"` (lower-case hex), the dump's form of binary values. */
  hex(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n * 2 + 4);
    const buf = this.buf;
    let at = this.length;
    buf[at++] = QUOTE;
    buf[at++] = 0x30;
    buf[at++] = 0x78;
    for (let i = 0; i < n; i++) {
      const b = bytes[i];
      buf[at++] = HEX_DIGITS[b >> 4];
      buf[at++] = HEX_DIGITS[b & 15];
    }
    buf[at++] = QUOTE;
    this.length = at;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  /** The bytes written so far, still the writer's: valid until the next write or `clear()`. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /**
   * Starts again: on the same buffer once whoever was given `view()` is done with it, on a fresh
   * one (`handedOver`) while they may still hold it. A buffer that one huge value grew is not
   * kept either: it must not make every later chunk huge.
   */
  clear(handedOver = false): void {
    if (handedOver || this.buf.length > this.initialSize * 4) this.buf = Buffer.allocUnsafe(this.initialSize);
    this.length = 0;
  }

  /** The bytes written so far, handed over; the writer starts again on a fresh buffer. */
  take(): Buffer {
    const out = this.view();
    this.clear(true);
    return out;
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** Strings and pieces up to this long are copied by a loop; longer ones natively. */
const LOOP_MAX_CHARS = 24;
/** 1 for the bytes that are their own JSON string text: printable ASCII but quote and backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c <= 0x7e; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;
/** Printable ASCII without quote and backslash: JSON text as it stands, one byte per character. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** What JSON.stringify escapes: quote, backslash, control characters and lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
