import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import type { CellRows } from '../../core/cell-rows.js';
import { BinlakeError } from '../../core/errors.js';
import { type TableRef, tableId } from '../../core/table-schema.js';
import type { Row, Value } from '../../core/values.js';
import { type CellWriter, CHUNK_ROWS, type ChunkColumn, chunkColumn, nullColumn } from './chunk-columns.js';
import type { DuckDbStorage } from './type-mapping.js';

/** How a physical column of a destination table is filled. */
export interface PhysicalColumn {
  name: string;
  /** Index into the row image, or -1. */
  source: number;
  /** Index into the additional values, or -1. Both -1: a column binlake does not know (NULL). */
  meta: number;
  /** What binlake stores in it; null for a column binlake does not know. */
  storage: DuckDbStorage | null;
}

/** Types whose NULL needs more than the validity mask (child vectors). */
const NESTED = new Set<DuckDBTypeId>([
  DuckDBTypeId.LIST,
  DuckDBTypeId.STRUCT,
  DuckDBTypeId.MAP,
  DuckDBTypeId.ARRAY,
  DuckDBTypeId.UNION,
  DuckDBTypeId.VARIANT,
]);

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Rows of one destination table into one DuckDB appender, inside its connection's open
 * transaction: the hot loop of every write (full-sync chunks and `_log` rows alike). Rows are
 * gathered column by column into a data chunk of 2048 (see chunk-columns.ts) that the appender
 * takes whole.
 */
export class TableAppender {
  // Parallel arrays keep the per-value work to one branch and one call.
  private readonly sources: number[];
  private readonly metaIndexes: number[];
  private readonly columns: ChunkColumn[];
  private readonly chunk: DuckDBDataChunk;
  /** Complete rows in the chunk. */
  private rows = 0;

  constructor(
    /** `<target>_base` or `<target>_log`. */
    readonly table: string,
    private readonly source: TableRef,
    private readonly appender: DuckDBAppender,
    private readonly layout: PhysicalColumn[],
    /** Values per row image: the stored schema's column count. */
    private readonly width: number,
  ) {
    this.sources = layout.map((col) => col.source);
    this.metaIndexes = layout.map((col) => col.meta);
    const types = layout.map((_, i) => appender.columnType(i));
    for (let i = 0; i < types.length; i++) this.checkType(layout[i], types[i]);
    this.columns = layout.map((col) => (col.storage === null ? nullColumn() : chunkColumn(col.storage)));
    this.chunk = DuckDBDataChunk.create(types);
  }

  /**
   * The chunk's vectors have the table's types and the columns copy raw memory into them, so a
   * column whose stored type is not the one binlake writes (a table reused with
   * `existingTables: ignore`) is refused here instead of being overrun.
   */
  private checkType(column: PhysicalColumn, type: DuckDBType): void {
    const stored = String(type);
    if (column.storage === null ? !NESTED.has(type.typeId) : stored === column.storage.sql) return;
    throw new BinlakeError(
      'BLK_D4005',
      column.storage === null
        ? `${this.table}.${column.name} is ${stored}, a column binlake does not know and cannot leave NULL`
        : `${this.table}.${column.name} is ${stored}, binlake stores ${column.storage.sql} there`,
      {
        remedy: 'drop the table (or use another target name) and run the sync again',
        details: { table: this.table, column: column.name, stored, expected: column.storage?.sql ?? null },
      },
    );
  }

  /**
   * Appends `rows`, each with its additional values `metas[r]` (the `_log` columns) or none.
   * A row of the wrong width throws BLK_D4005, a value the column cannot hold BLK_D4007 naming
   * the row and the column; the rows before it may be appended already (the caller's transaction
   * is rolled back).
   */
  write(rows: readonly Row[], metas: readonly Value[][] | null): void {
    const { sources, metaIndexes, columns, width } = this;
    const n = sources.length;
    let r = 0;
    let c = 0;
    try {
      for (; r < rows.length; r++) {
        const row = rows[r];
        if (row.length !== width) throw this.widthError(row.length);
        const meta = metas === null ? null : metas[r];
        const at = this.rows;
        for (c = 0; c < n; c++) {
          const source = sources[c];
          const m = metaIndexes[c];
          const value = source >= 0 ? row[source] : m >= 0 && meta !== null ? meta[m] : null;
          if (value === null) columns[c].setNull(at);
          else columns[c].set(at, value);
        }
        if (++this.rows === CHUNK_ROWS) {
          c = -1; // not a value's fault: DuckDB refused the chunk (the caller reports a write failure)
          this.appendChunk();
        }
      }
    } catch (error) {
      throw this.valueError(error, r, c);
    }
  }

