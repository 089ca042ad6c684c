import { CellRows, type RowBatch } from '../../core/cell-rows.js';
import type { ColumnSchema } from '../../core/table-schema.js';
import type { Row, Value } from '../../core/values.js';
import { MAX_RESULT_BYTES, RESULT_TOO_LARGE } from '../../protocol/text-result.js';
import { quoteId, quoteTable, type SourceConnection, type SourcePool } from '../connection.js';
import { cellColumnsFor, type RowDecoder, rowDecoderFor } from '../row-reader.js';
import type { ResolvedTable } from '../schema-reader.js';

/**
 * The lock-free, chunked full sync of one table (ARCHITECTURE.md, fact 1: the DTS merge tolerates a
 * fuzzy snapshot as long as capture started before the first chunk).
 *
 * Keyset pagination over the table's key: each chunk is one autocommit `SELECT … WHERE key >
 * cursor ORDER BY key LIMIT n` on whatever pool connection is free — no LOCK TABLES, no FLUSH
 * TABLES WITH READ LOCK, no transaction spanning chunks. A composite key uses the expanded form
 * `k1 >= a AND (k1 > a OR (k1 = a AND k2 > b))`: MySQL and MariaDB turn it into a range scan of the
 * key index from the cursor on, which neither does reliably for the row constructor
 * `(k1,k2) > (a,b)` (MariaDB 10.11 EXPLAIN: `type=index`, a scan of the whole key from its start
 * for every chunk, against `type=range` for the expanded form). While the caller handles one chunk the next one is already being read
 * (one chunk of read-ahead), so the source and the sink work at the same time.
 *
 * A table without a key is read with one streamed statement, yielded in chunks whose cursor is
 * null: it cannot be resumed, a restart reads it again from the start.
 */
export interface ChunkOptions {
  chunkSize: number;
  /** Key values of the last row already copied; null to start at the beginning. */
  cursor: Row | null;
  /** Optional throttle across this table's chunks. */
  maxRowsPerSecond?: number;
  signal?: AbortSignal;
  /**
   * Rows per SELECT (default 10,000): a chunk larger than that is gathered from several
   * statements, while the chunk stays the unit of progress the caller saves. A chunk of one
   * statement keeps its cells where they were read; gathering copies them once.
   */
  statementRows?: number;
  /**
   * Chunks never cross a multiple of this many rows (counted from the first row this call reads),
   * and the chunk that reaches one says so (`atBoundary`): a caller storing several chunks in one
   * transaction ends its transactions there. Default: no boundaries.
   */
  boundaryRows?: number;
  /** The most bytes one statement's result may take (default MAX_RESULT_BYTES; tests set less). */
  maxResultBytes?: number;
}

/** Default rows per SELECT; see `ChunkOptions.statementRows`. */
export const STATEMENT_ROWS = 10_000;

/**
 * A chunk also stops at about this many bytes of row data (`approximateBytes`), so wide rows
 * make smaller chunks: the full sync holds about two and a half chunks at a time (one being
 * written, one read ahead, one statement in flight), and with 10,000 rows of 30 columns that
 * alone took the process past 400 MB (measured). Narrow rows still fill `chunkSize`.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;

/** Rows of a table's first statement; later ones grow 4× up to `statementRows`. */
const FIRST_STATEMENT_ROWS = 16;

/** Rough bytes a row takes in memory: its values' sizes plus a slot and header per value. */
export function approximateBytes(row: Row): number {
  let bytes = 32;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    bytes += 16;
    if (typeof v === 'string') bytes += v.length;
    else if (v instanceof Uint8Array) bytes += v.byteLength;
    else if (v !== null) bytes += 8;
  }
  return bytes;
}

/** Rows per chunk for rows of `bytesPerRow`: `chunkSize`, or fewer to stay near CHUNK_BYTES. */
function rowsPerChunk(chunkSize: number, bytesPerRow: number): number {
  return Math.max(1, Math.min(chunkSize, Math.floor(CHUNK_BYTES / bytesPerRow)));
}

/** `approximateBytes` of all `rows`, estimated from a sample (see meanBytes). */
export function approximateRowsBytes(rows: RowBatch): number {
  return rows.length === 0 ? 0 : meanBytes(rows) * rows.length;
}

