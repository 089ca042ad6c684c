import { BinlakeError } from '../../core/errors.js';
import { ApiServer } from '../../pipeline/api-server.js';
import { createLogger, type LogFormat } from '../../pipeline/logger.js';
import {
  findRunningSync,
  removeRunningFile,
  writeRunningFile,
  writeStatusFile,
} from '../../pipeline/running-file.js';
import { SyncTask } from '../../pipeline/sync-task.js';
import { realDependencies } from '../../pipeline/wiring.js';
import { ProgressDisplay } from '../progress.js';
import { action, configFrom, EXIT, UsageError } from '../run-command.js';
import { apiHandlers } from './api-handlers.js';
import type { RegisterCommand } from './types.js';

interface SyncCliOptions {
  config: string;
  untilCaughtUp?: boolean;
  resnapshot?: boolean;
  logFormat: string;
  logLevel: string;
}

export const registerSync: RegisterCommand = (program, setExit) => {
  program
    .command('sync')
    .description('precheck, schema sync, lock-free full sync, then binlog changes into <t>_log until stopped')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option(
      '--until-caught-up',
      'stop with exit 0 once the source binlog end (after the full sync) is applied',
    )
    .option('--resnapshot', 'discard the checkpoint and copy the tables anew (after a purged binlog)')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      '\nSIGINT/SIGTERM finish the batch in flight, commit and exit 0; a restart resumes from the checkpoint.\n' +
        'Exit codes: 0 stopped or caught up, 1 failed (see binlake status), 2 bad config.',
    )
    .action(action(setExit, runSync));
};

async function runSync(options: SyncCliOptions): Promise<number> {
  if (options.logFormat !== 'pretty' && options.logFormat !== 'json') {
    throw new UsageError(`--log-format must be pretty or json, not ${options.logFormat}`);
  }
  const config = configFrom(options);
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
  const saveStatus = () => writeStatusFile(warehouse, task.snapshot());
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
