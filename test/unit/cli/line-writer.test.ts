import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BinlogEvent } from '../../../src/binlog/events/types.js';
import { LineWriter } from '../../../src/cli/run-binlog-dump.js';

/** An event whose JSON is `text` (LineWriter prints any non-rows event by its toJson()). */
const line = (text: string) => ({ toJson: () => text }) as unknown as BinlogEvent;

/**
 * A stdout that keeps each chunk it is given by reference, as a pipe does while the kernel has no
 * room, and completes the write only later (or at once when `sync`).
 */
function holdingStream(sync: boolean): { stream: Writable; held: Buffer[] } {
  const held: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      held.push(chunk);
      if (sync) done();
      else setTimeout(done, 5);
    },
  });
  return { stream, held };
}

describe('LineWriter (binlog dump output)', () => {
  // Lines past the 64 KiB chunk size: every one is flushed, several before any write completes.
  const texts = ['a', 'b', 'c', 'd'].map((c) => c.repeat(70_000));
  const expected = texts.map((t) => `${t}\n`).join('');

  it('never writes into a buffer a pending write still holds', async () => {
    const { stream, held } = holdingStream(false);
    const out = new LineWriter(stream as unknown as NodeJS.WriteStream);
    for (const t of texts) out.event(line(t));
    await out.end();
    expect(Buffer.concat(held).toString()).toBe(expected);
  });

  it('writes the same bytes again into one buffer when each write completes at once', async () => {
    const { stream, held } = holdingStream(true);
    const out = new LineWriter(stream as unknown as NodeJS.WriteStream);
    const copies: string[] = [];
    for (const t of texts) {
      out.event(line(t));
      copies.push(held[held.length - 1].toString());
    }
    await out.end();
    expect(copies.join('')).toBe(expected);
    // The buffer was reused: every chunk is a view of one allocation.
    expect(new Set(held.map((b) => b.buffer)).size).toBe(1);
  });
});
