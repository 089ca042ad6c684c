import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';
import { BinlakeError } from '../core/errors.js';
import { EventFlag } from './event-header.js';
import { EVENT_HEADER_LENGTH, type RawEvent, type RawEventSource } from './raw-event.js';

/** The 4 bytes every binlog file starts with. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

const CHUNK = 1 << 20;

/**
 * No event is longer: the server refuses a packet (so an event) over max_allowed_packet, whose
 * largest value is 1 GiB. A header that claims more is corrupt, not the start of a long event.
 */
const MAX_EVENT_BYTES = 1 << 30;

/** `log_pos`, the end position of the event in its file (v4 header, after the length). */
const LOG_POS_OFFSET = 13;

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
 * Errors, each with a remedy: a path that is missing, a directory or unreadable → `BLK_B2008`
 * (every path is checked before the first event, so nothing is yielded for a bad list); a file
 * without the `\xfebin` magic → `BLK_B2007`; an event header that claims fewer than 19 bytes,
 * more than 1 GiB, or a length its own end position (log_pos) contradicts → `BLK_B2003` (the
 * header is corrupt); a file that ends inside an event whose header is plausible → `BLK_B2001`
 * (cut short, or a corrupt length) with file, position, need and have — *except* for the last
 * file when its FORMAT_DESCRIPTION still has LOG_EVENT_BINLOG_IN_USE_F set (the server is
 * writing it): then the incomplete tail is the event being written and iteration ends cleanly
 * before it.
 *
 * Each file starts with a FORMAT_DESCRIPTION, so one decoder can read them all in order.
 */
