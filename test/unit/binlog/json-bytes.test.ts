import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../../src/binlog/json-bytes.js';

/** JsonBytes must write what JSON.stringify writes, whatever the buffer size it starts with. */
describe('JsonBytes', () => {
  it('writes strings and numbers exactly as JSON.stringify, across buffer growth', () => {
    const item = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }), // lone surrogates and control characters
      fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', 'é', '😀') }),
      // Longer strings take the native path: printable ASCII (quotes and backslashes included),
      // and mixes with rare characters that must send them back to the escaping path.
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: 20,
        maxLength: 300,
      }),
      fc.string({
        unit: fc.oneof(
          { weight: 20, arbitrary: fc.constantFrom('a', 'Z', ' ', '~', '0') },
          { weight: 1, arbitrary: fc.constantFrom('"', '\\', '\n', '\u0000', '\u007f', 'é', '😀', '\ud800') },
        ),
        minLength: 20,
        maxLength: 200,
      }),
      fc.string({ unit: 'binary', minLength: 25, maxLength: 100 }),
      fc.double(),
      fc.integer(),
      fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 1e21, 123456789012, -1e-7),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (items, size) => {
        const out = new JsonBytes(size);
        out.byte(0x5b);
        items.forEach((v, i) => {
          if (i > 0) out.byte(0x2c);
          if (typeof v === 'string') out.string(v);
          else out.number(v);
        });
        out.byte(0x5d);
        const expected = `[${items.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? `"${v}"` : JSON.stringify(v))).join(',')}]`;
        expect(out.toString()).toBe(expected);
      }),
    );
  });

  it('copies printable-ASCII bytes as a string literal, and refuses any other byte writing nothing', () => {
    const byte = fc.oneof(
      { weight: 30, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(byte, { maxLength: 200 }), (pad, bytes) => {
        const buf = Buffer.concat([Buffer.from(pad), Buffer.from(bytes), Buffer.from(pad)]);
        const out = new JsonBytes(8);
        out.text('[');
        const plain = out.plainAsciiString(buf, pad.length, bytes.length);
        const text = Buffer.from(bytes).toString('latin1');
        expect(plain).toBe(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(text));
        expect(out.toString()).toBe(plain ? `[${JSON.stringify(text)}` : '[');
      }),
      { numRuns: 500 },
    );
  });

  it('writes bytes as "0x…" hex and hands chunks over with take()', () => {
    const out = new JsonBytes(4);
    out.hex(Uint8Array.from([0, 1, 0xab, 0xff]));
    out.text(',"ü"');
    const first = out.take();
    expect(first.toString()).toBe('"0x0001abff","ü"');
    expect(out.length).toBe(0);
    out.text('x');
    expect(out.take().toString()).toBe('x');
    // the chunk handed over is not overwritten by later writes
    expect(first.toString()).toBe('"0x0001abff","ü"');
  });
});
