import type { Config } from '../../config/config.js';
import type { Finding } from '../../core/finding.js';
import { worstSeverity } from '../../core/finding.js';
import { findRunningSync } from '../../pipeline/running-file.js';
import { destinationFindings } from '../../sink/duckdb/precheck.js';
import { type FindingProvider, formatFindings, runPrecheck } from '../../source/precheck/index.js';
import { action, configFrom, EXIT } from '../run-command.js';
import type { RegisterCommand } from './types.js';

/** The destination's items (sink/duckdb/precheck) and a sync already running for the same file. */
function destinationProvider(config: Config): FindingProvider {
  return async ({ tables }) => {
    const findings: Finding[] = [];
    const running = findRunningSync(config.destination.path);
    findings.push(
      running
        ? {
            item: 'destination.running-sync',
            result: 'fail',
            found: `a binlake sync (pid ${running.pid}) is running for ${config.destination.path}`,
            remedy: 'stop it first (Ctrl-C or kill -TERM), or point destination.path at another file',
          }
        : {
            item: 'destination.running-sync',
            result: 'pass',
            found: 'no sync is running for it',
            remedy: '',
          },
    );
    findings.push(
      ...(await destinationFindings({
        path: config.destination.path,
        tables,
        existingTables: config.existingTables,
        partitions: config.partitions,
        naming: config.naming,
      })),
    );
    return findings;
  };
}

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
        const config = configFrom(options);
        const findings = await runPrecheck(config, { extra: [destinationProvider(config)] });
        const ok = worstSeverity(findings) !== 'fail';
        if (options.json) process.stdout.write(`${JSON.stringify({ ok, findings }, null, 2)}\n`);
        else process.stdout.write(formatFindings(findings));
        return ok ? EXIT.ok : EXIT.failed;
      }),
    );
};
