import type { Row, Value } from './values.js';

/**
 * Rows as a source sent them, before they become Values: the bytes of every cell lie in one
 * buffer, and each column says how its bytes relate to its canonical Value (values.ts). The full
 * sync reads tables this way so that the common cells (integers, text) go from the server's
 * packets into the sink's column buffers without a JavaScript string or object per cell, which
 * was most of what reading cost (mysql2 built a string per text cell and an array per row, and the
 * sink encoded the strings back to UTF-8). Anything else is turned into its Value on the way.
 */

/**
 * How a column's cell bytes relate to its Value, so that a sink may skip the Value:
 * - `integer`: ASCII decimal digits with an optional '-', and the Value is that integer
 *   (a number, or a bigint for BIGINT);
 * - `utf8`: the Value is the string whose UTF-8 encoding the bytes are;
 * - `bytes`: the Value is a Uint8Array holding exactly the bytes;
 * - `value`: only `value()` says.
 */
export type CellForm = 'integer' | 'utf8' | 'bytes' | 'value';

export interface CellColumn {
  readonly form: CellForm;
  /** The canonical Value of a non-NULL cell `bytes[start, end)`. */
  value(bytes: Buffer, start: number, end: number): Exclude<Value, null>;
}

const NO_BYTES = Buffer.alloc(0);
const NO_CELLS = new Int32Array(0);

export class CellRows {
  private recycle: (() => void) | null;

  constructor(
    /** One per column, in the table's schema order. */
    readonly columns: readonly CellColumn[],
    bytes: Buffer,
    cells: Int32Array,
    length: number,
    /** Hands `bytes` and `cells` back to whoever lent them (see release). */
    recycle?: () => void,
  ) {
    this.heldBytes = bytes;
    this.heldCells = cells;
    this.rowCount = length;
    this.recycle = recycle ?? null;
  }

  private heldBytes: Buffer;
  private heldCells: Int32Array;
  private rowCount: number;

  /** Holds every cell; other bytes may lie between them. */
  get bytes(): Buffer {
    return this.heldBytes;
  }

  /**
   * Cell (r, c) is `bytes[cells[2k], cells[2k + 1])` with k = r × columns + c; a NULL cell has
   * start -1.
   */
  get cells(): Int32Array {
    return this.heldCells;
  }

  get length(): number {
    return this.rowCount;
  }

  /**
   * The caller is done with these rows and nothing keeps a view of their bytes (a sink copies
   * what it stores before its append returns): their buffers go back to the reader that lent
   * them, so reading the next batch allocates nothing. Afterwards the batch is empty.
   */
  release(): void {
    const recycle = this.recycle;
    this.recycle = null;
    this.heldBytes = NO_BYTES;
    this.heldCells = NO_CELLS;
    this.rowCount = 0;
    recycle?.();
  }

  get width(): number {
    return this.columns.length;
  }

  /** Bytes the cells take (for sizing chunks). */
  get byteLength(): number {
    return this.bytes.length;
  }

  /** The Value of cell (r, c). */
  value(r: number, c: number): Value {
    const k = 2 * (r * this.columns.length + c);
    const start = this.cells[k];
    return start < 0 ? null : this.columns[c].value(this.bytes, start, this.cells[k + 1]);
  }

  /** Row `r` as Values. */
  row(r: number): Row {
    const row: Row = new Array(this.columns.length);
    for (let c = 0; c < row.length; c++) row[c] = this.value(r, c);
    return row;
  }

  *[Symbol.iterator](): IterableIterator<Row> {
    for (let r = 0; r < this.length; r++) yield this.row(r);
  }

  /** Every row as Values (for the paths that need them: reshaping after an ADD COLUMN, verify). */
  rows(): Row[] {
    const rows: Row[] = new Array(this.length);
    for (let r = 0; r < this.length; r++) rows[r] = this.row(r);
    return rows;
  }

  /** Several batches of the same columns as one (the bytes copied once). */
  static concat(parts: readonly CellRows[]): CellRows {
    if (parts.length === 1) return parts[0];
    let bytes = 0;
    let rows = 0;
    for (const p of parts) {
      bytes += p.bytes.length;
      rows += p.length;
    }
    const width = parts[0].columns.length;
    const joined = Buffer.allocUnsafe(bytes);
    const cells = new Int32Array(rows * width * 2);
    let at = 0;
    let k = 0;
    for (const p of parts) {
      p.bytes.copy(joined, at);
      const n = p.length * width * 2;
      const from = p.cells;
      for (let i = 0; i < n; i += 2) {
        const start = from[i];
        cells[k + i] = start < 0 ? -1 : start + at;
        cells[k + i + 1] = start < 0 ? -1 : from[i + 1] + at;
      }
      k += n;
      at += p.bytes.length;
    }
    return new CellRows(parts[0].columns, joined, cells, rows);
  }
}

/** Rows either way: as Values, or as cells still to convert. */
export type RowBatch = Row[] | CellRows;

/** The batch as Values. */
export function batchRows(batch: RowBatch): Row[] {
  return batch instanceof CellRows ? batch.rows() : batch;
}
