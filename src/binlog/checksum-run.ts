import { crc32 } from 'node:zlib';
import type { RawEvent } from './raw-event.js';

/**
 * Checks the CRC32 trailers of a run of events with one native CRC call instead of one per
 * event. Most events are a few hundred bytes: a call per event (or the JavaScript CRC) cost about
 * a fifth of decoding the whole stream, while zlib checks 64 KiB at several GB/s.
 *
 * Why one CRC can check many trailers: the CRC-32 of any intact event *followed by its own
 * trailer* is the same constant (CRC32_RESIDUE), so the CRC register after it is always the same
 * value. Five bytes chosen once (RESYNC) bring that register back to its initial state, after
 * which the next event is checked as if it started the computation. The replication stream puts
 * exactly five bytes between two events of one socket chunk (the next packet's 4-byte header and
 * its 0x00 status byte, both read before the event is handed out), so those bytes are overwritten
 * with RESYNC and the whole run — event, RESYNC, event, …, event — must have the CRC
 * CRC32_RESIDUE. A damaged event changes the register after it, and every later byte maps that
 * difference one-to-one, so the run's CRC differs. Damage in several events at once can cancel
 * out as in any CRC: a run is checked in pieces of at most MAX_RUN_BYTES, up to which CRC-32
 * catches every error of three bits or fewer (Hamming distance 4, Koopman's tables), and anything
 * else but once in 2^32.
 *
 * When the run's CRC differs, no event is marked and the decoder checks each on its own, so a
 * damaged event is reported exactly as before (BLK_B2002 with its file and position). The same
 * happens, harmlessly, for a run whose events carry no trailer after all.
 */
export class ChecksumRun {
  private buf: Buffer | null = null;
  /** Where the open run's last event ends in `buf`. */
  private end = 0;
  private readonly events: RawEvent[] = [];

  /**
   * Adds `event`, whose bytes are the view `buf[start, end)` and end with a CRC32 trailer. It joins the
   * open run when it lies RESYNC.length bytes after it in the same buffer — and then those bytes
   * between the two are overwritten: the caller must own them and never read them again.
   * Otherwise the open run is checked and a new one starts with it.
   */
  add(event: RawEvent, buf: Buffer, start: number, end: number): void {
    if (buf === this.buf && start === this.end + RESYNC.length) {
      // Byte by byte: a copy call per event cost more than the five stores.
      const at = this.end;
      buf[at] = RESYNC[0];
      buf[at + 1] = RESYNC[1];
      buf[at + 2] = RESYNC[2];
      buf[at + 3] = RESYNC[3];
      buf[at + 4] = RESYNC[4];
      this.end = end;
      this.events.push(event);
      return;
    }
    this.check();
    this.buf = buf;
    this.end = end;
    this.events.push(event);
  }

  /**
   * Checks the open run, in pieces of at most MAX_RUN_BYTES from an event's start to an event's
   * end (a piece is a run of its own): every event of an intact piece gets `checksumVerified`.
   */
  check(): void {
    const buf = this.buf;
    if (buf === null) return;
    const events = this.events;
    const base = buf.byteOffset;
    let first = 0;
    let from = events[0].bytes.byteOffset - base;
    for (let i = 1; i <= events.length; i++) {
      const next = i < events.length ? events[i].bytes : null;
      if (next !== null && next.byteOffset - base + next.length - from <= MAX_RUN_BYTES) continue;
      const last = events[i - 1].bytes;
      if (crc32(buf.subarray(from, last.byteOffset - base + last.length)) === CRC32_RESIDUE) {
        for (let j = first; j < i; j++) events[j].checksumVerified = true;
      }
      if (next !== null) {
        first = i;
        from = next.byteOffset - base;
      }
    }
    events.length = 0;
    this.buf = null;
  }
}

/**
 * The longest piece one CRC checks: CRC-32 (IEEE 802.3) keeps Hamming distance 4 for messages
 * up to 91,607 bits; checking every event on its own would have given its events at least that.
 * A longer event is a piece of its own, as the server's own trailer covers it. (The limit is
 * applied in `check`, not in `add`: a test per event in `add` made the dump about 7% slower.)
 */
const MAX_RUN_BYTES = 11_450;

/** The CRC-32 (IEEE) of any bytes followed by their own CRC-32, little-endian. */
export const CRC32_RESIDUE = 0x2144df1c;

/**
 * Five bytes whose CRC-32, continued from CRC32_RESIDUE, is 0 — the CRC of nothing, the initial
 * state. Found by solving the 32 linear equations over GF(2) that the last four bytes must meet
 * after a 0x00 (the unit test checks the property).
 */
export const RESYNC = Buffer.from([0x00, 0x80, 0xfd, 0xfb, 0xab]);
