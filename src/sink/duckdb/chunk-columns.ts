import { isUtf8 } from 'node:buffer';
import bindings, { type Vector } from '@duckdb/node-bindings';
import type { CellForm } from '../../core/cell-rows.js';
import type { Value } from '../../core/values.js';
import type { DuckDbStorage } from './type-mapping.js';
import { kindOf, parseDecimal } from './values.js';

/**
 * The columns of one DuckDB data chunk, filled in JavaScript memory and copied into DuckDB's
 * vectors once per chunk: numbers into typed arrays copied with one call per column, short
 * strings (the `_log` flags, dates, most enums) written inline into DuckDB's 16-byte string
 * entries, longer strings and blobs handed over as one copy per column (see StringColumn). The
 * appender's row-by-row API costs one native call per value plus one per row, which was most of
 * what the JavaScript thread spent on a write.
 *
 * Every conversion is exact or throws a TypeError (the appender names the table, row and column
 * in BLK_D4007); typed arrays would wrap an out-of-range value silently, so each column checks
 * the range first.
 */

/** Rows per data chunk: DuckDB's vector size (2048). */
export const CHUNK_ROWS = bindings.vector_size();

type NonNull = Exclude<Value, null>;

/** Stores the non-NULL cell `bytes[start, end)` at `row` (see CellRows); throws a TypeError like `set`. */
export type CellWriter = (row: number, bytes: Buffer, start: number, end: number) => void;

/** One column of the chunk being filled. */
export interface ChunkColumn {
  /** Stores a non-null value at `row`; throws a TypeError when the column cannot hold it exactly. */
  set(row: number, value: NonNull): void;
  /** How to store cells of `form` straight from their bytes, or null: convert them to Values. */
  setCell(form: CellForm): CellWriter | null;
  setNull(row: number): void;
  /** Copies rows [0, rows) into `vector` and starts over. */
  flush(vector: Vector, rows: number): void;
  /** The flushed chunk was appended (DuckDB copied it): what only it needed can go. */
  appended(): void;
}

function notFit(storage: string, value: unknown): TypeError {
  const text = String(value);
  return new TypeError(
    `${storage} cannot hold ${kindOf(value)} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`,
  );
}

/** The validity mask of one column: all valid until the first NULL of a chunk. */
class Validity {
  private readonly words = new Uint32Array(CHUNK_ROWS / 32);
  private hasNull = false;

  clear(row: number): void {
    if (!this.hasNull) {
      this.words.fill(0xffffffff);
      this.hasNull = true;
    }
    this.words[row >>> 5] &= ~(1 << (row & 31));
  }

  /** Marks the row valid: a row that failed half-way is written again, maybe without its NULL. */
  set(row: number): void {
    if (this.hasNull) this.words[row >>> 5] |= 1 << (row & 31);
  }

  /** A chunk reset makes every row valid again, so a chunk without NULLs has nothing to copy. */
  flush(vector: Vector, rows: number): void {
    if (!this.hasNull) return;
    bindings.vector_ensure_validity_writable(vector);
    bindings.copy_data_to_vector_validity(vector, 0, this.words.buffer, 0, Math.ceil(rows / 64) * 8);
    this.hasNull = false;
  }
}

type NumberArray =
  | Int8Array<ArrayBuffer>
  | Int16Array<ArrayBuffer>
  | Int32Array<ArrayBuffer>
  | Uint8Array<ArrayBuffer>
  | Uint16Array<ArrayBuffer>
  | Uint32Array<ArrayBuffer>
  | Float32Array<ArrayBuffer>
  | Float64Array<ArrayBuffer>;

/** A column of fixed-width values in one buffer (`bytesPerRow` each), copied whole into its vector. */
abstract class FixedWidthColumn implements ChunkColumn {
  protected readonly validity = new Validity();

  constructor(
    private readonly buffer: ArrayBuffer,
    private readonly bytesPerRow: number,
  ) {}

  abstract set(row: number, value: NonNull): void;

  setCell(_form: CellForm): CellWriter | null {
    return null;
  }

  appended(): void {}

  setNull(row: number): void {
    this.validity.clear(row);
  }

  flush(vector: Vector, rows: number): void {
    bindings.copy_data_to_vector(vector, 0, this.buffer, 0, rows * this.bytesPerRow);
    this.validity.flush(vector, rows);
  }
}

