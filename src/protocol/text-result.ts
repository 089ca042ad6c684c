import { type CellColumn, CellRows } from '../core/cell-rows.js';

/**
 * The result of one COM_QUERY in the text protocol (MySQL manual, "Text Resultset"), read from
 * the raw bytes of the connection into `CellRows` without a JavaScript value per cell:
 *
 *   column count · one column definition per column · EOF · row … · EOF (or ERR)
 *
 * Every byte received is appended to one buffer (packet headers included), so a packet cut by a
 * socket chunk needs no special case, and a row's cells are located in place: each is a
 * length-encoded string, or 0xFB for NULL. A payload of 0xFFFFFF bytes continues in the next
 * packet; such packets are joined in place before the row is read. The column definitions are
 * skipped: the caller knows its columns and only their count is checked.
 *
 * Failures are thrown as errors shaped like the driver's (`errno`, `sqlState`, `sqlMessage`,
 * `fatal` for a broken stream), so the connection reports them like any query error.
 */

export interface ServerError extends Error {
  errno: number;
  sqlState: string;
  sqlMessage: string;
  fatal?: boolean;
  code?: string;
}

const MAX_PAYLOAD = 0xffffff;
const NULL_CELL = 0xfb;
const EOF_MARK = 0xfe;
const ERR_MARK = 0xff;
const OK_MARK = 0x00;
/** SERVER_MORE_RESULTS_EXISTS in an EOF packet's status flags. */
const MORE_RESULTS = 0x0008;

/** The COM_QUERY packet (sequence 0) for `sql`; `attributes`: the session negotiated CLIENT_QUERY_ATTRIBUTES. */
export function comQueryPacket(sql: string, attributes: boolean): Buffer {
  const head = attributes ? 3 : 1;
  const length = head + Buffer.byteLength(sql, 'utf8');
  if (length >= MAX_PAYLOAD) throw new Error('query text of 16 MiB or more');
  const packet = Buffer.allocUnsafe(4 + length);
  packet.writeUIntLE(length, 0, 3);
  packet[3] = 0;
  packet[4] = 0x03; // COM_QUERY
  // No query attributes: parameter_count 0, parameter_set_count 1.
  if (attributes) {
    packet[5] = 0;
    packet[6] = 1;
  }
  packet.write(sql, 4 + head, 'utf8');
  return packet;
}

/**
 * The most bytes one result may take. Cells are located by Int32 offsets, so a result of 2 GiB
 * would wrap them; before that, a result this large means the statement asked for too many rows
 * of a table whose rows are far wider than the last ones read (one row is at most
 * max_allowed_packet, 1 GiB). The caller asks again for
 * fewer rows (read-chunks.ts); the connection is closed, as the rest of the result still arrives.
 */
export const MAX_RESULT_BYTES = 1.5 * 2 ** 30;

/** The code of the error a result larger than MAX_RESULT_BYTES gives. */
export const RESULT_TOO_LARGE = 'BINLAKE_RESULT_TOO_LARGE';

function resultTooLarge(maxBytes: number): ServerError {
  const message = `the result is larger than ${maxBytes} bytes: ask for fewer rows`;
  return Object.assign(new Error(message), {
    errno: 0,
    sqlState: '',
    sqlMessage: message,
    fatal: true,
    code: RESULT_TOO_LARGE,
  });
}

function protocolError(message: string): ServerError {
  return Object.assign(new Error(`malformed result from the source: ${message}`), {
    errno: 0,
    sqlState: '',
    sqlMessage: `malformed result from the source: ${message}`,
    fatal: true,
    code: 'PROTOCOL_MALFORMED_RESULT',
  });
}

/**
 * A few buffers of released results (CellRows.release), reused by the next reads: a full sync
 * reads hundreds of results of megabytes each, and allocating every one made V8 run a full
 * garbage collection every few results (it counts such external memory and collects when it
 * grows). A buffer is reused for a request of at least a quarter of its size, so small reads do
 * not hold large buffers, and buffers beyond a size are not kept at all.
 */
export class Spares<T extends { length: number }> {
  private readonly kept: T[] = [];
  constructor(
    private readonly make: (length: number) => T,
    /** How many are kept, and the longest kept: a larger one (a result of huge rows) is let go. */
    private readonly max: number,
    private readonly largest: number,
  ) {}

