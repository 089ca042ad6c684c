import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { ChecksumRun } from '../binlog/checksum-run.js';
import { u32le } from '../binlog/event-header.js';
import type { RawEvent, RawEventSource } from '../binlog/raw-event.js';
import { EVENT_HEADER_LENGTH } from '../binlog/raw-event.js';
import type { BinlogPosition } from '../core/change-event.js';
import { BinlakeError } from '../core/errors.js';
import {
  BINLOG_DUMP_NON_BLOCK,
  BINLOG_SEND_ANNOTATE_ROWS_EVENT,
  binlogDumpGtidPacket,
  binlogDumpPacket,
  encodeMysqlGtidSet,
  parseErrPacket,
  registerSlavePacket,
} from './commands.js';
import { connectError, isInterruption, isTransient, replicationServerError } from './errors.js';
import {
  EVENT_SIZE_OFFSET,
  EVENT_TYPE_OFFSET,
  FLAGS_OFFSET,
  FORMAT_DESCRIPTION_EVENT,
  formatDescriptionChecksum,
  HEARTBEAT_EVENT,
  HEARTBEAT_V2_EVENT,
  LOG_EVENT_ARTIFICIAL_F,
  LOG_POS_OFFSET,
  ROTATE_EVENT,
  readRotate,
} from './event-header.js';
import { PacketFramer } from './packet-framer.js';
import { type Flavor, openSession, type SessionTarget } from './session.js';

/** Where replication starts: a file position, a GTID set/position, or the current end. */
export type ReplicationStart = { file: string; position: number } | { gtid: string } | 'end';

export interface ReplicationStreamOptions extends SessionTarget {
  /** Replica server id; must differ from every server id in the topology. */
  serverId: number;
  /**
   * `{ gtid }` is a MariaDB GTID position (`@@gtid_binlog_pos`, e.g. `0-1-42`) or a MySQL GTID
   * set (`@@gtid_executed`); replication starts after the transactions it names.
   */
  start: ReplicationStart;
  /** Ask for a HEARTBEAT event after this many idle seconds; 3 periods of silence = dead connection. */
  heartbeatSeconds?: number;
  /** End the iteration at the binlog's current end (COM_BINLOG_DUMP's NON_BLOCK flag). */
  stopAtEnd?: boolean;
  /** Reconnect after a dropped connection for up to `maxMillis`; without it a drop throws BLK_P3001. */
  reconnect?: { maxMillis: number };
  /** Aborting ends the iteration like `close()`. */
  signal?: AbortSignal;
  /** MariaDB: also receive ANNOTATE_ROWS events (the SQL of each row event group). */
  annotateRows?: boolean;
  /** Pause the socket while this many event bytes wait for the consumer. Default 8 MiB. */
  maxQueuedBytes?: number;
}

/**
 * A live binlog from a server, as a `RawEventSource`. One consumer iterates it once.
 *
 * - Every RawEvent carries the binlog file it belongs to and its start offset there. Events the
 *   server makes up (the fake ROTATE and FORMAT_DESCRIPTION at the start of a dump, MariaDB's
 *   fake GTID_LIST / BINLOG_CHECKPOINT, HEARTBEATs) have `log_pos` 0 or are flagged
 *   artificial; they carry the current position and do not move it.
 * - `position()` is the position right after the last event handed out. Resuming a new stream
 *   there (`start: position()`) yields exactly the events that follow, none twice.
 * - The iteration ends normally at `close()`, on `signal` abort, or (with `stopAtEnd`) at the
 *   binlog's end; it throws a `BinlakeError` on a server error or when reconnecting fails.
 * - With checksums on, a socket chunk's events are handed out once their CRC32 trailers have been
 *   checked together (`ChecksumRun`; the packet headers between them are overwritten for it) and
 *   carry `checksumVerified`; a run that fails is left to the decoder, which names the event.
 */
