import type { DumpOptions } from '../run-binlog-dump.js';
import { action } from '../run-command.js';
import type { RegisterCommand } from './types.js';

export const registerBinlogDump: RegisterCommand = (program, setExit) => {
  const binlog = program.command('binlog').description('binlog tools');
  binlog
    .command('dump')
    .description('decode binlog events from a server or local files and print one JSON object per event')
    .argument('[files...]', 'local binlog files to decode instead of a server')
    .option('-c, --config <file>', 'take the source connection from a task config')
    .option('--host <host>', 'source host')
    .option('--port <port>', 'source port')
    .option('--user <user>', 'source user')
    .option('--password <password>', 'source password (or MYSQL_PWD)')
    .option('--server-id <id>', 'replica server id to register with')
    .option('--start-file <file>', 'binlog file to start from')
    .option(
      '--start-position <pos>',
      'position in --start-file (default 4); with local files, in the first file',
    )
    .option('--gtid <set>', 'start after this GTID set/position instead of a file position')
    .option('--stop-never', 'keep waiting for new events instead of stopping at the current end')
    .option('--rows-only', 'print row changes only')
    .action(
      action(setExit, async (files: string[], options: DumpOptions) => {
        const { dump } = await import('../run-binlog-dump.js');
        return await dump(files, options);
      }),
    );
};
