import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { BinlakeError } from '../core/errors.js';
import { EventFlag } from './event-header.js';
import { EVENT_HEADER_LENGTH, type RawEvent, type RawEventSource } from './raw-event.js';

/** The 4 bytes every binlog file starts with. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

const CHUNK = 1 << 20;

export interface BinlogFileOptions {
  /**
   * Byte offset to start at in the first file (default 4, right after the magic). When it is
   * beyond 4, the file's FORMAT_DESCRIPTION (at 4) is yielded first, as mysqlbinlog does, so a
   * decoder knows the checksum algorithm and post-header lengths.
   */
  startPosition?: number;
}

/**
 * Streams the events of local binlog files, in the order given, with bounded memory: the file
 * is read in 1 MiB chunks and each event is a view of its chunk (events larger than a chunk
 * get their own buffer), so nothing is held beyond the events the consumer keeps.
 *
 * Errors: a file without the `\xfebin` magic → `BLK_B2007`; an event header that claims fewer
 * than 19 bytes → `BLK_B2003`; a file that ends inside an event → `BLK_B2001` with file,
 * position, need and have — *except* for the last file when its FORMAT_DESCRIPTION still has
 * LOG_EVENT_BINLOG_IN_USE_F set (the server is writing it): then the incomplete tail is the
 * event being written and iteration ends cleanly before it.
 *
 * Each file starts with a FORMAT_DESCRIPTION, so one decoder can read them all in order.
 */
export function openBinlogFiles(paths: string[], options: BinlogFileOptions = {}): RawEventSource {
  let handle: FileHandle | null = null;
  let closed = false;

  async function* events(): AsyncGenerator<RawEvent> {
    for (let f = 0; f < paths.length && !closed; f++) {
      const filePath = paths[f];
      const file = path.basename(filePath);
      const last = f === paths.length - 1;
      handle = await open(filePath, 'r');
      try {
        const size = (await handle.stat()).size;
        const magic = Buffer.alloc(4);
        const { bytesRead } = await handle.read(magic, 0, 4, 0);
        if (bytesRead < 4 || !magic.equals(BINLOG_MAGIC)) {
          throw new BinlakeError('BLK_B2007', `${file} is not a binlog file (no \\xfebin magic)`, {
            details: { file, magic: magic.subarray(0, bytesRead).toString('hex') },
          });
        }
        let position = 4;
        const start = f === 0 && options.startPosition !== undefined ? options.startPosition : 4;
        let chunk: Buffer = Buffer.alloc(0);
        let chunkStart = position;
        let inUse = false;
        let first = true;
        while (position < size && !closed) {
          // make sure the header is in the chunk
          if (position + EVENT_HEADER_LENGTH > chunkStart + chunk.length) {
            chunk = await readAt(handle, position, Math.min(CHUNK, size - position));
            chunkStart = position;
          }
          if (position + EVENT_HEADER_LENGTH > chunkStart + chunk.length) {
            if (last && inUse) return;
            throw truncated(file, position, EVENT_HEADER_LENGTH, size - position);
          }
          const at = position - chunkStart;
          const eventSize = chunk.readUInt32LE(at + 9);
          if (first) {
            inUse = (chunk.readUInt16LE(at + 17) & EventFlag.BINLOG_IN_USE) !== 0;
            first = false;
          }
          if (eventSize < EVENT_HEADER_LENGTH) {
            throw new BinlakeError('BLK_B2003', `event at ${file}:${position} claims ${eventSize} bytes`, {
              details: {
                file,
                position,
                offset: 9,
                header: chunk.subarray(at, at + EVENT_HEADER_LENGTH).toString('hex'),
              },
            });
          }
          if (position + eventSize > size) {
            if (last && inUse) return;
            throw truncated(file, position, eventSize, size - position);
          }
          let bytes: Buffer;
          if (at + eventSize <= chunk.length) {
            bytes = chunk.subarray(at, at + eventSize);
          } else if (eventSize > CHUNK / 2) {
            bytes = await readAt(handle, position, eventSize);
          } else {
            chunk = await readAt(handle, position, Math.min(CHUNK, size - position));
            chunkStart = position;
            bytes = chunk.subarray(0, eventSize);
          }
          // before `start`, only the leading FORMAT_DESCRIPTION is yielded
          if (position >= start || position === 4) yield { file, position, bytes };
          position = position === 4 && start > 4 ? start : position + eventSize;
        }
      } finally {
        const h = handle;
        handle = null;
        await h?.close();
      }
    }
  }

  const generator = events();
  return {
    [Symbol.asyncIterator]: () => generator,
    async close() {
      closed = true;
      await generator.return(undefined);
      const h = handle;
      handle = null;
      await h?.close().catch(() => {});
    },
  };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function truncated(file: string, position: number, need: number, have: number): BinlakeError {
  return new BinlakeError(
    'BLK_B2001',
    `${file} ends inside the event at ${position} (${have} of ${need} bytes)`,
    {
      details: { file, position, need, have },
      remedy: 'the file was cut short; read the rest from the server or a complete copy',
    },
  );
}
