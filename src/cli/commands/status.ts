import { action, configFrom, EXIT } from '../run-command.js';
import { formatStatus } from '../status-format.js';
import type { RegisterCommand } from './types.js';

export const registerStatus: RegisterCommand = (program, setExit) => {
  program
    .command('status')
    .description('show the task state, per-table phase and progress, checkpoint, lag and the last error')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--json', 'print the status as JSON (the contract in the README)')
    .addHelpText('after', '\nExit code 0 unless the task is Failed or PrecheckFailed (1).')
    .action(
      action(setExit, async (options: { config: string; json?: boolean }) => {
        const config = await configFrom(options, { offline: true });
        const { readTaskStatus } = await import('../warehouse-access.js');
        const status = await readTaskStatus(config);
        process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
        return status.state === 'Failed' || status.state === 'PrecheckFailed' ? EXIT.failed : EXIT.ok;
      }),
    );
};
