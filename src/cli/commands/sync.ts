import { action, configFrom } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerSync: RegisterCommand = (program, setExit) => {
  program
    .command('sync')
    .description('precheck, schema sync, lock-free full sync, then binlog changes into <t>_log until stopped')
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--until-caught-up', 'stop with exit 0 once the source binlog end seen at start is applied')
    .option('--resnapshot', 'discard the checkpoint and run the full sync again (after a purged binlog)')
    .option('--log-format <format>', 'pretty or json', 'pretty')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(
      action(setExit, async (options: { config: string }) => {
        configFrom(options);
        throw new Error('sync is not built yet');
      }),
    );
};
