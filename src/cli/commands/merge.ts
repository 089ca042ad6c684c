import type { MergeDialect } from '../../merge/plan-merge.js';
import type { MergeResult } from '../../pipeline/merge-service.js';
import { action, configFrom, EXIT, UsageError } from '../run-command.js';
import type { RegisterCommand } from './types.js';

interface MergeOptions {
  config: string;
  table: string;
  at: string;
  into?: string;
  printSql?: boolean;
  dialect: string;
}

const DIALECTS = ['duckdb', 'maxcompute', 'spark'];

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
    .addHelpText(
      'after',
      '\nThe merge keeps, per key, the latest log record (record_id desc, after_flag desc) and the base row\n' +
        "only when no log record exists; a key whose latest record is a delete (after_flag 'N') is dropped.\n" +
        "--at before the table's consistent-from second is refused: earlier base rows may hold later changes.",
    )
    .action(
      action(setExit, async (options: MergeOptions) => {
        const config = await configFrom(options);
        if (!/^\d+$/.test(options.at))
          throw new UsageError(`--at must be whole epoch seconds, got ${options.at}`);
        if (!DIALECTS.includes(options.dialect))
          throw new UsageError(`--dialect must be one of ${DIALECTS.join(', ')}`);
        const request = {
          table: options.table,
          at: Number(options.at),
          into: options.into,
          printSql: options.printSql ? (options.dialect as MergeDialect) : undefined,
        };
        const { callApi } = await import('../../pipeline/api-server.js');
        const { mergeService } = await import('../../pipeline/merge-service.js');
        const { withWarehouse } = await import('../warehouse-access.js');
        const result = await withWarehouse<MergeResult>(
          config,
          (info) => callApi<MergeResult>(info, 'POST', '/merge', request),
          (sink) => mergeService(sink, request),
        );
        if ('sql' in result) {
          process.stdout.write(`${result.sql.trimEnd()}\n`);
        } else {
          process.stdout.write(
            `merged ${options.table} as of ${result.at} (${new Date(result.at * 1000).toISOString()}) into ${result.into}: ${result.rows} rows\n` +
              `query it: duckdb ${config.destination.path} "SELECT * FROM \\"${result.into}\\" LIMIT 10"\n`,
          );
        }
        return EXIT.ok;
      }),
    );
};
