/**
 * Where a task stands. The sink stores it in the same transaction as the `_log` rows it
 * covers, so after a crash binlake resumes from exactly here: nothing lost, nothing repeated.
 */
export interface Checkpoint {
  /** Binlog file and position right after the last committed source transaction. */
  file: string;
  position: number;
  /** GTID set (MySQL) or GTID position (MariaDB) after that transaction, when the source has GTIDs. */
  gtid: string | null;
  /** The record_id the next change gets. Strictly increasing in binlog order. */
  nextRecordId: bigint;
  /** Epoch seconds of the last committed transaction, 0 before any. */
  lastEventTimestamp: number;
}

export function initialCheckpoint(file: string, position: number, gtid: string | null): Checkpoint {
  return { file, position, gtid, nextRecordId: 1n, lastEventTimestamp: 0 };
}

/** Compare binlog positions: file names sort by their numeric suffix, then by offset. */
export function comparePositions(
  a: { file: string; position: number },
  b: { file: string; position: number },
): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.position - b.position;
}
