import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one running task, served at `/metrics` on the local API. */
export class TaskMetrics {
  readonly registry = new Registry();
  readonly rowsCopied = new Counter({
    name: 'binlake_full_sync_rows_total',
    help: 'Rows copied into <t>_base by the full sync',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly changeRows = new Counter({
    name: 'binlake_change_rows_total',
    help: 'Changes written to <t>_log, by table and operation (an UPDATE counts once)',
    labelNames: ['table', 'operation'],
    registers: [this.registry],
  });
  readonly lagSeconds = new Gauge({
    name: 'binlake_lag_seconds',
    help: 'Seconds the warehouse is behind the source',
    registers: [this.registry],
  });
  readonly batchCommitSeconds = new Histogram({
    name: 'binlake_batch_commit_seconds',
    help: 'Duration of one DuckDB commit of a change batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly decoderErrors = new Counter({
    name: 'binlake_decoder_errors_total',
    help: 'Binlog events that could not be decoded (the task fails on the first)',
    registers: [this.registry],
  });
  readonly reconnects = new Counter({
    name: 'binlake_source_reconnects_total',
    help: 'Reconnects of the replication connection',
    registers: [this.registry],
  });
  readonly binlogBytes = new Counter({
    name: 'binlake_binlog_bytes_total',
    help: 'Binlog bytes received',
    registers: [this.registry],
  });
  readonly state = new Gauge({
    name: 'binlake_task_state',
    help: 'Current task state (1 for the current one)',
    labelNames: ['state'],
    registers: [this.registry],
  });
}