export interface ReplicationStream extends RawEventSource {
  position(): BinlogPosition;
  /** How many times the connection was re-established after a drop. */
  readonly reconnects: number;
  readonly flavor: Flavor;
  readonly serverVersion: string;
  /** The source's binlog_checksum is CRC32 (events carry a 4-byte trailer). */
  readonly checksum: boolean;
  /** The server connection id of the current replication connection. */
  readonly connectionId: number;
  /** Event bytes received but not yet handed out. */
  readonly queuedBytes: number;
  /** The most `queuedBytes` has ever been (backpressure tests and metrics). */
  readonly peakQueuedBytes: number;
  /** Count and bytes of events handed out. */
  readonly stats: { events: number; bytes: number };
  takeBuffered(): RawEvent | undefined;
  /**
   * Wall time (ms) the server last sent anything (an event or a heartbeat) on the current
   * connection; 0 while there is none (reconnecting, ended, failed). An idle source sends a
   * heartbeat every heartbeatSeconds, so this tells a quiet source from a silent connection.
   */
  readonly lastHeardAt: number;
}

/** Opens the connection, registers as a replica and starts the dump; resolves once it runs. */
export async function openReplicationStream(options: ReplicationStreamOptions): Promise<ReplicationStream> {
  const stream = new LiveStream(options);
  await stream.start();
  return stream;
}

const MIB = 1024 * 1024;
/** MySQL GTID (33), ANONYMOUS_GTID (34), GTID_TAGGED (42); MariaDB GTID (162). */
const GTID_EVENTS = new Set([33, 34, 42, 162]);
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 10_000;

interface Queued {
  event: RawEvent;
  /** Position after this event. */
  nextFile: string;
  nextPosition: number;
}

type Phase = 'register' | 'dump';

class LiveStream implements ReplicationStream {
  flavor: Flavor = 'mysql';
  serverVersion = '';
  checksum = false;
  connectionId = 0;
  reconnects = 0;
  queuedBytes = 0;
  peakQueuedBytes = 0;
  readonly stats = { events: 0, bytes: 0 };

  private readonly maxQueued: number;
  private socket: Duplex | null = null;
  private framer: PacketFramer | null = null;
  private phase: Phase = 'register';
  private paused = false;
  private closed = false;
  private ended = false;
  private failure: BinlakeError | null = null;
  private reconnecting = false;