  take(length: number): T {
    const kept = this.kept;
    let best = -1;
    for (let i = 0; i < kept.length; i++) {
      const n = kept[i].length;
      if (n >= length && n <= 4 * length && (best < 0 || n < kept[best].length)) best = i;
    }
    if (best < 0) return this.make(length);
    const found = kept[best];
    kept[best] = kept[kept.length - 1];
    kept.pop();
    return found;
  }

  give(spare: T): void {
    const kept = this.kept;
    if (spare.length > this.largest) return;
    if (kept.length < this.max) kept.push(spare);
    else {
      // Full: keep the larger ones, which serve more requests.
      let smallest = 0;
      for (let i = 1; i < kept.length; i++) if (kept[i].length < kept[smallest].length) smallest = i;
      if (kept[smallest].length < spare.length) kept[smallest] = spare;
    }
  }
}

// A full sync's results are a few MiB (read-chunks.ts: CHUNK_BYTES), their cells a few hundred KiB.
const SPARE_BYTES = new Spares<Buffer>((n) => Buffer.allocUnsafe(n), 4, 32 << 20);
const SPARE_CELLS = new Spares<Int32Array>((n) => new Int32Array(n), 4, 4 << 20);

/** The size a result is expected to have (rows, bytes), and the most bytes it may have. */
export interface ResultSize {
  rows: number;
  bytes: number;
  maxBytes?: number;
}

type Phase = 'count' | 'definitions' | 'rows' | 'done';

export class TextResultReader {
  private buffer: Buffer;
  /** Bytes received. */
  private received = 0;
  /** Where the next packet's header starts. */
  private at = 0;
  private phase: Phase = 'count';
  private definitionsLeft = 0;
  private cells: Int32Array;
  private rows = 0;
  private failure: ServerError | null = null;
  private readonly maxBytes: number;

  constructor(
    private readonly columns: readonly CellColumn[],
    /**
     * What the result is expected to take, so that its buffers are allocated once (they grow
     * when it is more), and the most it may take (default MAX_RESULT_BYTES).
     */
    expected: ResultSize = { rows: 256, bytes: 1 << 16 },
  ) {
    this.maxBytes = Math.min(MAX_RESULT_BYTES, expected.maxBytes ?? MAX_RESULT_BYTES);
    this.buffer = SPARE_BYTES.take(Math.max(1024, Math.min(expected.bytes, this.maxBytes)));
    this.cells = SPARE_CELLS.take(Math.max(1, expected.rows) * Math.max(1, columns.length) * 2);
  }

  /** Takes the next bytes; true once the result is complete (then `result()`), throws on a failure. */
  push(chunk: Buffer): boolean {
    if (this.phase === 'done') throw protocolError('bytes after the end of the result');
    this.take(chunk);
    for (;;) {
      const payload = this.nextPayload();
      if (payload === null) return false;
      if (this.packet(payload[0], payload[1])) {
        if (this.at !== this.received) throw protocolError('bytes after the end of the result');
        return true;
      }
    }
  }

  /** The rows, once `push` returned true; throws the server's error if it sent one. */
  result(): CellRows {
    if (this.failure) throw this.failure;
    const { buffer, cells } = this;
    return new CellRows(this.columns, buffer.subarray(0, this.received), cells, this.rows, () => {
      SPARE_BYTES.give(buffer);
      SPARE_CELLS.give(cells);
    });
  }

  private take(chunk: Buffer): void {
    const need = this.received + chunk.length;
    if (need > this.maxBytes) throw resultTooLarge(this.maxBytes);
    if (need > this.buffer.length) {
      const grown = SPARE_BYTES.take(Math.min(this.maxBytes, Math.max(need, this.buffer.length * 2)));
      this.buffer.copy(grown, 0, 0, this.received);
      SPARE_BYTES.give(this.buffer);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.received);
    this.received = need;
  }

