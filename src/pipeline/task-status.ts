import { tableId } from '../core/table-schema.js';
import type { TableState } from '../sink/sink.js';

/**
 * The operator's view of a task, as `binlake status --json` prints it. The shape is a contract
 * (README "status"); add fields, never rename them.
 */
export const TASK_STATES = [
  'NotStarted',
  'Prechecking',
  'PrecheckFailed',
  'Initializing',
  'Synchronizing',
  'Paused',
  'Failed',
  'Finished',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export type TablePhaseView = 'pending' | 'schema' | 'full' | 'incremental';

export interface TableStatus {
  source: string;
  target: string;
  phase: TablePhaseView;
  rowsCopied: number;
  rowsTotal: number | null;
  /** Full-sync copy rate over the last few seconds. */
  rowsPerSecond: number;
  /** Epoch second from which a merge of this table is exact; null until its full sync finished. */
  consistentFrom: number | null;
  /** Which key the merge partitions by; empty when the table has none (merge impossible). */
  key: string[];
  /** Change rows written per operation since the task started. */
  changes: { I: number; U: number; D: number };
}

export interface TaskStatus {
  state: TaskState;
  tables: TableStatus[];
  /** Position after the last committed source transaction. */
  checkpoint: { file: string; position: number; gtid: string | null } | null;
  /**
   * Seconds the warehouse is behind the source; 0 when caught up (a quiet live connection or a
   * heartbeat proves an idle source); null when no sync runs (nothing measures it then).
   */
  lagSeconds: number | null;
  incremental: { rowsPerSecond: number; bytesPerSecond: number; lastEventTimestamp: number };
  /**
   * Epoch second before which the warehouse is known to hold every source change: the moment
   * --until-caught-up read the source's end, or the last moment the source was seen idle with
   * everything committed. A merge at or before it misses nothing; null until known.
   */
  completeAsOf: number | null;
  lastError: { code: string | null; message: string; remedy: string | null; at: string } | null;
  pid: number | null;
  startedAt: string | null;
  updatedAt: string;
}

export function emptyStatus(state: TaskState = 'NotStarted'): TaskStatus {
  return {
    state,
    tables: [],
    checkpoint: null,
    lagSeconds: 0,
    incremental: { rowsPerSecond: 0, bytesPerSecond: 0, lastEventTimestamp: 0 },
    completeAsOf: null,
    lastError: null,
    pid: null,
    startedAt: null,
    updatedAt: new Date().toISOString(),
  };
}

/** A table's status from what the warehouse stored about it. */
export function tableStatusFrom(
  t: TableState,
  changes: TableStatus['changes'] = { I: 0, U: 0, D: 0 },
): TableStatus {
  return {
    source: tableId(t.source),
    target: t.target,
    phase: t.phase,
    rowsCopied: t.rowsCopied,
    rowsTotal: t.rowsTotal,
    rowsPerSecond: 0,
    consistentFrom: t.consistentFrom,
    key: t.schema.key,
    changes,
  };
}

/** A rate over a sliding window, for rows/s and bytes/s figures. */
export class RateMeter {
  private samples: { at: number; total: number }[] = [];
  private total = 0;

  constructor(private readonly windowMs = 5_000) {}

  add(amount: number, now = Date.now()): void {
    this.total += amount;
    // One sample per 100 ms keeps add() O(1) at hundreds of thousands of events per second.
    const last = this.samples.at(-1);
    if (last && now - last.at < 100) {
      last.total = this.total;
      return;
    }
    this.samples.push({ at: now, total: this.total });
    while (this.samples.length > 2 && this.samples[0].at < now - this.windowMs) this.samples.shift();
  }

  perSecond(now = Date.now()): number {
    const first = this.samples[0];
    if (!first) return 0;
    const span = Math.max(now - first.at, 1000);
    if (now - (this.samples.at(-1)?.at ?? 0) > this.windowMs) return 0;
    return Math.round(((this.total - first.total) * 1000) / span);
  }
}
