import type { Config } from '../config/config.js';
import type { Finding } from '../core/finding.js';
import { DuckDbSink } from '../sink/duckdb/duckdb-sink.js';
import { destinationFindings } from '../sink/duckdb/precheck.js';
import { openSourceConnection } from '../source/connection.js';
import { runPrecheck } from '../source/precheck/run.js';
import { resolveObjects } from '../source/schema-reader.js';
import { openCaptureStream } from './binlog-capture-source.js';
import { findRunningSync } from './running-file.js';
import type { SyncDependencies } from './sync-task.js';

/** The real parts of a sync task: DuckDB sink, live binlog through our decoder, full precheck. */
export function realDependencies(config: Config): SyncDependencies {
  return {
    openSink: () =>
      DuckDbSink.create({
        path: config.destination.path,
        partitions: config.partitions,
        naming: config.naming,
      }),
    openBinlog: (start, tracker) => openCaptureStream(config, start, tracker),
    precheck: ({ resuming }) => precheckAll(config, { resuming, self: true }),
  };
}

/**
 * Every precheck item: the source's (connectivity, binlog settings, privileges, tables, keys,
 * cascades) and the destination's. A task that resumes its own warehouse skips the
 * existing-target item (those tables are its own). `self`: the caller is the sync that owns the
 * destination (its own lock is not a finding).
 */
export async function precheckAll(
  config: Config,
  options: { resuming: boolean; self?: boolean },
): Promise<Finding[]> {
  const findings = await runPrecheck(config, {
    extra: [
      async () => {
        const running = options.self ? null : findRunningSync(config.destination.path);
        if (running) {
          return [
            {
              item: 'destination.running-sync',
              result: 'fail',
              found: `a binlake sync (pid ${running.pid}) is running for ${config.destination.path}`,
              remedy: 'stop it first (Ctrl-C or kill -TERM), or point destination.path at another file',
            },
          ];
        }
        let tables: Awaited<ReturnType<typeof resolveObjects>> = [];
        try {
          const conn = await openSourceConnection(config.source);
          try {
            tables = await resolveObjects(conn, config);
          } finally {
            await conn.close();
          }
        } catch {
          // The source items already report why the tables cannot be read.
        }
        const destination = await destinationFindings({
          path: config.destination.path,
          tables,
          existingTables: options.resuming ? 'ignore' : config.existingTables,
          partitions: config.partitions,
          naming: config.naming,
        });
        return options.resuming
          ? destination.filter((f) => f.item !== 'destination.existing-tables')
          : destination;
      },
    ],
  });
  // A resumed task replays the binlog from its checkpoint: a synced table that is gone now was
  // dropped or renamed by a DDL still ahead in the binlog, which capture reports by ddl policy.
  return options.resuming ? findings.map(softenForResume) : findings;
}

function softenForResume(finding: Finding): Finding {
  if (finding.result !== 'fail' || !finding.item.startsWith('table.exists:')) return finding;
  return {
    ...finding,
    result: 'warn',
    found: `${finding.found} (the task resumes from its checkpoint; a DROP or RENAME ahead in the binlog is handled by ddl.unsupported)`,
  };
}