/**
 * The integer an `integer` cell's ASCII digits spell when it has at most 15 of them (exact as a
 * number); NaN for a longer one. A byte that is not a digit (or a leading '-') throws.
 */
function smallIntegerCell(b: Buffer, start: number, end: number): number {
  const negative = b[start] === 0x2d;
  let i = negative ? start + 1 : start;
  if (i === end) throw new TypeError(`not an integer: ${b.toString('latin1', start, end)}`);
  if (end - i > 15) return Number.NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) throw new TypeError(`not an integer: ${b.toString('latin1', start, end)}`);
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** TINYINT … UINTEGER, FLOAT, DOUBLE and DECIMAL(1..9): one typed-array element per row. */
class NumberColumn extends FixedWidthColumn {
  constructor(
    private readonly items: NumberArray,
    /** The value as the number to store; throws a TypeError when it does not fit exactly. */
    private readonly convert: (value: NonNull) => number,
    /** An integer type: `integer` cells are parsed in place. */
    private readonly integer = false,
  ) {
    super(items.buffer, items.BYTES_PER_ELEMENT);
  }

  set(row: number, value: NonNull): void {
    this.items[row] = this.convert(value);
    this.validity.set(row);
  }

  override setCell(form: CellForm): CellWriter | null {
    if (!this.integer || form !== 'integer') return null;
    return (row, bytes, start, end) => {
      const n = smallIntegerCell(bytes, start, end);
      // More than 15 digits never fits these types: `convert` says so.
      this.items[row] = this.convert(Number.isNaN(n) ? BigInt(bytes.toString('latin1', start, end)) : n);
      this.validity.set(row);
    };
  }
}

/** A number or a safe-integer bigint as a number; `fits` says whether the column holds it exactly. */
function numberIn(storage: string, fits: (n: number) => boolean): (value: NonNull) => number {
  return (value) => {
    const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number.NaN;
    if ((typeof value === 'number' || (typeof value === 'bigint' && BigInt(n) === value)) && fits(n))
      return n;
    throw notFit(storage, value);
  };
}

const integerIn = (storage: string, min: number, max: number) =>
  numberIn(storage, (n) => Number.isInteger(n) && n >= min && n <= max);

const TWO_32 = 2 ** 32;

/**
 * Canonical DECIMAL text ('-12.340', exactly `scale` decimals) of at most 15 digits → its
 * unscaled units as a number, exact; null for anything else, which `parseDecimal` then takes
 * (and refuses what does not fit). Most DECIMAL cells are this simple, and a number spares the
 * BigInt.
 */
function simpleUnits(text: string, width: number, scale: number): number | null {
  const n = text.length;
  const negative = text.charCodeAt(0) === 0x2d;
  const point = scale === 0 ? n : n - scale - 1;
  const start = negative ? 1 : 0;
  const digits = n - start - (scale === 0 ? 0 : 1);
  if (point <= start || digits > 15 || digits > width + 1) return null;
  let units = 0;
  for (let i = start; i < n; i++) {
    const c = text.charCodeAt(i);
    if (i === point) {
      if (c !== 0x2e) return null;
      continue;
    }
    if (c < 0x30 || c > 0x39) return null;
    units = units * 10 + (c - 0x30);
  }
  // A leading zero is the only way to have width + 1 digits ('0.50' in DECIMAL(2,2)).
  if (digits === width + 1 && text.charCodeAt(start) !== 0x30) return null;
  return negative ? -units : units;
}

/**
 * BIGINT, UBIGINT and DECIMAL(10..18) (an int64 of unscaled units): 64-bit words, written as two
 * 32-bit halves for a safe-integer number and as a bigint otherwise.
 */
class Int64Column extends FixedWidthColumn {
  private readonly words: Uint32Array<ArrayBuffer>;
  private readonly big: BigInt64Array | BigUint64Array;

  constructor(
    private readonly storage: string,
    private readonly min: bigint,
    private readonly max: bigint,
    /** DECIMAL(10..18): the canonical text is parsed to unscaled units; integers take numbers and bigints. */
    private readonly decimal: { width: number; scale: number } | null,
  ) {
    const words = new Uint32Array(CHUNK_ROWS * 2);
    super(words.buffer, 8);
    this.words = words;
    this.big = min < 0n ? new BigInt64Array(words.buffer) : new BigUint64Array(words.buffer);
  }