export function openBinlogFiles(paths: string[], options: BinlogFileOptions = {}): RawEventSource {
  let handle: FileHandle | null = null;
  let closed = false;

  async function* events(): AsyncGenerator<RawEvent> {
    // Every path first: a typo in the third file should not surface after two files of output.
    for (const filePath of paths) await (await openReadable(filePath)).handle.close();
    for (let f = 0; f < paths.length && !closed; f++) {
      const filePath = paths[f];
      const file = path.basename(filePath);
      const last = f === paths.length - 1;
      const opened = await openReadable(filePath);
      handle = opened.handle;
      try {
        const size = opened.size;
        const magic = Buffer.alloc(4);
        const { bytesRead } = await handle.read(magic, 0, 4, 0);
        if (bytesRead < 4 || !magic.equals(BINLOG_MAGIC)) {
          throw new BinlakeError('BLK_B2007', `${file} is not a binlog file (no \\xfebin magic)`, {
            details: { file, path: filePath, magic: magic.subarray(0, bytesRead).toString('hex') },
            remedy:
              'give binlog files as the server writes them (binlog.000001 …, not the .index file or ' +
              'mysqlbinlog text output); a copy that does not start with the magic is damaged: copy it again',
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
            throw cutInHeader(filePath, position, size - position);
          }
          const at = position - chunkStart;
          const eventSize = chunk.readUInt32LE(at + 9);
          if (first) {
            inUse = (chunk.readUInt16LE(at + 17) & EventFlag.BINLOG_IN_USE) !== 0;
            first = false;
          }
          if (eventSize < EVENT_HEADER_LENGTH) {
            throw corruptHeader(
              filePath,
              position,
              headerAt(chunk, at),
              `claims ${eventSize} bytes, less than the ${EVENT_HEADER_LENGTH}-byte header itself`,
            );
          }
          if (position + eventSize > size) {
            const problem = implausibleLength(position, eventSize, size - position, headerAt(chunk, at));
            if (problem !== null) throw corruptHeader(filePath, position, headerAt(chunk, at), problem);
            if (last && inUse) return;
            throw cutShort(filePath, position, eventSize, size - position, headerAt(chunk, at));
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

/** The event header's bytes, for an error (made only then: a view per event costs ~50 ns). */
function headerAt(chunk: Buffer, at: number): Buffer {
  return chunk.subarray(at, at + EVENT_HEADER_LENGTH);
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

/** Opens a binlog file for reading; a missing, unreadable or non-regular path is BLK_B2008. */
async function openReadable(filePath: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(filePath, 'r');
  } catch (error) {
    throw unreadable(filePath, error);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw aDirectory(filePath, { path: filePath });
    if (!stat.isFile()) {
      throw new BinlakeError('BLK_B2008', `${filePath} is not a regular file, not a binlog file`, {
        remedy: 'give the path of a binlog file (binlog.000001 …); a pipe or device cannot be read this way',
        details: { path: filePath },
      });
    }
    return { handle, size: stat.size };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error instanceof BinlakeError ? error : unreadable(filePath, error);
  }
}

function aDirectory(filePath: string, details: Record<string, unknown>, cause?: unknown): BinlakeError {
  return new BinlakeError('BLK_B2008', `${filePath} is a directory, not a binlog file`, {
    remedy: `give the binlog files in it, oldest first (e.g. ${path.join(filePath, 'binlog.0*')})`,
    details,
    cause,
  });
}

function unreadable(filePath: string, error: unknown): BinlakeError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  const details = { path: filePath, errno: code ?? null };
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new BinlakeError('BLK_B2008', `${filePath} does not exist`, {
      remedy:
        "check the path; a server's binlog files are in its datadir (or where log_bin_basename points), " +
        'named like binlog.000001',
      details,
      cause: error,
    });
  }
  if (code === 'EISDIR') return aDirectory(filePath, details, error);
  if (code === 'EACCES' || code === 'EPERM') {
    return new BinlakeError('BLK_B2008', `${filePath} cannot be read: permission denied`, {
      remedy:
        'binlog files usually belong to the mysql user: run as a user that may read them, or copy them ' +
        'somewhere readable (cp, then chmod)',
      details,
      cause: error,
    });
  }
  return new BinlakeError('BLK_B2008', `${filePath} cannot be read: ${text}`, {
    remedy: 'check that the path names a readable binlog file',
    details,
    cause: error,
  });
}

/**
 * Why a length that runs past the end of the file cannot be the length of an event being cut
 * short, or null when it may be: more than 1 GiB, or a length the header's own end position
 * (log_pos = position + length in a binlog file) contradicts while pointing inside the file.
 */
function implausibleLength(position: number, need: number, have: number, header: Buffer): string | null {
  const reasons: string[] = [];
  if (need > MAX_EVENT_BYTES)
    reasons.push('more than any event can have (1 GiB, the largest max_allowed_packet)');
  const logPos = header.readUInt32LE(LOG_POS_OFFSET);
  const implied = logPos - position;
  if (logPos !== 0 && implied >= EVENT_HEADER_LENGTH && implied <= have && implied !== need) {
    reasons.push(`while its end position (log_pos ${logPos}) says ${implied} bytes`);
  }
  if (reasons.length === 0) return null;
  return `claims ${need} bytes, ${reasons.join(', ')}; the file has ${have} bytes from there`;
}

/** A remedy shared by the file's header and length errors. */
function checkTheFile(filePath: string): string {
  return (
    `check the file with \`mysqlbinlog ${filePath}\` (it stops at the same offset) and copy it again from the ` +
    `server, or dump the events from the server instead (binlake binlog dump --host … --start-file ${path.basename(filePath)})`
  );
}

function corruptHeader(filePath: string, position: number, header: Buffer, problem: string): BinlakeError {
  const file = path.basename(filePath);
  return new BinlakeError('BLK_B2003', `the event header at ${file}:${position} is corrupt: it ${problem}`, {
    remedy:
      `the header's length field (bytes 9–12) is damaged, or an earlier event's length was and ${position} is ` +
      `not where an event starts; a file cut short would not show this: ${checkTheFile(filePath)}`,
    details: { file, position, offset: 9, header: header.toString('hex') },
  });
}

function cutShort(
  filePath: string,
  position: number,
  need: number,
  have: number,
  header: Buffer,
): BinlakeError {
  const file = path.basename(filePath);
  return new BinlakeError(
    'BLK_B2001',
    `${file} ends inside the event at ${position} (${have} of ${need} bytes): the file was cut short, or the event header is corrupt`,
    {
      remedy:
        'either the file is incomplete (copied while the server wrote it, a full disk, an interrupted ' +
        `transfer) or the length in the header at ${position} is damaged: ${checkTheFile(filePath)}`,
      details: { file, position, need, have, header: header.toString('hex') },
    },
  );
}

function cutInHeader(filePath: string, position: number, have: number): BinlakeError {
  const file = path.basename(filePath);
  return new BinlakeError(
    'BLK_B2001',
    `${file} ends inside the event header at ${position} (${have} of ${EVENT_HEADER_LENGTH} bytes): the file was cut short, or has trailing garbage`,
    {
      remedy:
        'the file is incomplete (copied while the server wrote it, a full disk, an interrupted transfer) or an ' +
        `earlier event's length was damaged: ${checkTheFile(filePath)}`,
      details: { file, position, need: EVENT_HEADER_LENGTH, have },
    },
  );
}
