import { action } from '../run-command.js';
import type { RegisterCommand } from './types.js';

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
    .action(
      action(setExit, async (options) => {
        const { runSync } = await import('../run-sync.js');
        return await runSync(options);
      }),
    );
};
