import type { MergeDialect } from '../../merge/plan-merge.js';
import type { MergeResult } from '../../pipeline/merge-service.js';
import { readStatusFile } from '../../pipeline/running-file.js';
import type { TaskStatus } from '../../pipeline/task-status.js';
import { action, configFrom, EXIT, UsageError } from '../run-command.js';
import type { RegisterCommand } from './types.js';

interface MergeOptions {
  config: string;
  table: string;
  at: string;
  into?: string;
  printSql?: boolean;
  dialect?: string;
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
    .option('--dialect <dialect>', 'SQL dialect for --print-sql: duckdb (default), maxcompute or spark')
    .addHelpText(
      'after',
      '\nThe merge keeps, per key, the latest log record (record_id desc, after_flag desc) and the base row\n' +
        "only when no log record exists; a key whose latest record is a delete (after_flag 'N') is dropped.\n" +
        "--at before the table's consistent-from second is refused: earlier base rows may hold later changes.",
    )
    .action(
      action(setExit, async (options: MergeOptions) => {
        const config = await configFrom(options, { offline: true });
        if (!/^\d+$/.test(options.at))
          throw new UsageError(`--at must be whole epoch seconds, got ${options.at}`);
        const dialect = options.dialect ?? 'duckdb';
        if (!DIALECTS.includes(dialect))
          throw new UsageError(`--dialect must be one of ${DIALECTS.join(', ')}`);
        // A dialect only shapes printed SQL; the merge itself always runs in the DuckDB warehouse.
        if (options.dialect !== undefined && !options.printSql)
          throw new UsageError('--dialect applies to --print-sql only; add --print-sql to print the SQL');
        const at = Number(options.at);
        // The source's clock may run a little ahead of this machine's, hence the minute of slack.
        const now = Math.floor(Date.now() / 1000);
        if (!options.printSql && at > now + 60) {
          throw new UsageError(
            `--at ${at} is in the future (now is ${now}); a merge is as of a second that has passed`,
          );
        }
        const request = {
          table: options.table,
          at,
          into: options.into,
          printSql: options.printSql ? (dialect as MergeDialect) : undefined,
        };
        const { callApi } = await import('../../pipeline/api-server.js');
        const { mergeService } = await import('../../pipeline/merge-service.js');
        const { withWarehouse } = await import('../warehouse-access.js');
        const result = await withWarehouse<MergeResult>(
          config,
          (info) => callApi<MergeResult>(info, 'POST', '/merge', request),
          async (sink) => {
            const result = await mergeService(sink, request);
            if ('sql' in result) return result;
            // No sync runs: changes after the last captured event are not in the warehouse,
            // unless the last sync saw the source idle later than that (its final status, lag 0).
            const checkpoint = (await sink.readState()).checkpoint;
            const last = checkpoint?.lastEventTimestamp ?? 0;
            const final = readStatusFile<TaskStatus>(config.destination.path);
            const completeAsOf = final?.completeAsOf ?? 0;
            if (checkpoint && at > Math.max(last + 1, completeAsOf)) {
              // completeAsOf may share its second with the last change (the source was busy up to
              // the moment it was read): it still bounds what is known to be complete.
              const held =
                completeAsOf > 0 && completeAsOf >= last
                  ? `the warehouse is known to hold every change from before ${new Date(completeAsOf * 1000).toISOString()} (--at ${completeAsOf})`
                  : last > 0
                    ? `the last change the warehouse holds is from ${new Date(last * 1000).toISOString()}`
                    : 'the warehouse holds no change captured after its full sync';
              process.stderr.write(
                `binlake: warning: no sync is running, and ${held} (binlog ${checkpoint.file}:${checkpoint.position}): ` +
                  'changes the source made after that are not in this result. Merge at an --at up to that, or run ' +
                  'binlake sync --until-caught-up right before merging.\n',
              );
            }
            return result;
          },
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
