import { existsSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { callApi } from '../pipeline/api-server.js';
import { findRunningSync, type RunningInfo, readStatusFile } from '../pipeline/running-file.js';
import { emptyStatus, type TaskStatus, tableStatusFrom } from '../pipeline/task-status.js';
import { DuckDbSink } from '../sink/duckdb/duckdb-sink.js';

/**
 * `status`, `merge` and `verify` go through the API of a running sync (it owns the DuckDB file)
 * and open the file themselves when no sync runs.
 */
export async function withWarehouse<T>(
  config: Config,
  viaApi: (info: RunningInfo) => Promise<T>,
  direct: (sink: DuckDbSink) => Promise<T>,
): Promise<T> {
  const running = findRunningSync(config.destination.path);
  if (running) return await viaApi(running);
  const sink = await DuckDbSink.create({
    path: config.destination.path,
    partitions: config.partitions,
    naming: config.naming,
  });
  try {
    return await direct(sink);
  } finally {
    await sink.close();
  }
}

const ACTIVE = new Set(['Prechecking', 'Initializing', 'Synchronizing']);

/** The task status: live from the API, or the last written status file + the warehouse's checkpoint. */
export async function readTaskStatus(config: Config): Promise<TaskStatus> {
  const path = config.destination.path;
  const running = findRunningSync(path);
  if (running) return await callApi<TaskStatus>(running, 'GET', '/status');
  const status = readStatusFile<TaskStatus>(path) ?? emptyStatus('NotStarted');
  // A process that died while active left an active state behind: it is not running now.
  if (ACTIVE.has(status.state)) status.state = 'Paused';
  status.pid = null;
  // Without a running sync nothing reads the source: how far behind the warehouse is, is unknown.
  status.lagSeconds = null;
  status.incremental.rowsPerSecond = 0;
  status.incremental.bytesPerSecond = 0;
  if (!existsSync(path)) return status;
  const sink = await DuckDbSink.create({ path, partitions: config.partitions, naming: config.naming });
  try {
    const state = await sink.readState();
    if (state.checkpoint) {
      status.checkpoint = {
        file: state.checkpoint.file,
        position: state.checkpoint.position,
        gtid: state.checkpoint.gtid,
      };
      status.incremental.lastEventTimestamp = state.checkpoint.lastEventTimestamp;
    }
    const previous = new Map(status.tables.map((t) => [t.target, t]));
    status.tables = state.tables.map((t) => tableStatusFrom(t, previous.get(t.target)?.changes));
    if (status.state === 'NotStarted' && state.checkpoint) status.state = 'Paused';
  } finally {
    await sink.close();
  }
  return status;
}