  set(row: number, value: NonNull): void {
    const decimal = this.decimal;
    const units =
      decimal === null
        ? typeof value === 'number' && Number.isSafeInteger(value)
          ? value
          : null
        : typeof value === 'string'
          ? simpleUnits(value, decimal.width, decimal.scale)
          : null;
    if (units !== null) {
      if (units < 0 && this.min === 0n) throw notFit(this.storage, value);
      const high = Math.floor(units / TWO_32);
      this.words[row * 2] = units - high * TWO_32;
      this.words[row * 2 + 1] = high; // two's complement through the Uint32Array's wrap
    } else {
      let v: bigint;
      if (decimal !== null) {
        if (typeof value !== 'string') throw notFit(this.storage, value);
        v = parseDecimal(value, decimal.width, decimal.scale);
      } else if (typeof value === 'bigint') v = value;
      else throw notFit(this.storage, value);
      if (v < this.min || v > this.max) throw notFit(this.storage, value);
      this.big[row] = v;
    }
    this.validity.set(row);
  }

  override setCell(form: CellForm): CellWriter | null {
    if (this.decimal !== null || form !== 'integer') return null;
    return (row, bytes, start, end) => {
      const n = smallIntegerCell(bytes, start, end);
      this.set(row, Number.isNaN(n) ? BigInt(bytes.toString('latin1', start, end)) : n);
    };
  }
}

const MASK_64 = (1n << 64n) - 1n;

/** DECIMAL(19..38): a 128-bit integer of unscaled units, low 64 bits then the signed high 64. */
class Int128Column extends FixedWidthColumn {
  private readonly low: BigUint64Array<ArrayBuffer>;
  private readonly high: BigInt64Array<ArrayBuffer>;

  constructor(
    private readonly storage: string,
    private readonly parse: (text: string) => bigint,
  ) {
    const low = new BigUint64Array(CHUNK_ROWS * 2);
    super(low.buffer, 16);
    this.low = low;
    this.high = new BigInt64Array(low.buffer);
  }

  set(row: number, value: NonNull): void {
    if (typeof value !== 'string') throw notFit(this.storage, value);
    const v = this.parse(value); // parseDecimal already refuses more than 38 digits
    this.low[row * 2] = v & MASK_64;
    this.high[row * 2 + 1] = v >> 64n;
    this.validity.set(row);
  }
}

/** Strings and blobs of at most this many bytes live inside DuckDB's 16-byte string entry. */
const INLINE_BYTES = 12;

/** A longer value shares one copy with the chunk's other long values when at most this long. */
const SHARED_MAX_CHARS = 8192;

/**
 * A column's stretch of cells goes to DuckDB as one copy while it is at most SPARSE_RATIO times
 * its cells' bytes plus SPARSE_SLACK; a sparser one has its cells copied out first. DuckDB's
 * copy (memcpy) moves bytes about six times faster than copying the cells one by one in
 * JavaScript (and those copies go to DuckDB afterwards too), so copying more than needed wins
 * up to about that ratio (measured: a CHAR(60) beside a CHAR(120), a third of the stretch).
 */
const SPARSE_RATIO = 6;
const SPARSE_SLACK = 64 * 1024;

/** Cells up to this long are checked for ASCII in JavaScript first; longer ones go to Node's validator. */
const ASCII_SCAN_MAX = 256;

/**
 * `b[start, end)` is valid UTF-8. A source sends valid UTF-8 for text in all but odd cases
 * (bytes stored before the server checked them, a binary collation), so this is a check, not a
 * conversion: a short ASCII cell (the common case) is settled by a loop cheaper than a native
 * call, anything else by Node's SIMD validator.
 */
function validUtf8(b: Buffer, start: number, end: number): boolean {
  if (end - start <= ASCII_SCAN_MAX) {
    let i = start;
    while (i < end && b[i] < 0x80) i++;
    if (i === end) return true;
  }
  return isUtf8(b.subarray(start, end));
}

