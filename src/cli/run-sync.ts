import { BinlakeError, describeError } from '../core/errors.js';
import { ApiServer } from '../pipeline/api-server.js';
import { createLogger, type LogFormat } from '../pipeline/logger.js';
import {
  findRunningSync,
  removeRunningFile,
  writeRunningFile,
  writeStatusFile,
} from '../pipeline/running-file.js';
import { SyncTask } from '../pipeline/sync-task.js';
import { realDependencies } from '../pipeline/wiring.js';
import { apiHandlers } from './commands/api-handlers.js';
import { ProgressDisplay } from './progress.js';
import { configFrom, EXIT, UsageError } from './run-command.js';

export interface SyncCliOptions {
  config: string;
  untilCaughtUp?: boolean;
  resnapshot?: boolean;
  logFormat: string;
  logLevel: string;
}

/** `binlake sync`: loaded only when the command runs. */
export async function runSync(options: SyncCliOptions): Promise<number> {
  if (options.logFormat !== 'pretty' && options.logFormat !== 'json') {
    throw new UsageError(`--log-format must be pretty or json, not ${options.logFormat}`);
  }
  const config = await configFrom(options);
  const logger = createLogger({ format: options.logFormat as LogFormat, level: options.logLevel });
  const warehouse = config.destination.path;
  const running = findRunningSync(warehouse);
  if (running) {
    throw new BinlakeError(
      'BLK_T6002',
      `a binlake sync (pid ${running.pid}) is already running for ${warehouse}`,
      {
        remedy: 'stop it first, or point destination.path at another file',
      },
    );
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn(`${signal} again: exiting without waiting (the next run resumes from the last commit)`);
      process.exit(130);
    }
    logger.info(`${signal}: finishing the batch in flight, then stopping`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const task = new SyncTask(config, realDependencies(config), {
    untilCaughtUp: options.untilCaughtUp === true,
    resnapshot: options.resnapshot === true,
    logger,
    signal: controller.signal,
  });
  const token = config.api.token ?? null;
  const api = await ApiServer.start(
    { host: config.api.host, port: config.api.port, token: token ?? undefined },
    apiHandlers(config, task),
  );
  writeRunningFile(warehouse, {
    pid: process.pid,
    host: api.host,
    port: api.port,
    token,
    startedAt: new Date().toISOString(),
  });
  logger.info({ api: `http://${api.host}:${api.port}` }, 'local API (status, metrics, merge) listening');
  // The status file only serves `status` after the process is gone: failing to write it (a full
  // disk) is reported once and does not stop the sync.
  let statusWarned = false;
  const saveStatus = () => {
    try {
      writeStatusFile(warehouse, task.snapshot());
    } catch (error) {
      if (!statusWarned) logger.warn(`${describeError(error)}: binlake status will not see the latest state`);
      statusWarned = true;
    }
  };
  const statusTimer = setInterval(saveStatus, 1_000);
  statusTimer.unref();
  const progress = new ProgressDisplay(() => task.snapshot(), logger);
  progress.start();
  try {
    const state = await task.run();
    return state === 'Finished' || state === 'Paused' ? EXIT.ok : EXIT.failed;
  } finally {
    progress.stop();
    clearInterval(statusTimer);
    saveStatus();
    await api.close();
    removeRunningFile(warehouse);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
