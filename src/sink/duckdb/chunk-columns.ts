import bindings, { type Vector } from '@duckdb/node-bindings';
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

/** One column of the chunk being filled. */
export interface ChunkColumn {
  /** Stores a non-null value at `row`; throws a TypeError when the column cannot hold it exactly. */
  set(row: number, value: NonNull): void;
  setNull(row: number): void;
  /** Copies rows [0, rows) into `vector` and starts over. */
  flush(vector: Vector, rows: number): void;
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

  setNull(row: number): void {
    this.validity.clear(row);
  }

  flush(vector: Vector, rows: number): void {
    bindings.copy_data_to_vector(vector, 0, this.buffer, 0, rows * this.bytesPerRow);
    this.validity.flush(vector, rows);
  }
}

/** TINYINT … UINTEGER, FLOAT, DOUBLE and DECIMAL(1..9): one typed-array element per row. */
class NumberColumn extends FixedWidthColumn {
  constructor(
    private readonly items: NumberArray,
    /** The value as the number to store; throws a TypeError when it does not fit exactly. */
    private readonly convert: (value: NonNull) => number,
  ) {
    super(items.buffer, items.BYTES_PER_ELEMENT);
  }

  set(row: number, value: NonNull): void {
    this.items[row] = this.convert(value);
    this.validity.set(row);
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
 * VARCHAR and BLOB. DuckDB's string entries are 16 bytes (the C API's `duckdb_string_t`): a
 * 4-byte length, then either the bytes themselves zero-padded (up to 12, "inlined") or their
 * first 4 bytes and a pointer to the rest. Short values are written inline here. Longer ones
 * would each cost a native call (about 270 ns with the UTF-8 conversion); instead they are
 * written one after another into one buffer (UTF-8 for text), handed to DuckDB as ONE value that
 * DuckDB copies into the vector's own string heap, and every entry then points into that copy
 * (its address read back from the first entry). The heap lives until the chunk is reset, after
 * the appender has copied the chunk. Only very long values go one call each.
 */
class StringColumn implements ChunkColumn {
  private readonly entries = new Uint8Array(CHUNK_ROWS * 16);
  private readonly words = new Uint32Array(this.entries.buffer);
  private readonly longRows: number[] = [];
  private readonly longValues: (string | Uint8Array)[] = [];
  /** The long values of a chunk, back to back, before DuckDB copies them. */
  private heap = Buffer.allocUnsafe(1 << 16);
  private readonly validity = new Validity();

  constructor(private readonly blob: boolean) {}

  set(row: number, value: NonNull): void {
    if (this.blob ? !(value instanceof Uint8Array) : typeof value !== 'string') {
      throw notFit(this.blob ? 'BLOB' : 'VARCHAR', value);
    }
    if (!this.inline(row, value as string | Uint8Array)) {
      this.longRows.push(row);
      this.longValues.push(value as string | Uint8Array);
    }
    this.validity.set(row);
  }