/** Copies `src[start, end)` to `dst[at…]`; a loop for short runs, which beats a native call's overhead. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
  if (end - start > 512) {
    dst.set(src.subarray(start, end), at);
    return;
  }
  for (let i = start; i < end; i++) dst[at++] = src[i];
}

/**
 * VARCHAR and BLOB. DuckDB's string entries are 16 bytes (the C API's `duckdb_string_t`): a
 * 4-byte length, then either the bytes themselves zero-padded (up to 12, "inlined") or their
 * first 4 bytes and a pointer to the rest. Short values are written inline here. Longer ones
 * would each cost a native call (about 270 ns with the UTF-8 conversion); instead they are
 * handed over in segments: one buffer that DuckDB copies ONCE, as one BLOB value of a scratch
 * vector, after which every entry of the segment points into that copy (its address read back
 * from the scratch entry). A BLOB because DuckDB checks that a VARCHAR value is UTF-8, and a
 * segment of cells has other bytes between them.
 * - Values (`set`) are written one after another into the column's own buffer (UTF-8 for text).
 * - Cells (`setCell`) are not copied at all: the segment is the stretch of the read buffer that
 *   holds the chunk's cells (other bytes between them go along, which costs less than copying
 *   each cell in JavaScript). Cells of another buffer than the first of the chunk are copied.
 * The copies live until the appender has taken the chunk (it copies the strings it keeps). Only
 * values of more than SHARED_MAX_CHARS go one call each.
 */
class StringColumn implements ChunkColumn {
  private readonly entries = new Uint8Array(CHUNK_ROWS * 16);
  private readonly words = new Uint32Array(this.entries.buffer);
  /** Rows whose entries point into `heap`, and where their bytes start there. */
  private readonly sharedRows: number[] = [];
  private readonly sharedStarts: number[] = [];
  /** Values too long to share, handed over one call each. */
  private readonly aloneRows: number[] = [];
  private readonly aloneValues: (string | Uint8Array)[] = [];
  /** The long values of a chunk, back to back, before DuckDB copies them. */
  private heap = Buffer.allocUnsafe(1 << 16);
  private heapEnd = 0;
  /** Rows whose entries point into `cellSource`, where their bytes start there, and the stretch they span. */
  private readonly cellRows: number[] = [];
  private readonly cellStarts: number[] = [];
  private cellSource: Buffer | null = null;
  private cellsFrom = 0;
  private cellsTo = 0;
  /** Bytes of those cells: when the stretch is much longer (other columns' large values), they are copied instead. */
  private cellsBytes = 0;
  /** One BLOB vector holding the segments' copies until the next flush. */
  private readonly scratch = bindings.create_data_chunk([bindings.create_logical_type(bindings.Type.BLOB)]);
  private readonly validity = new Validity();

  constructor(private readonly blob: boolean) {}

  set(row: number, value: NonNull): void {
    if (this.blob ? !(value instanceof Uint8Array) : typeof value !== 'string') {
      throw notFit(this.blob ? 'BLOB' : 'VARCHAR', value);
    }
    const v = value as string | Uint8Array;
    if (v.length > SHARED_MAX_CHARS) {
      this.aloneRows.push(row);
      this.aloneValues.push(v);
    } else if (typeof v !== 'string') {
      this.bytes(row, v, 0, v.length);
    } else if (!this.inlineAscii(row, v)) {
      this.reserve(v.length * 3);
      this.placed(row, this.heap.write(v, this.heapEnd));
    }
    this.validity.set(row);
  }

  setCell(form: CellForm): CellWriter | null {
    if (form !== (this.blob ? 'bytes' : 'utf8')) return null;
    const text = !this.blob;
    return (row, bytes, start, end) => {
      if (text && !validUtf8(bytes, start, end)) {
        // As the Value path decodes it (U+FFFD for each bad sequence): DuckDB's VARCHAR
        // must hold valid UTF-8, and the raw copies below would not check.
        this.set(row, bytes.toString('utf8', start, end));
        return;
      }
      if (end - start <= INLINE_BYTES || (this.cellSource !== null && this.cellSource !== bytes)) {
        this.bytes(row, bytes, start, end);
      } else {
        if (this.cellSource === null) {
          this.cellSource = bytes;
          this.cellsFrom = start;
          this.cellsTo = end;
        } else {
          if (start < this.cellsFrom) this.cellsFrom = start;
          if (end > this.cellsTo) this.cellsTo = end;
        }
        this.pointer(row, bytes, start, end - start);
        this.cellRows.push(row);
        this.cellStarts.push(start);
        this.cellsBytes += end - start;
      }
      this.validity.set(row);
    };
  }

