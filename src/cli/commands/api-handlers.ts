import type { Config } from '../../config/config.js';
import type { MergeDialect } from '../../merge/plan-merge.js';
import type { ApiHandlers } from '../../pipeline/api-server.js';
import { type MergeCapable, mergeService } from '../../pipeline/merge-service.js';
import type { SyncTask } from '../../pipeline/sync-task.js';
import { verifyService } from '../../pipeline/verify-service.js';
import type { Sink } from '../../sink/sink.js';

/** The local API of a running sync, served from the task's own warehouse connection. */
export function apiHandlers(config: Config, task: SyncTask): ApiHandlers {
  return {
    status: () => task.snapshot(),
    metrics: () => task.metrics.registry.metrics(),
    merge: (request) =>
      task.withSink((sink) =>
        mergeService(sink as Sink & Partial<MergeCapable>, {
          table: request.table,
          at: request.at,
          into: request.into,
          printSql: (request as { printSql?: MergeDialect }).printSql,
        }),
      ),
    verify: (request) => verifyService(config, { kind: 'task', task }, request),
  };
}
