import { BinlogDecoder } from '../binlog/decoder.js';
import { EventType } from '../binlog/event-type.js';
import { RowsEventBase } from '../binlog/events/rows.js';
import type { BinlogEvent } from '../binlog/events/types.js';
import { openBinlogFiles } from '../binlog/file-reader.js';
import { JsonBytes } from '../binlog/json-bytes.js';
import type { RawEvent, RawEventSource } from '../binlog/raw-event.js';
import { isBinlakeError } from '../core/errors.js';
import {
  binlogFiles,
  firstBinlogFile,
  missingStartFile,
  openReplicationStream,
  type ReplicationStart,
  type SessionTarget,
} from '../protocol/index.js';
import { configFrom, EXIT, UsageError } from './run-command.js';

export interface DumpOptions {
  config?: string;
  host?: string;
  port?: string;
  user?: string;
  password?: string;
  serverId?: string;
  startFile?: string;
  startPosition?: string;
  gtid?: string;
  stopNever?: boolean;
  rowsOnly?: boolean;
}

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * `binlake binlog dump`: the decoder's command-line face and its benchmark
 * (`binlake binlog dump --rows-only > /dev/null`). One JSON object per line on stdout; a closed
 * pipe (`| head`) ends it quietly with exit 0; SIGINT/SIGTERM stop it after flushing.
 */
