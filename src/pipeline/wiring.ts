import { existsSync } from 'node:fs';
import type { Config } from '../config/config.js';
import type { Finding } from '../core/finding.js';
import { DuckDbSink } from '../sink/duckdb/duckdb-sink.js';
import { destinationFindings } from '../sink/duckdb/precheck.js';
import type { Sink } from '../sink/sink.js';
import { type FindingProvider, runPrecheck } from '../source/precheck/run.js';
import { openCaptureStream } from './binlog-capture-source.js';
import { findRunningSync } from './running-file.js';
import type { SyncDependencies } from './sync-task.js';

/** The real parts of a sync task: DuckDB sink, live binlog through our decoder, full precheck. */
export function realDependencies(config: Config): SyncDependencies {
  return {
    destinationExists: () => existsSync(config.destination.path),
    openSink: () =>
      DuckDbSink.create({
        path: config.destination.path,
        partitions: config.partitions,
        naming: config.naming,
      }),
    openBinlog: (start, tracker) => openCaptureStream(config, start, tracker),
    precheck: ({ resuming, sink }) => precheckAll(config, { resuming, self: sink }),
  };
}

/**
 * Every precheck item: the source's (connectivity, binlog settings, privileges, tables, keys,
 * cascades) and the destination's. `resuming`: the warehouse already holds this task's
 * checkpoint, so its target tables are its own and a synced table missing now may have been
 * dropped by a DDL still ahead in the binlog (capture reports it by ddl policy). `self`: the caller
 * is the sync that owns the destination, with this sink open on it (the file is read through the
 * sink, never opened a second time; the sync's own running file is never a finding).
 */
export async function precheckAll(
  config: Config,
  options: { resuming: boolean; self?: Sink },
): Promise<Finding[]> {
  const destination: FindingProvider = async ({ tables }) => {
    const running = options.self ? null : findRunningSync(config.destination.path);
    const findings: Finding[] = [
      running
        ? {
            item: 'destination.running-sync',
            result: 'fail',
            found: `a binlake sync (pid ${running.pid}) is running for ${config.destination.path}`,
            remedy: 'stop it first (Ctrl-C or kill -TERM), or point destination.path at another file',
          }
        : {
            item: 'destination.running-sync',
            result: 'pass',
            found: 'no other sync is running for it',
            remedy: '',
          },
    ];
    const items = await destinationFindings({
      path: config.destination.path,
      tables,
      existingTables: options.resuming ? 'ignore' : config.existingTables,
      heldBy: running ? `the running sync (pid ${running.pid})` : undefined,
      openSink: options.self,
      partitions: config.partitions,
      naming: config.naming,
    });
    findings.push(
      ...(options.resuming ? items.filter((f) => f.item !== 'destination.existing-tables') : items),
    );
    return findings;
  };
  const findings = await runPrecheck(config, { extra: [destination] });
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