  private readonly queue: (Queued | undefined)[] = [];
  /**
   * Events of the socket chunk being framed. They reach the queue together at the end of the
   * chunk, after `checksums` has checked their CRC32 trailers in one pass.
   */
  private readonly received: Queued[] = [];
  private readonly checksums = new ChecksumRun();
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<RawEvent>) => void; reject: (e: unknown) => void } | null =
    null;
  private iterated = false;

  /** Receive side: where the next event from the server starts. */
  private file = '';
  private nextPosition = 4;
  /** Whether `file`/`nextPosition` are exact (false until a GTID start delivered a real event). */
  private positionKnown: boolean;
  private readonly gtidStart: boolean;
  private eventChecksum = false;
  /** Consumer side: the position after the last event handed out. */
  private handedFile = '';
  private handedPosition = 4;

  private lastDataAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private registerDone: { resolve: () => void; reject: (e: unknown) => void } | null = null;
  private readonly onAbort = () => {
    void this.close();
  };

  constructor(private readonly options: ReplicationStreamOptions) {
    this.maxQueued = options.maxQueuedBytes ?? 8 * MIB;
    const start = options.start;
    this.positionKnown = typeof start === 'object' && 'file' in start;
    this.gtidStart = typeof start === 'object' && 'gtid' in start;
    if (typeof start === 'object' && 'file' in start) {
      this.file = this.handedFile = start.file;
      this.nextPosition = this.handedPosition = start.position;
    }
  }

  position(): BinlogPosition {
    return { file: this.handedFile, position: this.handedPosition };
  }

  async start(): Promise<void> {
    if (this.options.signal?.aborted)
      throw new BinlakeError('BLK_P3001', 'replication was aborted before it started', {
        remedy: 'nothing to fix: the caller stopped it (a signal or shutdown) before the connection was made',
      });
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
    try {
      await this.connect();
    } catch (error) {
      this.options.signal?.removeEventListener('abort', this.onAbort);
      this.detachSocket();
      throw connectError(error, this.options);
    }
    if (this.closed) return;
    if (this.options.heartbeatSeconds && this.options.heartbeatSeconds > 0) {
      const period = this.options.heartbeatSeconds * 1000;
      this.watchdog = setInterval(() => this.checkAlive(period * 3), Math.max(50, period / 2));
      this.watchdog.unref();
    }
  }

  /** One connection attempt: session, register, dump. Resolves when the server accepted the dump. */
  private async connect(): Promise<void> {
    const o = this.options;
    const start = o.start;
    const target: SessionTarget = o;
    const resume = this.positionKnown ? { file: this.file, position: this.nextPosition } : null;
    const gtid = resume === null && typeof start === 'object' && 'gtid' in start ? start.gtid : null;
    const session = await openSession(target, {
      heartbeatSeconds: o.heartbeatSeconds,
      readEnd: resume === null && start === 'end',
      // The flavor is only known after the handshake; a MariaDB GTID position has a fixed form.
      mariadbGtid: gtid !== null && /^[\d\s,-]*$/.test(gtid) ? gtid : undefined,
    });
    if (this.closed) {
      session.socket.destroy();
      return;
    }
    this.flavor = session.flavor;
    this.serverVersion = session.version;
    this.checksum = session.checksum;
    this.eventChecksum = session.checksum;
    this.connectionId = session.connectionId;

    let from: { file: string; position: number } | null = resume;
    if (from === null && session.end) {
      from = session.end;
      this.file = this.handedFile = from.file;
      this.nextPosition = this.handedPosition = from.position;
      this.positionKnown = true;
    }
    let flags = o.stopAtEnd ? BINLOG_DUMP_NON_BLOCK : 0;
    let dump: Buffer;
    if (from !== null) {
      if (session.flavor === 'mariadb' && o.annotateRows) flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
      dump = binlogDumpPacket({ serverId: o.serverId, file: from.file, position: from.position, flags });
    } else if (session.flavor === 'mariadb') {
      if (gtid === null || !/^[\d\s,-]*$/.test(gtid)) {
        session.socket.destroy();
        throw new BinlakeError('BLK_C0006', `not a MariaDB GTID position: ${JSON.stringify(gtid)}`, {
          remedy:
            'give it as @@gtid_binlog_pos prints it, e.g. 0-1-42 (domain-server-sequence, comma-separated)',
        });
      }
      if (o.annotateRows) flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
      // With @slave_connect_state set, MariaDB ignores the file and position of the dump request.
      dump = binlogDumpPacket({ serverId: o.serverId, file: '', position: 4, flags });
    } else {
      dump = binlogDumpGtidPacket({ serverId: o.serverId, gtidSet: encodeMysqlGtidSet(gtid ?? ''), flags });
    }

    const socket = session.socket;
    const framer = new PacketFramer((buf, start, end) => this.onPayload(buf, start, end));
    this.socket = socket;
    this.framer = framer;
    this.phase = 'register';
    this.paused = false;
    this.lastDataAt = Date.now();
    if ('setKeepAlive' in socket && typeof socket.setKeepAlive === 'function')
      socket.setKeepAlive(true, 10_000);
    const registered = new Promise<void>((resolve, reject) => {
      this.registerDone = { resolve, reject };
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.lastDataAt = Date.now();
      try {
        framer.push(chunk);
        this.deliver();
      } catch (error) {
        // fail() hands out the events received before the error first.
        this.fail(error instanceof BinlakeError ? error : malformed(String(error)));
      }
    });
    socket.on('error', (error: Error) => this.dropped(socket, error));
    socket.on('close', () => this.dropped(socket, connectionLost()));
    socket.write(registerSlavePacket(o.serverId, `binlake@${hostname()}`.slice(0, 60)));
    await registered;
    if (this.socket !== socket) throw connectionLost();
    this.phase = 'dump';
    socket.write(dump);
  }

  private onPayload(buf: Buffer, start: number, end: number): void {
    const first = end > start ? buf[start] : undefined;
    if (first === 0x00 && this.phase !== 'register') {
      // The hot path: one view per event, of the event itself.
      this.onEvent(buf, start + 1, end);
      return;
    }
    // Whatever this packet means (the end, an error), the events before it come first.
    this.deliver();
    const payload = buf.subarray(start, end);
    if (this.phase === 'register') {
      const done = this.registerDone;
      this.registerDone = null;
      if (first === 0xff) {
        const where = this.positionKnown ? { file: this.file, position: this.nextPosition } : { gtid: '' };
        done?.reject(
          replicationServerError(parseErrPacket(payload), { ...where, serverId: this.options.serverId }),
        );
      } else {
        done?.resolve();
      }
      return;
    }
    if (first === 0xfe && payload.length < 9) {
      if (!this.options.stopAtEnd) {
        // A blocking dump only ends when the server stops it (shutdown, KILL): a drop.
        if (this.socket) this.dropped(this.socket, new Error('the source ended the binlog dump'));
        return;
      }
      this.ended = true;
      this.detachSocket();
      this.wake();
      return;
    }
    if (first === 0xff) {
      const error = parseErrPacket(payload);
      if (isInterruption(error.code) && this.socket) {
        this.dropped(
          this.socket,
          new Error(`the source stopped the binlog dump: ${error.message} (${error.code})`),
        );
        return;
      }
      const start = this.options.start;
      const where =
        this.positionKnown || typeof start !== 'object' || !('gtid' in start)
          ? { file: this.file, position: this.nextPosition }
          : { gtid: start.gtid };
      this.fail(replicationServerError(error, { ...where, serverId: this.options.serverId }));
      return;
    }
    this.fail(
      malformed(`unexpected packet starting with 0x${first?.toString(16) ?? '??'} in the binlog stream`),
    );
  }

  /** The event at `buf[start, end)`, with the 5 bytes before it (its packet header) already read. */
  private onEvent(buf: Buffer, start: number, end: number): void {
    const bytes = buf.subarray(start, end);
    if (bytes.length < EVENT_HEADER_LENGTH) {
      this.fail(malformed(`binlog event of ${bytes.length} bytes is shorter than its header`, bytes));
      return;
    }
    const size = u32le(bytes, EVENT_SIZE_OFFSET);
    if (size !== bytes.length) {
      this.fail(
        malformed(`binlog event says it has ${size} bytes but its packet holds ${bytes.length}`, bytes),
      );
      return;
    }
    const type = bytes[EVENT_TYPE_OFFSET];
    const logPos = u32le(bytes, LOG_POS_OFFSET);
    const artificial = (bytes[FLAGS_OFFSET] & LOG_EVENT_ARTIFICIAL_F) !== 0;
    let file = this.file;
    let position = this.nextPosition;
    if (type === ROTATE_EVENT) {
      const target = readRotate(bytes, this.eventChecksum);
      const fake = artificial || bytes.readUInt32LE(0) === 0 || logPos === 0;
      if (fake) {
        // The dump starts (or a file boundary is crossed without a stored rotate): it names
        // the file the following events come from. After a GTID start the position it names
        // is where the server starts scanning, not yet exact (`positionKnown` stays false).
        file = this.file = target.file;
        position = this.nextPosition = target.position;
      } else {
        // A real rotate is the last event of its file.
        if (logPos >= size) position = logPos - size;
        this.file = target.file;
        this.nextPosition = target.position;
        this.settle(type);
      }
    } else if (type === HEARTBEAT_EVENT || type === HEARTBEAT_V2_EVENT || logPos === 0) {
      if (type === FORMAT_DESCRIPTION_EVENT) this.noteFormat(bytes);
    } else if (artificial) {
      // MariaDB, after a GTID start: a fake GTID_LIST whose log_pos is where the first event
      // it will send starts (`sql/sql_repl.cc`, the skipped groups lie before it).
      this.nextPosition = logPos;
      this.positionKnown = true;
      position = logPos;
    } else {
      if (type === FORMAT_DESCRIPTION_EVENT) this.noteFormat(bytes);
      if (logPos >= size) position = logPos - size;
      this.nextPosition = logPos;
      this.settle(type);
    }
    const event: RawEvent = { file, position, bytes, checksumVerified: false };
    // A FORMAT_DESCRIPTION's CRC is taken with its in-use flag cleared: the decoder checks it.
    if (this.eventChecksum && type !== FORMAT_DESCRIPTION_EVENT) this.checksums.add(event, buf, start, end);
    this.received.push({ event, nextFile: this.file, nextPosition: this.nextPosition });
  }

  /**
   * Hands the events received so far to the queue, their checksums checked. After a failure or
   * a close, the rest of the chunk being framed is dropped: nothing follows what ended the stream.
   */
  private deliver(): void {
    const received = this.received;
    if (received.length === 0) return;
    this.checksums.check();
    if (this.failure === null && !this.closed) {
      for (let i = 0; i < received.length; i++) this.enqueue(received[i]);
    }
    received.length = 0;
  }

  /**
   * After a stored event the receive position is exact, except after a GTID start before the
   * first transaction: the server sends each file's header events (FORMAT_DESCRIPTION,
   * PREVIOUS_GTIDS, GTID_LIST, BINLOG_CHECKPOINT, ROTATE) but skips the transactions the GTID
   * set already holds, so resuming by file and position there would replay them. Until a GTID
   * event arrives, a reconnect starts from the GTID again.
   */
  private settle(type: number): void {
    if (this.positionKnown) return;
    if (!this.gtidStart || GTID_EVENTS.has(type)) this.positionKnown = true;
  }

  private noteFormat(bytes: Buffer): void {
    const checksum = formatDescriptionChecksum(bytes);
    if (checksum !== null) this.eventChecksum = checksum;
  }

  private enqueue(item: Queued): void {
    const waiter = this.waiter;
    if (waiter !== null && this.head === this.queue.length) {
      this.waiter = null;
      this.handOut(item);
      waiter.resolve({ value: item.event, done: false });
      return;
    }
    this.queue.push(item);
    this.queuedBytes += item.event.bytes.length;
    if (this.queuedBytes > this.peakQueuedBytes) this.peakQueuedBytes = this.queuedBytes;
    if (!this.paused && this.queuedBytes >= this.maxQueued && this.socket) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private handOut(item: Queued): void {
    this.handedFile = item.nextFile;
    this.handedPosition = item.nextPosition;
    this.stats.events++;
    this.stats.bytes += item.event.bytes.length;
  }

  private take(): Queued | undefined {
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head] as Queued;
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.queuedBytes -= item.event.bytes.length;
    if (this.paused && this.queuedBytes <= this.maxQueued / 2) {
      this.paused = false;
      this.lastDataAt = Date.now();
      this.socket?.resume();
    }
    return item;
  }

  takeBuffered(): RawEvent | undefined {
    if (this.waiter) return undefined;
    const item = this.take();
    if (item === undefined) return undefined;
    this.handOut(item);
    return item.event;
  }

  private next(): Promise<IteratorResult<RawEvent>> {
    const item = this.take();
    if (item !== undefined) {
      this.handOut(item);
      return Promise.resolve({ value: item.event, done: false });
    }
    if (this.failure) {
      const failure = this.failure;
      return Promise.reject(failure);
    }
    if (this.closed || this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter)
      return Promise.reject(new Error('ReplicationStream: next() called while a read is pending'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Settles a pending read after the end, a close or a failure. */
  private wake(): void {
    const waiter = this.waiter;
    if (waiter === null || this.head < this.queue.length) return;
    this.waiter = null;
    if (this.failure) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<RawEvent> {
    if (this.iterated) throw new Error('a ReplicationStream can be iterated only once');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.stopWatchdog();
    this.detachSocket();
    this.queue.length = 0;
    this.head = 0;
    this.queuedBytes = 0;
    const done = this.registerDone;
    this.registerDone = null;
    done?.reject(connectionLost());
    this.wake();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private detachSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.framer?.reset();
    this.framer = null;
    if (socket) {
      socket.removeAllListeners('data');
      socket.on('error', () => {});
      socket.destroy();
    }
  }

  private fail(error: BinlakeError): void {
    if (this.closed || this.failure) return;
    this.deliver();
    this.failure = error;
    this.stopWatchdog();
    this.detachSocket();
    const done = this.registerDone;
    this.registerDone = null;
    done?.reject(error);
    this.wake();
  }

  get lastHeardAt(): number {
    const connected = this.socket !== null && !this.reconnecting && !this.closed && !this.ended;
    return connected && this.failure === null ? this.lastDataAt : 0;
  }

  private checkAlive(limitMs: number): void {
    if (this.paused || this.reconnecting || !this.socket || this.closed || this.ended) return;
    if (Date.now() - this.lastDataAt <= limitMs) return;
    const silent = new BinlakeError(
      'BLK_P3003',
      `no event or heartbeat from the source for ${Math.round((Date.now() - this.lastDataAt) / 1000)} s`,
      {
        remedy:
          'the connection went silent: check the network between binlake and the source (a firewall, NAT or ' +
          'proxy that drops idle connections) and whether the source is overloaded or hung',
        details: { heartbeatSeconds: this.options.heartbeatSeconds },
      },
    );
    this.dropped(this.socket, silent);
  }

  /** The socket failed or closed without a server ERR: reconnect, or fail with BLK_P3001. */
  private dropped(socket: Duplex, cause: unknown): void {
    if (this.socket !== socket || this.closed || this.failure || this.ended) return;
    this.detachSocket();
    const registering = this.registerDone;
    if (registering) {
      // Still inside connect(): its caller (start or the reconnect loop) decides.
      this.registerDone = null;
      registering.reject(cause);
      return;
    }
    const maxMillis = this.options.reconnect?.maxMillis ?? 0;
    if (maxMillis <= 0) {
      this.fail(this.lostError(cause, 0));
      return;
    }
    void this.reconnectLoop(cause, maxMillis);
  }

  private async reconnectLoop(firstCause: unknown, maxMillis: number): Promise<void> {
    this.reconnecting = true;
    const deadline = Date.now() + maxMillis;
    let delay = BACKOFF_FIRST_MS;
    let lastAttempt: unknown = null;
    let attempts = 0;
    try {
      while (!this.closed && !this.failure) {
        const wait = Math.min(delay, deadline - Date.now());
        if (wait < 0) break;
        await sleep(wait, this.options.signal);
        if (this.closed) return;
        attempts++;
        try {
          await this.connect();
          if (this.closed) return;
          this.reconnects++;
          return;
        } catch (error) {
          lastAttempt = error;
          if (!isTransient(error)) {
            this.fail(error instanceof BinlakeError ? error : this.lostError(firstCause, attempts, error));
            return;
          }
        }
        if (Date.now() >= deadline) break;
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      }
      this.fail(this.lostError(firstCause, attempts, lastAttempt));
    } finally {
      this.reconnecting = false;
    }
  }

  /** BLK_P3001 naming the position to resume from, why the connection dropped, and the last attempt's failure. */
  private lostError(cause: unknown, attempts: number, lastAttempt: unknown = null): BinlakeError {
    const at = this.position();
    const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
    return new BinlakeError(
      'BLK_P3001',
      `the replication connection to ${this.options.host}:${this.options.port} was lost at ${at.file}:${at.position}: ${text(cause)}` +
        (attempts > 0 ? `; ${attempts} reconnect attempts failed, the last with: ${text(lastAttempt)}` : ''),
      {
        remedy:
          'check the source server and the network; binlake resumes from the last checkpoint when restarted',
        details: {
          file: at.file,
          position: at.position,
          attempts,
          causeCode:
            cause instanceof BinlakeError ? cause.code : ((cause as { code?: unknown })?.code ?? null),
        },
        cause,
      },
    );
  }
}

function connectionLost(): BinlakeError {
  return new BinlakeError('BLK_S1001', 'the source closed the replication connection', {
    remedy:
      "look in the source's error log for why (a restart, KILL, wait_timeout, or a proxy closing it); binlake " +
      'reconnects by itself when reconnecting is on',
  });
}

function malformed(message: string, bytes?: Buffer): BinlakeError {
  return new BinlakeError('BLK_P3004', message, {
    remedy:
      'the replication stream is not what the MySQL/MariaDB protocol says: connect to the server directly, not ' +
      'through a proxy or load balancer that may alter it; if it persists, report it with the server version',
    details: bytes ? { header: bytes.subarray(0, EVENT_HEADER_LENGTH).toString('hex') } : {},
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
