import { action, configFrom } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerMerge: RegisterCommand = (program, setExit) => {
  program
    .command('merge')
    .description('rebuild a table as of a second from <t>_base and <t>_log (the DTS merge)')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .requiredOption('-t, --table <target>', 'target table name (without _base/_log)')
    .requiredOption(
      '--at <epochSeconds>',
      'the second to rebuild; log rows with utc_timestamp < at are applied',
    )
    .option('--into <name>', 'result table name (default <target>_<at>)')
    .option('--print-sql', 'print the merge SQL instead of running it')
    .option('--dialect <dialect>', 'SQL dialect for --print-sql: duckdb, maxcompute or spark', 'duckdb')
    .action(
      action(setExit, async (options: { config: string }) => {
        configFrom(options);
        throw new Error('merge is not built yet');
      }),
    );
};
