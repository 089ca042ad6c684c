import { worstSeverity } from '../../core/finding.js';
import { action, configFrom, EXIT } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerPrecheck: RegisterCommand = (program, setExit) => {
  program
    .command('precheck')
    .description(
      'check the source, the privileges, the tables and the destination; exit 0 when nothing fails',
    )
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing failed (warnings allowed), 1 something failed, 2 config error.',
    )
    .action(
      action(setExit, async (options: { config: string; json?: boolean }) => {
        const config = await configFrom(options);
        // Heavy modules load only when the command runs: --help and other commands stay fast.
        const { precheckAll } = await import('../../pipeline/wiring.js');
        const { readStatusFile } = await import('../../pipeline/running-file.js');
        const { formatFindings } = await import('../../source/precheck/index.js');
        const resuming = readStatusFile<{ checkpoint: unknown }>(config.destination.path)?.checkpoint != null;
        const findings = await precheckAll(config, { resuming });
        const ok = worstSeverity(findings) !== 'fail';
        if (options.json) process.stdout.write(`${JSON.stringify({ ok, findings }, null, 2)}\n`);
        else process.stdout.write(formatFindings(findings));
        return ok ? EXIT.ok : EXIT.failed;
      }),
    );
};
