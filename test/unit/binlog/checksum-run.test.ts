import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChecksumRun, CRC32_RESIDUE, RESYNC } from '../../../src/binlog/checksum-run.js';
import type { RawEvent } from '../../../src/binlog/raw-event.js';

/** An "event": its bytes followed by their CRC32, little-endian. */
function sealed(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 4);
  out.set(body);
  out.writeUInt32LE(crc32(body) >>> 0, body.length);
  return out;
}

/**
 * Lays events out as the replication stream receives them: each behind a 4-byte packet header
 * and a 0x00 status byte, all in one buffer; returns the buffer and each event's range.
 */
function packets(events: Buffer[]): { buf: Buffer; ranges: [number, number][] } {
  const parts: Buffer[] = [];
  const ranges: [number, number][] = [];
  let at = 0;
  for (const e of events) {
    const header = Buffer.from([(e.length + 1) & 0xff, ((e.length + 1) >> 8) & 0xff, 0, 7, 0]);
    parts.push(header, e);
    ranges.push([at + 5, at + 5 + e.length]);
    at += 5 + e.length;
  }
  return { buf: Buffer.concat(parts), ranges };
}

function run(events: Buffer[], damage?: { event: number; byte: number }) {
  const { buf, ranges } = packets(events);
  if (damage) buf[ranges[damage.event][0] + (damage.byte % events[damage.event].length)] ^= 0x10;
  const raws: RawEvent[] = ranges.map(([s, e], i) => ({
    file: 'f',
    position: i,
    bytes: buf.subarray(s, e),
    checksumVerified: false,
  }));
  const copies = raws.map((r) => Buffer.from(r.bytes));
  const checks = new ChecksumRun();
  for (const [i, raw] of raws.entries()) checks.add(raw, buf, ranges[i][0], ranges[i][1]);
  checks.check();
  // The event bytes are never touched, only the packet headers between them.
  for (const [i, raw] of raws.entries()) expect(raw.bytes.equals(copies[i])).toBe(true);
  return raws;
}

const bodies = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 12 });

describe('ChecksumRun', () => {
  it('RESYNC takes the CRC after any sealed bytes back to the start', () => {
    expect(crc32(RESYNC, CRC32_RESIDUE) >>> 0).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => crc32(sealed(b)) >>> 0 === CRC32_RESIDUE),
    );
  });

  it('marks every event of an intact run, and none of a run with one damaged byte', () => {
    fc.assert(
      fc.property(bodies, (list) => {
        const raws = run(list.map(sealed));
        expect(raws.every((r) => r.checksumVerified)).toBe(true);
      }),
    );
    // Longer runs are checked in pieces of at most 11,450 bytes, each intact one marked.
    const long = fc.array(fc.uint8Array({ minLength: 0, maxLength: 5000 }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(long, (list) => {
        const raws = run(list.map(sealed));
        expect(raws.every((r) => r.checksumVerified)).toBe(true);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(bodies, fc.nat(), fc.nat(), (list, which, byte) => {
        const raws = run(list.map(sealed), { event: which % list.length, byte });
        expect(raws.some((r) => r.checksumVerified)).toBe(false);
      }),
    );
  });

  it('stops runs at 11,450 bytes, so damage of three bits over several events is never marked verified', () => {
    // Three flipped bits 41,678 and 91,639 bits apart cancel out in one CRC-32 over a 13 KB run
    // (a weight-3 multiple of the polynomial, found by review helper-23); each of the three events
    // fails its own check, and no run of at most 11,450 bytes holds all three.
    const events = Array.from({ length: 8 }, (_, i) => sealed(Buffer.alloc(1600, 0x41 + i)));
    const { buf, ranges } = packets(events);
    const start = ranges[0][0];
    const bits = 8 * (ranges[7][1] - start);
    const eventAt = (byte: number) => ranges.findIndex(([s, e]) => byte >= s && byte < e);
    let flips: number[] = [];
    for (let m = 1; m < 5000 && flips.length === 0; m++) {
      const at = [0, 41_678, 91_639].map((n) => bits - m - n);
      if (at.every((p) => eventAt(start + (p >> 3)) >= 0)) flips = at;
    }
    expect(flips).toHaveLength(3);
    for (const p of flips) buf[start + (p >> 3)] ^= 1 << (p & 7);
    const raws: RawEvent[] = ranges.map(([s, e], i) => ({
      file: 'f',
      position: i,
      bytes: buf.subarray(s, e),
    }));
    // The pattern is invisible to one CRC over the whole stretch…
    const whole = Buffer.from(buf.subarray(start, ranges[7][1]));
    for (let i = 0; i < 7; i++) RESYNC.copy(whole, ranges[i][1] - start);
    expect(crc32(whole) >>> 0).toBe(CRC32_RESIDUE);
    // …but not to runs of at most 11,450 bytes.
    const checks = new ChecksumRun();
    for (const [i, raw] of raws.entries()) checks.add(raw, buf, ...ranges[i]);
    checks.check();
    const damaged = raws.map(
      (r) => crc32(r.bytes.subarray(0, -4)) >>> 0 !== r.bytes.readUInt32LE(r.bytes.length - 4),
    );
    expect(damaged.filter(Boolean)).toHaveLength(3);
    for (const [i, raw] of raws.entries()) if (damaged[i]) expect(raw.checksumVerified).not.toBe(true);
  });

  it('marks nothing when an event carries no trailer, and starts a new run at a gap', () => {
    const good = sealed(Buffer.from('a good event'));
    const raws = run([good, Buffer.from('no trailer at all'), good]);
    expect(raws.map((r) => r.checksumVerified)).toEqual([false, false, false]);

    // Two buffers (two socket chunks): two runs, each checked on its own.
    const a = packets([good, good]);
    const b = packets([sealed(Buffer.from('x')), Buffer.from('bad!bad!')]);
    const checks = new ChecksumRun();
    const mk = (buf: Buffer, [s, e]: [number, number]): RawEvent => ({
      file: 'f',
      position: s,
      bytes: buf.subarray(s, e),
    });
    const first = a.ranges.map((r) => mk(a.buf, r));
    const second = b.ranges.map((r) => mk(b.buf, r));
    for (const [i, raw] of first.entries()) checks.add(raw, a.buf, ...a.ranges[i]);
    for (const [i, raw] of second.entries()) checks.add(raw, b.buf, ...b.ranges[i]);
    checks.check();
    expect([...first, ...second].map((r) => r.checksumVerified === true)).toEqual([true, true, false, false]);
  });
});
