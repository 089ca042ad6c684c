import { findRunningSync } from '../../pipeline/running-file.js';
import type { TaskStatus } from '../../pipeline/task-status.js';
import { action, configFrom, EXIT } from '../run-command.js';
import { formatStatus } from '../status-format.js';
import type { RegisterCommand } from './types.js';

export const registerConsole: RegisterCommand = (program, setExit) => {
  program
    .command('console')
    .description("show the running sync's local API (status, metrics, merge, verify) and follow its status")
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--watch <seconds>', 'redraw the status every n seconds until interrupted')
    .action(
      action(setExit, async (options: { config: string; watch?: string }) => {
        const config = await configFrom(options, { offline: true });
        const { callApi } = await import('../../pipeline/api-server.js');
        const running = findRunningSync(config.destination.path);
        if (!running) {
          process.stdout.write(
            `no binlake sync is running for ${config.destination.path}; start one with binlake sync\n`,
          );
          return EXIT.failed;
        }
        const base = `http://${running.host}:${running.port}`;
        process.stdout.write(
          `binlake sync pid ${running.pid}, started ${running.startedAt}\n` +
            `  ${base}/status    task status (JSON)\n  ${base}/metrics   Prometheus metrics\n` +
            `  POST ${base}/merge {"table","at","into"} · POST ${base}/verify {"table","at","limit"}\n` +
            (running.token ? '  (requests need the bearer token from api.token)\n' : '') +
            '\n',
        );
        const interval = options.watch ? Math.max(1, Number(options.watch)) * 1000 : 0;
        do {
          const status = await callApi<TaskStatus>(running, 'GET', '/status');
          process.stdout.write(`${interval ? '\x1b[2J\x1b[H' : ''}${formatStatus(status)}`);
          if (interval) await new Promise((r) => setTimeout(r, interval));
        } while (interval && findRunningSync(config.destination.path));
        return EXIT.ok;
      }),
    );
};