  /** The length and first 4 bytes of a value of more than INLINE_BYTES at `src[start…]`; the address comes at the flush. */
  private pointer(row: number, src: Uint8Array, start: number, n: number): void {
    const entries = this.entries;
    const at = row * 16;
    this.words[row * 4] = n;
    entries[at + 4] = src[start];
    entries[at + 5] = src[start + 1];
    entries[at + 6] = src[start + 2];
    entries[at + 7] = src[start + 3];
  }

  /** Stores `src[start, end)` at `row`: inline when short, else into the heap. */
  private bytes(row: number, src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= INLINE_BYTES) {
      const at = row * 16;
      copyBytes(src, start, end, this.entries, at + 4);
      this.entries.fill(0, at + 4 + n, at + 16);
      this.words[row * 4] = n;
      return;
    }
    this.reserve(n);
    copyBytes(src, start, end, this.heap, this.heapEnd);
    this.placed(row, n);
  }

  /** Writes a short ASCII string into its entry; false when it is longer or not ASCII. */
  private inlineAscii(row: number, value: string): boolean {
    const n = value.length;
    if (n > INLINE_BYTES) return false;
    const entries = this.entries;
    const at = row * 16;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) return false; // more than one byte in UTF-8: through the heap
      entries[at + 4 + i] = c;
    }
    entries.fill(0, at + 4 + n, at + 16);
    this.words[row * 4] = n;
    return true;
  }

  private reserve(bytes: number): void {
    if (this.heapEnd + bytes <= this.heap.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.heap.length * 2, this.heapEnd + bytes));
    this.heap.copy(grown, 0, 0, this.heapEnd);
    this.heap = grown;
  }

  /** The value of `n` bytes just written at the heap's end belongs to `row`. */
  private placed(row: number, n: number): void {
    const { heap, entries } = this;
    const from = this.heapEnd;
    if (n <= INLINE_BYTES) {
      // Short in UTF-8 after all (a few non-ASCII characters): inline, as DuckDB reads it.
      const at = row * 16;
      copyBytes(heap, from, from + n, entries, at + 4);
      entries.fill(0, at + 4 + n, at + 16);
      this.words[row * 4] = n;
      return;
    }
    this.pointer(row, heap, from, n);
    this.sharedRows.push(row);
    this.sharedStarts.push(from);
    this.heapEnd = from + n;
  }

  setNull(row: number): void {
    // An empty inline entry: never a pointer left from an earlier chunk, whose copy is gone.
    this.words[row * 4] = 0;
    this.validity.clear(row);
  }

  flush(vector: Vector, rows: number): void {
    const { sharedRows, sharedStarts, cellRows, cellStarts, aloneRows, aloneValues, words } = this;
    const scratch = bindings.data_chunk_get_vector(this.scratch, 0);
    if (cellRows.length > 0) {
      const source = this.cellSource as Buffer;
      if (this.cellsTo - this.cellsFrom <= SPARSE_RATIO * this.cellsBytes + SPARSE_SLACK) {
        this.segment(scratch, 1, source, this.cellsFrom, this.cellsTo, cellRows, cellStarts);
      } else {
        // Sparse cells: copying them beats having DuckDB copy the large values between them.
        for (let k = 0; k < cellRows.length; k++) {
          const n = words[cellRows[k] * 4];
          this.reserve(n);
          copyBytes(source, cellStarts[k], cellStarts[k] + n, this.heap, this.heapEnd);
          sharedRows.push(cellRows[k]);
          sharedStarts.push(this.heapEnd);
          this.heapEnd += n;
        }
      }
    }
    if (sharedRows.length > 0) this.segment(scratch, 0, this.heap, 0, this.heapEnd, sharedRows, sharedStarts);
    bindings.copy_data_to_vector(vector, 0, this.entries.buffer, 0, rows * 16);
    for (let i = 0; i < aloneRows.length; i++) {
      const v = aloneValues[i];
      if (typeof v === 'string') bindings.vector_assign_string_element(vector, aloneRows[i], v);
      else bindings.vector_assign_string_element_len(vector, aloneRows[i], v);
    }
    sharedRows.length = 0;
    sharedStarts.length = 0;
    cellRows.length = 0;
    cellStarts.length = 0;
    this.cellSource = null;
    this.cellsBytes = 0;
    aloneRows.length = 0;
    aloneValues.length = 0;
    this.heapEnd = 0;
    this.validity.flush(vector, rows);
  }

  appended(): void {
    // DuckDB copied the chunk's strings: free the segments now, not when the GC collects this column
    // (DuckDB counts them against its memory_limit).
    bindings.data_chunk_reset(this.scratch);
  }

  /**
   * Has DuckDB copy `src[from, to)` into entry `slot` of the scratch vector and points the
   * entries of `rows` (their bytes at `starts` in `src`) into the copy.
   */
  private segment(
    scratch: Vector,
    slot: number,
    src: Buffer,
    from: number,
    to: number,
    rows: number[],
    starts: number[],
  ): void {
    const words = this.words;
    bindings.vector_assign_string_element_len(scratch, slot, src.subarray(from, to));
    // Where DuckDB put its copy: the pointer half of the entry (little-endian 64-bit). A
    // segment is never inlined: it holds at least one value of more than INLINE_BYTES.
    const entry = bindings.vector_get_data(scratch, 16 * (slot + 1));
    const view = new DataView(entry.buffer, entry.byteOffset + 16 * slot, 16);
    const low = view.getUint32(8, true) - from;
    const high = view.getUint32(12, true);
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const address = low + starts[k];
      words[row * 4 + 2] = address % TWO_32;
      words[row * 4 + 3] = high + Math.floor(address / TWO_32);
    }
  }
}