  /** Writes a short ASCII string or short blob into its entry; false when it must go by call. */
  private inline(row: number, value: string | Uint8Array): boolean {
    const n = value.length;
    if (n > INLINE_BYTES) return false;
    const entries = this.entries;
    const at = row * 16;
    if (typeof value === 'string') {
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c > 0x7f) return false; // UTF-8 of more than one byte: let DuckDB encode it
        entries[at + 4 + i] = c;
      }
    } else {
      entries.set(value, at + 4);
    }
    entries.fill(0, at + 4 + n, at + 16);
    this.words[row * 4] = n;
    return true;
  }

  setNull(row: number): void {
    // An empty inline entry: never a pointer left from an earlier chunk, whose copy is gone.
    this.words[row * 4] = 0;
    this.validity.clear(row);
  }

  flush(vector: Vector, rows: number): void {
    const { longRows, longValues } = this;
    // Shared first: its one value goes through row 0's entry, which the copy below overwrites.
    const alone = longRows.length > 1 ? this.share(vector) : longRows.map((_, i) => i);
    bindings.copy_data_to_vector(vector, 0, this.entries.buffer, 0, rows * 16);
    for (const i of alone) {
      const v = longValues[i];
      if (typeof v === 'string') bindings.vector_assign_string_element(vector, longRows[i], v);
      else bindings.vector_assign_string_element_len(vector, longRows[i], v);
    }
    longRows.length = 0;
    longValues.length = 0;
    this.validity.flush(vector, rows);
  }

  /**
   * Hands the long values that can share one copy to DuckDB as one value and points their
   * entries into it; returns the indexes (into longValues) of those that must go one by one.
   */
  private share(vector: Vector): number[] {
    const { longRows, longValues, entries, words } = this;
    const alone: number[] = [];
    const shared: number[] = [];
    // [start, length] in `heap` of each shared value, in `shared` order
    const spans: number[] = [];
    let heap = this.heap;
    let end = 0;
    for (let i = 0; i < longValues.length; i++) {
      const value = longValues[i];
      if (value.length > SHARED_MAX_CHARS) {
        alone.push(i);
        continue;
      }
      const most = typeof value === 'string' ? value.length * 3 : value.length;
      if (end + most > heap.length) {
        const grown = Buffer.allocUnsafe(Math.max(heap.length * 2, end + most));
        heap.copy(grown, 0, 0, end);
        heap = grown;
      }
      let length = value.length;
      if (typeof value === 'string') length = heap.write(value, end);
      else heap.set(value, end);
      shared.push(i);
      spans.push(end, length);
      end += length;
    }
    this.heap = heap;
    if (shared.length < 2) return alone.concat(shared);
    bindings.vector_assign_string_element_len(vector, 0, heap.subarray(0, end));
    // Where DuckDB put its copy: the pointer half of entry 0 (little-endian 64-bit).
    const head = bindings.vector_get_data(vector, 16);
    const view = new DataView(head.buffer, head.byteOffset, 16);
    const low = view.getUint32(8, true);
    const high = view.getUint32(12, true);
    for (let k = 0; k < shared.length; k++) {
      const row = longRows[shared[k]];
      const start = spans[2 * k];
      const length = spans[2 * k + 1];
      const at = row * 16;
      words[row * 4] = length;
      if (length <= INLINE_BYTES) {
        // Short in UTF-8 after all (a few non-ASCII characters): inline, as DuckDB reads it.
        entries.set(heap.subarray(start, start + length), at + 4);
        entries.fill(0, at + 4 + length, at + 16);
        continue;
      }
      entries[at + 4] = heap[start];
      entries[at + 5] = heap[start + 1];
      entries[at + 6] = heap[start + 2];
      entries[at + 7] = heap[start + 3];
      const address = low + start;
      words[row * 4 + 2] = address % TWO_32;
      words[row * 4 + 3] = high + Math.floor(address / TWO_32);
    }
    return alone;
  }
}

/** The chunk column for a storage type: the one place the storage types meet DuckDB's memory layout. */
export function chunkColumn(storage: DuckDbStorage): ChunkColumn {
  switch (storage.type) {
    case 'TINYINT':
      return new NumberColumn(new Int8Array(CHUNK_ROWS), integerIn('TINYINT', -128, 127));
    case 'SMALLINT':
      return new NumberColumn(new Int16Array(CHUNK_ROWS), integerIn('SMALLINT', -32768, 32767));
    case 'INTEGER':
      return new NumberColumn(new Int32Array(CHUNK_ROWS), integerIn('INTEGER', -2147483648, 2147483647));
    case 'UTINYINT':
      return new NumberColumn(new Uint8Array(CHUNK_ROWS), integerIn('UTINYINT', 0, 255));
    case 'USMALLINT':
      return new NumberColumn(new Uint16Array(CHUNK_ROWS), integerIn('USMALLINT', 0, 65535));
    case 'UINTEGER':
      return new NumberColumn(new Uint32Array(CHUNK_ROWS), integerIn('UINTEGER', 0, 4294967295));
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
    setNull(row) {
      validity.clear(row);
    },
    flush(vector, rows) {
      validity.flush(vector, rows);
    },
  };
}
