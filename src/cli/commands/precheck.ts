import { action, configFrom } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerPrecheck: RegisterCommand = (program, setExit) => {
  program
    .command('precheck')
    .description(
      'check the source, the privileges, the tables and the destination; exit 0 when nothing fails',
    )
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--json', 'print the findings as JSON')
    .action(
      action(setExit, async (options: { config: string; json?: boolean }) => {
        configFrom(options);
        throw new Error('precheck is not built yet');
      }),
    );
};