/** The chunk column for a storage type: the one place the storage types meet DuckDB's memory layout. */
export function chunkColumn(storage: DuckDbStorage): ChunkColumn {
  switch (storage.type) {
    case 'TINYINT':
      return new NumberColumn(new Int8Array(CHUNK_ROWS), integerIn('TINYINT', -128, 127), true);
    case 'SMALLINT':
      return new NumberColumn(new Int16Array(CHUNK_ROWS), integerIn('SMALLINT', -32768, 32767), true);
    case 'INTEGER':
      return new NumberColumn(
        new Int32Array(CHUNK_ROWS),
        integerIn('INTEGER', -2147483648, 2147483647),
        true,
      );
    case 'UTINYINT':
      return new NumberColumn(new Uint8Array(CHUNK_ROWS), integerIn('UTINYINT', 0, 255), true);
    case 'USMALLINT':
      return new NumberColumn(new Uint16Array(CHUNK_ROWS), integerIn('USMALLINT', 0, 65535), true);
    case 'UINTEGER':
      return new NumberColumn(new Uint32Array(CHUNK_ROWS), integerIn('UINTEGER', 0, 4294967295), true);
    case 'BIGINT':
      return new Int64Column('BIGINT', -(1n << 63n), (1n << 63n) - 1n, null);
    case 'UBIGINT':
      return new Int64Column('UBIGINT', 0n, MASK_64, null);
    case 'FLOAT':
      // The canonical FLOAT is already the exact float32; any other double rounds to the float32
      // MySQL itself stored for it (its shortest text form reads back to the same float32).
      return new NumberColumn(
        new Float32Array(CHUNK_ROWS),
        numberIn('FLOAT', () => true),
      );
    case 'DOUBLE':
      return new NumberColumn(
        new Float64Array(CHUNK_ROWS),
        numberIn('DOUBLE', () => true),
      );
    case 'DECIMAL': {
      const { width, scale } = storage;
      const name = `DECIMAL(${width},${scale})`;
      const parse = (text: string) => parseDecimal(text, width, scale);
      const units = (value: NonNull) => {
        if (typeof value !== 'string') throw notFit(name, value);
        return simpleUnits(value, width, scale) ?? Number(parse(value));
      };
      // DuckDB's physical type by width: int16 up to 4 digits, int32 up to 9, int64 up to 18.
      if (width <= 9) {
        // at most 9 digits: exact as a number
        return new NumberColumn(width <= 4 ? new Int16Array(CHUNK_ROWS) : new Int32Array(CHUNK_ROWS), units);
      }
      if (width <= 18) return new Int64Column(name, -(1n << 63n), (1n << 63n) - 1n, { width, scale });
      return new Int128Column(name, parse);
    }
    case 'VARCHAR':
      return new StringColumn(false);
    case 'BLOB':
      return new StringColumn(true);
  }
}

/** A column binlake does not know (added to the table by someone else): NULL in every row. */
export function nullColumn(): ChunkColumn {
  const validity = new Validity();
  return {
    set(_row, value) {
      throw notFit('a column binlake does not know', value);
    },
    setCell: () => null,
    appended() {},
    setNull(row) {
      validity.clear(row);
    },
    flush(vector, rows) {
      validity.flush(vector, rows);
    },
  };
}
