import { action, configFrom } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerConsole: RegisterCommand = (program, setExit) => {
  program
    .command('console')
    .description('open the status page of a running sync in a browser-friendly form')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .action(
      action(setExit, async (options: { config: string }) => {
        configFrom(options);
        throw new Error('console is not built yet');
      }),
    );
};
