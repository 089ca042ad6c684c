import { BinlakeError } from '../core/errors.js';
import type { MergeDialect } from '../merge/plan-merge.js';
import type { Sink } from '../sink/sink.js';

/** What a merge needs from a warehouse beyond the Sink contract (DuckDbSink has both). */
export interface MergeCapable {
  mergeAsOf(target: string, at: number, into?: string): Promise<number>;
  mergeSql(target: string, at: number, dialect: MergeDialect, into?: string): Promise<string>;
}

export interface MergeRequest {
  table: string;
  at: number;
  into?: string;
  /** Return the SQL in this dialect instead of running the merge. */
  printSql?: MergeDialect;
}

export type MergeResult = { sql: string } | { into: string; rows: number; at: number };

/**
 * Runs or prints the DTS merge of one target table; shared by `binlake merge` and the running
 * sync's API. The warehouse refuses unknown tables, tables without key and seconds before the
 * table's consistentFrom, with the reason.
 */
export async function mergeService(
  sink: Sink & Partial<MergeCapable>,
  request: MergeRequest,
): Promise<MergeResult> {
  if (!Number.isSafeInteger(request.at) || request.at < 0) {
    throw new BinlakeError('BLK_C0006', `--at must be whole epoch seconds, got ${request.at}`, {
      remedy: 'pass e.g. --at $(date +%s)',
    });
  }
  if (!sink.mergeAsOf || !sink.mergeSql) throw new BinlakeError('BLK_M5002', 'this warehouse cannot merge');
  const into = request.into ?? `${request.table}_${request.at}`;
  if (request.printSql)
    return { sql: await sink.mergeSql(request.table, request.at, request.printSql, into) };
  const rows = await sink.mergeAsOf(request.table, request.at, into);
  return { into, rows, at: request.at };
}
