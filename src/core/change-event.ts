import type { Checkpoint } from './checkpoint.js';
import type { ColumnSchema, TableRef, TableSchema } from './table-schema.js';
import type { Row, Value } from './values.js';

/** One row change, as the binlog tells it. The union forbids the wrong images. */
export type RowChange =
  | { op: 'I'; table: TableRef; after: Row; before?: undefined }
  | { op: 'U'; table: TableRef; before: Row; after: Row }
  | { op: 'D'; table: TableRef; before: Row; after?: undefined };

/** A schema change on a synced table, already parsed by capture/. DDL is always a transaction of its own. */
export type SchemaChange =
  | {
      kind: 'add-column';
      table: TableRef;
      /** The new column as it appears in `schemaAfter`. */
      column: ColumnSchema;
      /** Its index in `schemaAfter.columns` (ADD COLUMN … FIRST / AFTER x may put it anywhere). */
      position: number;
      /** The value rows that existed before the DDL get (the column default, as the source does). */
      defaultValue: Value;
      schemaAfter: TableSchema;
      sql: string;
    }
  | {
      kind:
        | 'drop-column'
        | 'modify-column'
        | 'rename-column'
        | 'rename-table'
        | 'truncate-table'
        | 'drop-table'
        | 'other';
      table: TableRef;
      sql: string;
    };

/** Everything one source transaction did to synced tables. Never split across checkpoints. */
export interface SourceTransaction {
  /** Epoch seconds of the transaction's events (the binlog header timestamp). */
  timestamp: number;
  changes: RowChange[];
  schemaChanges: SchemaChange[];
  /** Position right after the transaction's last event (its XID or COMMIT). */
  end: BinlogPosition;
  gtid: string | null;
}

export interface BinlogPosition {
  file: string;
  position: number;
}

/** Where a restart reads from: a binlog position and the GTID state there. */
export interface RestartPoint {
  position: BinlogPosition;
  gtid: string | null;
}

/** What capture/ hands to the sink: whole transactions and the checkpoint after them. */
export interface ChangeBatch {
  transactions: SourceTransaction[];
  /**
   * record_id of the batch's first change. Changes are numbered in order, one id per change
   * (an UPDATE's two log rows share its id), so `checkpoint.nextRecordId` = first + changes.
   */
  firstRecordId: bigint;
  /** Where the task stands once this batch is committed. */
  checkpoint: Checkpoint;
}