  /**
   * Appends rows given as cells (a full-sync read), column by column in blocks that fill the
   * chunk: a cell whose form the column takes (see ChunkColumn.setCell) goes in from its bytes,
   * any other becomes its Value first. Errors as `write`.
   */
  writeCells(batch: CellRows): void {
    if (batch.width !== this.width) throw this.widthError(batch.width);
    const { sources, columns } = this;
    const writers: (CellWriter | null)[] = sources.map((source, c) =>
      source >= 0 ? columns[c].setCell(batch.columns[source].form) : null,
    );
    const { bytes, cells, width } = batch;
    let r = 0;
    let c = 0;
    // The row being written, for the error
    let i = 0;
    try {
      while (r < batch.length) {
        const at = this.rows;
        const count = Math.min(CHUNK_ROWS - at, batch.length - r);
        for (c = 0; c < columns.length; c++) {
          const column = columns[c];
          const source = sources[c];
          if (source < 0) {
            for (i = 0; i < count; i++) column.setNull(at + i);
            continue;
          }
          const writer = writers[c];
          const cell = batch.columns[source];
          let k = 2 * (r * width + source);
          for (i = 0; i < count; i++, k += 2 * width) {
            const start = cells[k];
            if (start < 0) column.setNull(at + i);
            else if (writer !== null) writer(at + i, bytes, start, cells[k + 1]);
            else column.set(at + i, cell.value(bytes, start, cells[k + 1]));
          }
        }
        r += count;
        this.rows += count;
        if (this.rows === CHUNK_ROWS) {
          c = -1;
          this.appendChunk();
        }
      }
    } catch (error) {
      throw this.valueError(error, r + i, c);
    }
  }

  /** BLK_D4007 for a value column `c` could not take at row `r` (c -1: DuckDB refused the chunk). */
  private valueError(error: unknown, r: number, c: number): unknown {
    if (error instanceof BinlakeError || c === -1) return error;
    const column = this.layout[c]?.name ?? '?';
    return new BinlakeError(
      'BLK_D4007',
      `${this.table}: row ${r + 1} of the rows written, column ${column}: ${errorText(error)}`,
      {
        remedy:
          'nothing of this batch was stored. If a DDL changed this column on the source while ddl.unsupported ' +
          'was ignore (MODIFY/CHANGE COLUMN), its values no longer fit the warehouse column: run binlake sync ' +
          '--resnapshot to copy the table anew. Otherwise report the value and the column type as a bug',
        details: { table: this.table, column, row: r },
        cause: error,
      },
    );
  }

  /** Flushes what was appended into the transaction. */
  close(): void {
    if (this.rows > 0) this.appendChunk();
    this.appender.closeSync();
  }

  /** Hands the gathered rows to the appender as one data chunk and starts the next. */
  private appendChunk(): void {
    const raw = this.chunk.chunk;
    const rows = this.rows;
    this.rows = 0;
    for (let c = 0; c < this.columns.length; c++) {
      this.columns[c].flush(bindings.data_chunk_get_vector(raw, c), rows);
    }
    bindings.data_chunk_set_size(raw, rows);
    try {
      this.appender.appendDataChunk(this.chunk);
    } finally {
      for (const column of this.columns) column.appended();
      bindings.data_chunk_reset(raw);
    }
  }

  /** Drops what was not flushed; errors are ignored (the transaction is rolled back anyway). */
  abandon(): void {
    this.rows = 0;
    try {
      this.appender.clear();
      this.appender.closeSync();
    } catch {
      // nothing to keep
    }
  }

  private widthError(values: number): BinlakeError {
    return new BinlakeError(
      'BLK_D4005',
      `${tableId(this.source)}: a row has ${values} values, the stored schema has ${this.width} columns`,
      {
        remedy:
          'the source table and the warehouse table no longer have the same columns (a column dropped or ' +
          'added in a way binlake did not see); run binlake sync --resnapshot to copy the table anew',
      },
    );
  }
}
