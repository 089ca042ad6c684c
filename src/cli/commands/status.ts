import { action, configFrom } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerStatus: RegisterCommand = (program, setExit) => {
  program
    .command('status')
    .description('show the task state, per-table phase and progress, checkpoint and lag')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--json', 'print the status as JSON')
    .action(
      action(setExit, async (options: { config: string }) => {
        configFrom(options);
        throw new Error('status is not built yet');
      }),
    );
};
