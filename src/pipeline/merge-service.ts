import { BinlakeError } from '../core/errors.js';
import { type MergeDialect, type MergeTable, planMerge } from '../merge/plan-merge.js';
import type { Naming } from '../sink/log-columns.js';
import type { Sink, TableState } from '../sink/sink.js';

/** What a merge needs from a warehouse beyond the Sink contract (DuckDbSink has it). */
export interface MergeCapable {
  mergeAsOf(target: string, at: number, into?: string): Promise<number>;
}

export interface MergeRequest {
  table: string;
  at: number;
  into?: string;
  /** Return the SQL in this dialect instead of running the merge. */
  printSql?: MergeDialect;
}

export type MergeResult = { sql: string } | { into: string; rows: number; at: number };

export function mergeTableOf(state: TableState, naming: Naming): MergeTable {
  const dest = (name: string) => state.columnRenames[name] ?? name;
  return {
    target: state.target,
    keyColumns: state.schema.key.map(dest),
    columns: state.schema.columns.map((c) => dest(c.name)),
    naming,
  };
}

/** Runs or prints the DTS merge of one target table; shared by the CLI and the sync's API. */
export async function mergeService(
  sink: Sink & Partial<MergeCapable>,
  naming: Naming,
  request: MergeRequest,
): Promise<MergeResult> {
  if (!Number.isSafeInteger(request.at) || request.at < 0) {
    throw new BinlakeError('BLK_C0006', `--at must be whole epoch seconds, got ${request.at}`, {
      remedy: 'pass e.g. --at $(date +%s)',
    });
  }
  const into = request.into ?? `${request.table}_${request.at}`;
  if (request.printSql) {
    const state = (await sink.readState()).tables.find((t) => t.target === request.table);
    if (!state) {
      throw new BinlakeError('BLK_M5002', `no synced table named ${request.table} in this warehouse`, {
        remedy: 'use a target name from binlake status',
      });
    }
    if (state.schema.key.length === 0) {
      throw new BinlakeError(
        'BLK_M5003',
        `${request.table} has no primary key or unique NOT NULL key; a merge cannot match its rows`,
      );
    }
    return { sql: planMerge(mergeTableOf(state, naming), request.at, request.printSql, into) };
  }
  if (!sink.mergeAsOf)
    throw new BinlakeError('BLK_M5002', 'this warehouse cannot run merges itself; use --print-sql');
  const rows = await sink.mergeAsOf(request.table, request.at, into);
  return { into, rows, at: request.at };
}
