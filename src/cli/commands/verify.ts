import type { VerifyReport } from '../../pipeline/verify-service.js';
import { action, configFrom, EXIT, exitCodeFor, UsageError } from '../run-command.js';
import type { RegisterCommand } from './types.js';

interface VerifyOptions {
  config: string;
  table?: string;
  at?: string;
  limit: string;
  json?: boolean;
}

export const registerVerify: RegisterCommand = (program, setExit) => {
  program
    .command('verify')
    .description(
      'compare the source tables with their merged copies (counts, bucket checksums, differing keys)',
    )
    .requiredOption('-c, --config <file>', 'task config (YAML or JSON)')
    .option('-t, --table <target>', 'only this target table')
    .option(
      '--at <epochSeconds>',
      'compare the source now with the merge at this second (default: every committed change)',
    )
    .option('--limit <n>', 'print at most n differing keys per table', '10')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nIt compares the source as it is now with the merge of <t>_base + <t>_log, value by value in canonical\n' +
        'text form, so it needs a quiet source for an exact answer (it waits for a running sync to apply the\n' +
        'binlog end and holds its writes while reading). Exit 0 equal, 1 different, 2 error.',
    )
    .action(
      action(setExit, async (options: VerifyOptions) => {
        const config = await configFrom(options);
        if (options.at !== undefined && !/^\d+$/.test(options.at))
          throw new UsageError('--at must be whole epoch seconds');
        if (!/^\d+$/.test(options.limit)) throw new UsageError('--limit must be a whole number');
        const request = {
          table: options.table,
          at: options.at ? Number(options.at) : undefined,
          limit: Number(options.limit),
        };
        const { callApi } = await import('../../pipeline/api-server.js');
        const { verifyService } = await import('../../pipeline/verify-service.js');
        const { withWarehouse } = await import('../warehouse-access.js');
        let report: VerifyReport;
        try {
          report = await withWarehouse<VerifyReport>(
            config,
            (info) => callApi<VerifyReport>(info, 'POST', '/verify', request),
            (sink) => verifyService(config, { kind: 'file', sink }, request),
          );
        } catch (error) {
          // verify's contract: 1 means "different", so a failure to compare at all is 2.
          exitCodeFor(error);
          return EXIT.usage;
        }
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        // A table that could not be compared at all is an error (2), like a verify that cannot run.
        return report.failed ? EXIT.usage : report.equal ? EXIT.ok : EXIT.failed;
      }),
    );
};

function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const t of report.tables) {
    if (t.error) {
      lines.push(
        `ERROR     ${t.source} → ${t.target}: ${t.error.code ? `[${t.error.code}] ` : ''}${t.error.message}`,
      );
      if (t.error.remedy) lines.push(`          → ${t.error.remedy}`);
      continue;
    }
    lines.push(
      `${t.equal ? 'EQUAL    ' : 'DIFFERENT'} ${t.source} → ${t.target}: source ${t.sourceRows} rows, merged ${t.destinationRows} rows` +
        (t.equal ? '' : `, ${t.mismatchedBuckets} of 256 buckets differ`),
    );
    for (const d of t.differences) {
      lines.push(`  key (${d.key.join(', ')})`);
      lines.push(`    source:      ${d.source ? d.source.join(' | ') : '(missing)'}`);
      lines.push(`    destination: ${d.destination ? d.destination.join(' | ') : '(missing)'}`);
    }
  }
  if (report.note) lines.push(`note: ${report.note}`);
  lines.push(
    report.failed
      ? 'verify: ERROR (a table could not be compared)'
      : report.equal
        ? 'verify: equal'
        : 'verify: DIFFERENT',
  );
  return `${lines.join('\n')}\n`;
}