/** `binlake binlog dump`: loaded only when the command runs. */
export async function dump(files: string[], options: DumpOptions): Promise<number> {
  const startPosition =
    options.startPosition !== undefined
      ? parseInteger(options.startPosition, '--start-position', 4, 2 ** 32 - 1)
      : 4;
  const out = new LineWriter(process.stdout);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  out.onBroken = () => stop.abort();

  let source: RawEventSource;
  let decoder: BinlogDecoder;
  let skipBefore = -1; // local files: events of the first file before --start-position
  /** Turns a failure into a clearer one (a --start-file the server never had). */
  let explain = async (error: unknown): Promise<unknown> => error;
  if (files.length > 0) {
    if (options.host || options.config || options.gtid || options.stopNever) {
      throw new UsageError('give either local binlog files or a server (--config/--host), not both');
    }
    if (options.startFile !== undefined) {
      throw new UsageError(
        '--start-file names a file on the server; with local files, list them from the one to start at ' +
          '(--start-position applies to the first)',
      );
    }
    source = openBinlogFiles(files);
    decoder = new BinlogDecoder();
    skipBefore = startPosition;
  } else {
    // Checked before connecting: a position without its file would be silently ignored.
    if (options.startPosition !== undefined && options.gtid !== undefined) {
      throw new UsageError('--start-position goes with --start-file, not with --gtid');
    }
    if (options.startPosition !== undefined && !options.startFile) {
      throw new UsageError(
        '--start-position needs --start-file (a position is only meaningful in a named binlog file; ' +
          'without both the dump starts at the first file, position 4)',
      );
    }
    const target = await sourceTarget(options);
    const serverId =
      options.serverId !== undefined
        ? parseInteger(options.serverId, '--server-id', 1, 2 ** 32 - 1)
        : 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
    let start: ReplicationStart;
    if (options.gtid !== undefined) {
      if (options.startFile) throw new UsageError('give --gtid or --start-file, not both');
      start = { gtid: options.gtid };
    } else if (options.startFile) {
      start = { file: options.startFile, position: startPosition };
    } else {
      start = { file: await firstBinlogFile(target), position: 4 };
    }
    const stream = await openReplicationStream({
      ...target,
      serverId,
      start,
      stopAtEnd: !options.stopNever,
      heartbeatSeconds: options.stopNever ? 30 : undefined,
      reconnect: options.stopNever ? { maxMillis: 10 * 60_000 } : undefined,
      annotateRows: !options.rowsOnly,
      signal: stop.signal,
    });
    source = stream;
    decoder = new BinlogDecoder({ initialChecksum: stream.checksum ? 'crc32' : 'none' });
    if (options.startFile) explain = (error) => explainStartFile(error, target);
  }

  const rowsOnly = options.rowsOnly === true;
  const firstFile = files.length > 0 ? (files[0].split('/').pop() ?? '') : '';
  try {
    for await (const first of source) {
      // One await per burst: what has already arrived is taken without a promise per event.
      for (let raw: RawEvent | undefined = first; raw !== undefined; raw = source.takeBuffered?.()) {
        if (stop.signal.aborted || out.broken) break;
        if (skipBefore > 4 && raw.file === firstFile && raw.position < skipBefore && raw.bytes[4] !== 15)
          continue;
        // A rows event is printed as it is decoded; the rest come back to be printed here.
        const event = out.rowsOrEvent(decoder, raw);
        if (event !== null) {
          // By the type code: the `type` getter differs per event class, a slow lookup per event.
          const code = raw.bytes[4];
          if (code === EventType.HEARTBEAT || code === EventType.HEARTBEAT_V2) continue;
          if (rowsOnly) printRows(event, out);
          else out.event(event);
        }
        // After every event printed, rows events too: a large transaction must not pile up in memory.
        if (out.pending) await out.drained();
      }
      if (stop.signal.aborted || out.broken) break;
    }
  } catch (error) {
    throw await explain(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await source.close();
    await out.end();
  }
  return out.failed ? EXIT.failed : EXIT.ok;
}

/**
 * The server could not find --start-file: purged, or never there? `SHOW BINARY LOGS` tells,
 * and names the files it has. Any failure to ask leaves the original error.
 */
async function explainStartFile(error: unknown, target: SessionTarget): Promise<unknown> {
  if (!isBinlakeError(error, 'BLK_S1204')) return error;
  try {
    return missingStartFile(error, await binlogFiles(target));
  } catch {
    return error;
  }
}

function printRows(event: BinlogEvent, out: LineWriter): void {
  if (event instanceof RowsEventBase) {
    out.rows(event);
  } else if (event.type === 'transaction_payload') {
    for (const inner of event.events) printRows(inner, out);
  }
}

/** The server to read from: --config's source block, overridden by --host/--port/--user/--password. */
async function sourceTarget(options: DumpOptions): Promise<SessionTarget> {
  const base = options.config ? (await configFrom(options)).source : null;
  const host = options.host ?? base?.host;
  if (!host) throw new UsageError('give local binlog files, --config <file> or --host <host>');
  const user = options.user ?? base?.user;
  if (!user) throw new UsageError('--user is required with --host');
  return {
    host,
    port: options.port !== undefined ? parseInteger(options.port, '--port', 1, 65535) : (base?.port ?? 3306),
    user,
    password: options.password ?? (base?.password || process.env.MYSQL_PWD || ''),
    tls: base?.tls,
    connectTimeoutMs: base?.connectTimeoutMs,
  };
}

function parseInteger(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * Writes one JSON line per event into ~64 KiB chunks of bytes (rows events write their JSON
 * straight into the chunk), waits for 'drain' when the pipe is full, and turns EPIPE (the
 * reader went away) into a quiet stop. The stream must be done with a chunk once its
 * `writableLength` is 0 and call back every write, as Node's Writable streams (stdout among them)
 * do: the chunk's buffer is written again then.
 */
export class LineWriter {
  private readonly out = new JsonBytes(CHUNK_BYTES * 2);
  private waiting: Promise<void> | null = null;
  /** Chunks given to the stream whose write has not completed yet, and who waits for none. */
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private readonly written = () => {
    if (--this.inFlight === 0 && this.idle !== null) {
      const idle = this.idle;
      this.idle = null;
      idle();
    }
  };
  broken = false;
  /** stdout failed for another reason than a closed pipe. */
  failed = false;
  onBroken: () => void = () => {};

  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE: the reader went away (`| head`); anything else: stdout is unusable too.
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
        process.stderr.write(`binlake: cannot write to stdout: ${error.message}\n`);
        this.failed = true;
      }
      this.broken = true;
      this.out.clear();
      this.onBroken();
    });
  }

  /** True while the stream's buffer is full; await `drained()` before writing more. */
  get pending(): boolean {
    return this.waiting !== null;
  }

  event(event: BinlogEvent): void {
    if (event instanceof RowsEventBase) {
      this.rows(event);
      return;
    }
    if (this.broken) return;
    this.out.text(event.toJson());
    this.line();
  }

  /** Decodes `raw`: a rows event is written as its line and null returned, any other event returned. */
  rowsOrEvent(decoder: BinlogDecoder, raw: RawEvent): BinlogEvent | null {
    const event = decoder.decodeOrWriteRows(raw, this.out);
    if (event === null) this.line();
    return event;
  }

  rows(event: RowsEventBase): void {
    if (this.broken) return;
    event.writeJson(this.out);
    this.line();
  }

  private line(): void {
    this.out.byte(NEWLINE);
    if (this.out.length >= CHUNK_BYTES) this.flush();
  }

  flush(): void {
    if (this.out.length === 0 || this.broken) return;
    const accepted = this.stream.write(this.out.view(), this.written);
    // Counted after write(): its callback never comes synchronously, and one that throws has none.
    this.inFlight++;
    // A stream with nothing left to write (a file, /dev/null, a pipe with room) is done with the
    // bytes, and the buffer is written again: a fresh 128 KiB buffer per chunk made the dump
    // about 12% slower (allocation, page faults, GC of external memory). One that still holds
    // them (a full pipe) keeps them, and writing goes on in a fresh buffer.
    this.out.clear(this.stream.writableLength > 0);
    if (!accepted && this.waiting === null) {
      this.waiting = new Promise((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.waiting = null;
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
      });
    }
  }

  drained(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  async end(): Promise<void> {
    this.flush();
    await this.drained();
    if (this.broken) return;
    // Let the last chunk reach the pipe before the process exits ('drain' only comes after a
    // write that filled the stream's buffer; a write's callback always comes).
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
      });
    }
  }
}
