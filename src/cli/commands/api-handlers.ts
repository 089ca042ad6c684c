import type { Config } from '../../config/config.js';
import type { MergeDialect } from '../../merge/plan-merge.js';
import type { ApiHandlers } from '../../pipeline/api-server.js';
import { type MergeCapable, mergeService } from '../../pipeline/merge-service.js';
import type { SyncTask } from '../../pipeline/sync-task.js';
import { verifyService } from '../../pipeline/verify-service.js';
import type { Sink } from '../../sink/sink.js';

/** How long a merge through a running sync waits for it to apply the changes before --at. */
const MERGE_WAIT_MS = 60_000;

/** The local API of a running sync, served from the task's own warehouse connection. */
export function apiHandlers(config: Config, task: SyncTask): ApiHandlers {
  return {
    status: () => task.snapshot(),
    metrics: () => task.metrics.registry.metrics(),
    merge: async (request) => {
      const printSql = (request as { printSql?: MergeDialect }).printSql;
      // A merge as of a second the sync has not applied yet would be silently older than asked.
      if (!printSql) await task.waitForChangesBefore(request.at, MERGE_WAIT_MS);
      return await task.withSink((sink) =>
        mergeService(sink as Sink & Partial<MergeCapable>, {
          table: request.table,
          at: request.at,
          into: request.into,
          printSql,
        }),
      );
    },
    verify: (request) => verifyService(config, { kind: 'task', task }, request),
  };
}
