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
function holdingStream(sync: boolean): { stream: Writable; held: Buffer[]; completed: () => number } {
  const held: Buffer[] = [];
  let completed = 0;
  const complete = (done: () => void) => {
    completed++;
    done();
  };
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      held.push(chunk);
      if (sync) complete(done);
      else setTimeout(() => complete(done), 5);
    },
  });
  return { stream, held, completed: () => completed };
}

describe('LineWriter (binlog dump output)', () => {
  // Lines past the 64 KiB chunk size: every one is flushed, several before any write completes.
  const texts = ['a', 'b', 'c', 'd'].map((c) => c.repeat(70_000));
  const expected = texts.map((t) => `${t}\n`).join('');

  it('never writes into a buffer a pending write still holds', async () => {
    const { stream, held, completed } = holdingStream(false);
    const out = new LineWriter(stream as unknown as NodeJS.WriteStream);
    for (const t of texts) out.event(line(t));
    await out.end();
    // end() came after the last write completed, and every byte arrived as written.
    expect(completed()).toBe(held.length);
    expect(Buffer.concat(held).toString()).toBe(expected);
  });

  it('ends only once its last write has completed', async () => {
    const { stream, completed } = holdingStream(false);
    const out = new LineWriter(stream as unknown as NodeJS.WriteStream);
    out.event(line(texts[0])); // one chunk, still being written when end() is called
    await out.end();
    expect(completed()).toBe(1);
  });

  it('ends, having written nothing more, when the reader went away (EPIPE)', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const out = new LineWriter(stream as unknown as NodeJS.WriteStream);
    for (const t of texts) out.event(line(t));
    await out.end();
    expect(out.broken).toBe(true);
    expect(out.failed).toBe(false);
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