/** Mean `approximateBytes` of a batch (sampled: at most 100 rows, evenly spread); for cells, what they hold. */
function meanBytes(rows: RowBatch): number {
  if (rows instanceof CellRows) return rows.byteLength / rows.length + rows.width * 8;
  const step = Math.max(1, Math.floor(rows.length / 100));
  let sum = 0;
  let n = 0;
  for (let i = 0; i < rows.length; i += step, n++) sum += approximateBytes(rows[i]);
  return sum / n;
}

/** One statement's rows, and the row limit it had in the end (`reduced`: lower than asked, see fetch). */
interface Fetched {
  batch: CellRows;
  limit: number;
  reduced: boolean;
}

export interface Chunk {
  /** Cells when the table has a key (read with `queryCells`), Values when it is read in one pass. */
  rows: RowBatch;
  /** Key values of the last row of this chunk (resume after it); null for a table without a key. */
  cursor: Row | null;
  /** The chunk ends at a multiple of `boundaryRows`, or ends the table. */
  atBoundary: boolean;
}

/** An SQL literal for a key value, typed so the comparison stays exact (never via DOUBLE). */
export function keyLiteral(column: ColumnSchema, value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`key ${column.name} holds ${value}`);
    return String(value);
  }
  if (value instanceof Uint8Array) {
    return value.length === 0
      ? "''"
      : `X'${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'`;
  }
  if (column.kind === 'decimal') {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new Error(`key ${column.name} holds a non-decimal ${value}`);
    return value;
  }
  if (column.kind === 'enum' && column.members) {
    // ORDER BY an ENUM sorts by member index, so compare by index too.
    const index = column.members.indexOf(value) + 1;
    if (index > 0) return String(index);
  }
  if (column.kind === 'set' && column.members) {
    // ORDER BY a SET sorts by its bit value.
    let bits = 0n;
    for (const member of value === '' ? [] : value.split(',')) {
      const i = column.members.indexOf(member);
      if (i >= 0) bits |= 1n << BigInt(i);
    }
    return bits.toString();
  }
  return `'${value.replace(/[\0\n\r\b\t\x1a'"\\]/g, (c) => {
    switch (c) {
      case '\0':
        return '\\0';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\b':
        return '\\b';
      case '\t':
        return '\\t';
      case '\x1a':
        return '\\Z';
      default:
        return `\\${c}`;
    }
  })}'`;
}