  /** [start, end) of the next complete logical payload, joining continued packets; null until it is all here. */
  private nextPayload(): [number, number] | null {
    const b = this.buffer;
    let p = this.at;
    let pieces = 0;
    for (;;) {
      if (this.received - p < 4) return null;
      const length = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16);
      if (this.received - p - 4 < length) return null;
      pieces++;
      p += 4 + length;
      if (length < MAX_PAYLOAD) break;
    }
    const start = this.at + 4;
    if (pieces === 1) {
      this.at = p;
      return [start, p];
    }
    // Close the gaps the inner headers leave; the bytes after the joined payload are not read.
    let to = start + MAX_PAYLOAD;
    let from = to + 4;
    for (let i = 1; i < pieces; i++) {
      const length = b[from - 4] | (b[from - 3] << 8) | (b[from - 2] << 16);
      b.copyWithin(to, from, from + length);
      to += length;
      from += length + 4;
    }
    this.at = p;
    return [start, to];
  }

  /** Handles one payload; true when it ended the result. */
  private packet(start: number, end: number): boolean {
    const b = this.buffer;
    const first = end > start ? b[start] : -1;
    switch (this.phase) {
      case 'count': {
        if (first === ERR_MARK) return this.serverError(start, end);
        if (first === OK_MARK || first === NULL_CELL)
          throw protocolError('the statement returned no result set');
        const [count] = this.lengthAt(start, end);
        if (count !== this.columns.length)
          throw protocolError(`${count} columns, ${this.columns.length} expected`);
        this.definitionsLeft = count;
        this.phase = 'definitions';
        return false;
      }
      case 'definitions':
        if (this.definitionsLeft > 0) {
          this.definitionsLeft--;
          return false;
        }
        this.phase = 'rows';
        // Without CLIENT_DEPRECATE_EOF an EOF packet ends the definitions; a row never starts
        // with 0xFE in a payload this short.
        if (first === EOF_MARK && end - start < 9) return false;
        return this.packet(start, end);
      case 'rows':
        if (first === EOF_MARK && end - start < 9) {
          if (end - start >= 5 && (b.readUInt16LE(start + 3) & MORE_RESULTS) !== 0)
            throw protocolError('more than one result set');
          this.phase = 'done';
          return true;
        }
        if (first === ERR_MARK) return this.serverError(start, end);
        this.row(start, end);
        return false;
      case 'done':
        throw protocolError('bytes after the end of the result');
    }
  }

  private row(start: number, end: number): void {
    const width = this.columns.length;
    let k = this.rows * width * 2;
    if (k + width * 2 > this.cells.length) {
      const grown = SPARE_CELLS.take(Math.max(this.cells.length * 2, k + width * 2));
      grown.set(this.cells);
      SPARE_CELLS.give(this.cells);
      this.cells = grown;
    }
    const b = this.buffer;
    const cells = this.cells;
    let p = start;
    for (let c = 0; c < width; c++, k += 2) {
      if (p >= end) throw protocolError(`a row has fewer than ${width} cells`);
      const lead = b[p];
      if (lead === NULL_CELL) {
        cells[k] = -1;
        cells[k + 1] = -1;
        p++;
        continue;
      }
      let length: number;
      if (lead < NULL_CELL) {
        length = lead;
        p++;
      } else {
        const [n, size] = this.lengthAt(p, end);
        length = n;
        p += size;
      }
      if (p + length > end) throw protocolError('a cell runs past the end of its row');
      cells[k] = p;
      cells[k + 1] = p + length;
      p += length;
    }
    if (p !== end) throw protocolError(`a row has more than ${width} cells`);
    this.rows++;
  }

  /** A length-encoded integer at `p`: [value, bytes it took]. */
  private lengthAt(p: number, end: number): [number, number] {
    const b = this.buffer;
    const lead = b[p];
    const size = lead < 0xfb ? 1 : lead === 0xfc ? 3 : lead === 0xfd ? 4 : lead === 0xfe ? 9 : 0;
    if (size === 0 || p + size > end)
      throw protocolError(`bad length-encoded integer 0x${lead.toString(16)}`);
    if (size === 1) return [lead, 1];
    if (size === 9) {
      const value = b.readUIntLE(p + 1, 6);
      if (b[p + 7] !== 0 || b[p + 8] !== 0) throw protocolError('a length beyond 2^48');
      return [value, 9];
    }
    return [b.readUIntLE(p + 1, size - 1), size];
  }

  /** An ERR packet: errno, '#', SQLSTATE and the message (MySQL manual, "ERR_Packet"). */
  private serverError(start: number, end: number): true {
    const b = this.buffer;
    const errno = end - start >= 3 ? b.readUInt16LE(start + 1) : 0;
    let p = start + 3;
    let sqlState = '';
    if (p + 6 <= end && b[p] === 0x23) {
      sqlState = b.toString('latin1', p + 1, p + 6);
      p += 6;
    }
    const sqlMessage = b.toString('utf8', Math.min(p, end), end);
    this.failure = Object.assign(new Error(sqlMessage), { errno, sqlState, sqlMessage });
    this.phase = 'done';
    return true;
  }
}