/** `k1 >= a AND (k1 > a OR (k1 = a AND k2 > b))` for a cursor (a, b) over key (k1, k2). */
export function afterCursorSql(keyColumns: ColumnSchema[], cursor: Row): string {
  const ids = keyColumns.map((c) => quoteId(c.name));
  const lits = keyColumns.map((c, i) => keyLiteral(c, cursor[i]));
  if (ids.length === 1) return `${ids[0]} > ${lits[0]}`;
  const alternatives: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const equal = ids.slice(0, i).map((id, j) => `${id} = ${lits[j]}`);
    alternatives.push([...equal, `${ids[i]} > ${lits[i]}`].join(' AND '));
  }
  return `${ids[0]} >= ${lits[0]} AND (${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}

/** The statement for one chunk (exported for tests and EXPLAIN). */
export function chunkSql(
  table: ResolvedTable,
  cursor: Row | null,
  limit: number,
  decoder?: RowDecoder,
): string {
  const schema = table.schema;
  const d = decoder ?? rowDecoderFor(schema);
  const keyColumns = schema.key.map((name) => schema.columns.find((c) => c.name === name) as ColumnSchema);
  const where = cursor ? ` WHERE ${afterCursorSql(keyColumns, cursor)}` : '';
  const order = keyColumns.map((c) => quoteId(c.name)).join(', ');
  return `SELECT ${d.selectList} FROM ${quoteTable(schema.database, schema.table)}${where} ORDER BY ${order} LIMIT ${limit}`;
}

/** Sleeps `ms`, or less when `signal` aborts; the abort listener is removed either way. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

class Throttle {
  private readonly started = Date.now();
  private rows = 0;
  constructor(private readonly rowsPerSecond: number | undefined) {}
  async after(rows: number, signal?: AbortSignal): Promise<void> {
    if (!this.rowsPerSecond) return;
    this.rows += rows;
    const due = this.started + (this.rows / this.rowsPerSecond) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait, signal);
  }
}

/**
 * Reads a table in key order, chunk by chunk, starting after `options.cursor`. Safe to run for
 * several tables at once on one pool (each chunk takes a connection for one statement only).
 * Throws the signal's reason when aborted.
 */
export async function* readChunks(
  pool: SourcePool,
  table: ResolvedTable,
  options: ChunkOptions,
): AsyncIterable<Chunk> {
  const schema = table.schema;
  const decoder = rowDecoderFor(schema);
  const throttle = new Throttle(options.maxRowsPerSecond);
  const chunkSize = Math.max(1, Math.floor(options.chunkSize));
  const boundary = new Boundary(options.boundaryRows);
  options.signal?.throwIfAborted();

  if (schema.key.length === 0) {
    yield* readWithoutKey(pool, table, decoder, chunkSize, boundary, throttle, options.signal);
    return;
  }

  const keyIndexes = schema.key.map((name) => schema.columns.findIndex((c) => c.name === name));
  const statementRows = Math.max(1, Math.floor(options.statementRows ?? STATEMENT_ROWS));
  const cellColumns = cellColumnsFor(schema);
  // Bytes a row takes in the result, from the last one read: each result's buffer is then
  // allocated once, at about its size, instead of growing by doubling (every step garbage).
  let resultBytesPerRow = 256;
  const maxResultBytes = options.maxResultBytes ?? MAX_RESULT_BYTES;
  /** The next rows after `after`, at most `limit` of them; `limit` says how many were asked for at last. */
  const fetch = async (after: Row | null, asked: number): Promise<Fetched> => {
    // Never more rows than half the byte limit holds at the last rows' width.
    let limit = Math.min(asked, Math.max(1, Math.floor(maxResultBytes / (2 * resultBytesPerRow))));
    for (let reduced = limit < asked; ; reduced = true) {
      options.signal?.throwIfAborted();
      try {
        const batch = await pool.withConnection((conn: SourceConnection) =>
          conn.queryCells(chunkSql(table, after, limit, decoder), [], cellColumns, {
            rows: limit,
            bytes: Math.min(maxResultBytes, Math.ceil(limit * resultBytesPerRow * 1.05) + 4096),
            maxBytes: maxResultBytes,
          }),
        );
        return { batch, limit, reduced };
      } catch (error) {
        // Rows far wider than the ones before (the limit was sized from those): fewer per
        // statement. One row always fits, as the server sends no row beyond max_allowed_packet.
        if (limit === 1 || (error as { cause?: { code?: string } }).cause?.code !== RESULT_TOO_LARGE)
          throw error;
        limit = Math.max(1, Math.floor(limit / 16));
      }
    }
  };

  let cursor = options.cursor;
  // The chunk size in rows, bounded by CHUNK_BYTES once the first rows show how wide they are.
  // Statements start small and grow 4× at a time, so rows of megabytes are never fetched by
  // the thousand before their width is known.
  let chunkRows = chunkSize;
  let ramp = Math.min(statementRows, FIRST_STATEMENT_ROWS);
  let pending: Promise<Fetched> | null = fetch(cursor, Math.min(ramp, chunkRows));
  pending.catch(() => {});
  // The statements gathered for the next chunk, `gathered` rows in all.
  let parts: CellRows[] = [];
  let gathered = 0;
  try {
    while (pending) {
      const { batch, limit, reduced } = await pending;
      pending = null;
      // A statement that had to ask for fewer rows: the ramp starts again from there.
      if (reduced) ramp = limit;
      if (batch.length > 0) {
        chunkRows = rowsPerChunk(chunkSize, meanBytes(batch));
        resultBytesPerRow = batch.byteLength / batch.length;
        const last = batch.length - 1;
        cursor = keyIndexes.map((i) => batch.value(last, i));
        parts.push(batch);
        gathered += batch.length;
      }
      if (batch.length === limit && !options.signal?.aborted) {
        // Read-ahead: the next statement runs while this chunk is gathered and the caller
        // writes the previous one. Its size keeps a chunk at most chunkRows rows, and within
        // the next boundary.
        const full = gathered >= chunkRows || boundary.reached(gathered);
        const room = full ? chunkRows : chunkRows - gathered;
        ramp = Math.min(statementRows, ramp * 4);
        pending = fetch(cursor, Math.min(ramp, room, boundary.rowsToNext(gathered)));
        pending.catch(() => {});
      }
      if (gathered > 0 && (gathered >= chunkRows || boundary.reached(gathered) || !pending)) {
        const rows = CellRows.concat(parts);
        const count = rows.length; // the caller may release the rows once they are stored
        // Gathered: the parts' buffers serve the next reads.
        if (parts.length > 1) for (const part of parts) part.release();
        const chunk = {
          rows,
          cursor,
          atBoundary: boundary.reached(gathered) || !pending,
        };
        boundary.passed(gathered);
        parts = [];
        gathered = 0;
        yield chunk;
        options.signal?.throwIfAborted();
        await throttle.after(count, options.signal);
        options.signal?.throwIfAborted();
      }
    }
  } finally {
    // A caller that stops early leaves at most one read in flight; let it finish so its
    // connection goes back to the pool.
    if (pending) await pending.catch(() => {});
  }
}

/** Where the chunks of one read stand against `boundaryRows` (see ChunkOptions). */
class Boundary {
  private yielded = 0;
  constructor(private readonly every = Number.POSITIVE_INFINITY) {}
  /** Rows from `gathered` rows past the last yielded chunk to the next boundary (a whole interval when on one). */
  rowsToNext(gathered: number): number {
    return this.every - ((this.yielded + gathered) % this.every);
  }
  /** `gathered` rows past the last yielded chunk end exactly at a boundary. */
  reached(gathered: number): boolean {
    return gathered > 0 && (this.yielded + gathered) % this.every === 0;
  }
  passed(rows: number): void {
    this.yielded += rows;
  }
}

async function* readWithoutKey(
  pool: SourcePool,
  table: ResolvedTable,
  decoder: RowDecoder,
  chunkSize: number,
  boundary: Boundary,
  throttle: Throttle,
  signal?: AbortSignal,
): AsyncIterable<Chunk> {
  const conn = await pool.acquire();
  try {
    const schema = table.schema;
    const sql = `SELECT ${decoder.selectList} FROM ${quoteTable(schema.database, schema.table)}`;
    let rows: Row[] = [];
    let bytes = 0;
    for await (const raw of conn.streamArrays(sql, [], { geometryAsBytes: decoder.geometryAsBytes })) {
      const row = decoder.convertRow(raw);
      rows.push(row);
      bytes += approximateBytes(row);
      if (rows.length >= chunkSize || bytes >= CHUNK_BYTES || boundary.reached(rows.length)) {
        const n = rows.length;
        const atBoundary = boundary.reached(n);
        boundary.passed(n);
        yield { rows, cursor: null, atBoundary };
        rows = [];
        bytes = 0;
        signal?.throwIfAborted();
        await throttle.after(n, signal);
        signal?.throwIfAborted();
      }
    }
    if (rows.length > 0) yield { rows, cursor: null, atBoundary: true };
  } finally {
    pool.release(conn);
  }
}

/**
 * Rows of a table for progress: information_schema.TABLES.TABLE_ROWS (an InnoDB estimate), or an
 * exact COUNT(*) when the estimate is small (below `exactBelow`, default 100,000).
 */
export async function estimateRows(
  conn: SourceConnection,
  table: { database: string; table: string } | ResolvedTable,
  exactBelow = 100_000,
): Promise<number> {
  const ref = 'source' in table ? table.source : table;
  const [row] = await conn.query<{ TABLE_ROWS: number | string | null }>(
    'SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [ref.database, ref.table],
  );
  const estimate = row?.TABLE_ROWS === null || row?.TABLE_ROWS === undefined ? 0 : Number(row.TABLE_ROWS);
  if (estimate >= exactBelow) return estimate;
  const [count] = await conn.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${quoteTable(ref.database, ref.table)}`,
  );
  return Number(count.n);
}
