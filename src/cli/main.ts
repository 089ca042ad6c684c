import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { registerBinlogDump } from './commands/binlog-dump.js';
import { registerConsole } from './commands/console.js';
import { registerMerge } from './commands/merge.js';
import { registerPrecheck } from './commands/precheck.js';
import { registerStatus } from './commands/status.js';
import { registerSync } from './commands/sync.js';
import { registerVerify } from './commands/verify.js';
import { EXIT, exitCodeFor } from './run-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Each register* adds one command; a command's action resolves to its exit code. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('binlake')
    .description(
      'Keep an analytical copy of MySQL/MariaDB tables: <t>_base + append-only <t>_log in DuckDB, ' +
        'merged to any second. See the README for the config file.',
    )
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const commands = [
    registerPrecheck,
    registerSync,
    registerStatus,
    registerMerge,
    registerVerify,
    registerBinlogDump,
    registerConsole,
  ];
  for (const register of commands) register(program, setExit);
  return program;
}

/**
 * V8 lets the old generation grow to about four times what survived the last full GC before it
 * collects again. binlake's live heap is small (a batch of rows) while it allocates a lot of
 * short-lived rows, so the default let a 2M-row full sync peak at 160 MB of heap (50 MB live)
 * and the process over 400 MB. Growing by 20% keeps the heap near the live set at no measured
 * cost in throughput, and unlike --max-old-space-size it is no hard limit: a huge source
 * transaction still fits. V8 reads this flag at every GC, so setting it here takes effect.
 */
const HEAP_GROWING_PERCENT = 20;

export async function main(argv: string[]): Promise<number> {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  // `binlake status | head`: the reader went away. Nothing more can be printed, which is no error
  // (binlog dump handles its own stream and stops reading the binlog).
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (process.stdout.listenerCount('error') > 1) return; // a command handles it (binlog dump)
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    process.stderr.write(`binlake: cannot write to stdout: ${error.message}\n`);
    process.exit(EXIT.failed);
  };
  process.stdout.on('error', onStdoutError);
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage mistakes with 1 → ours is 2.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return exitCodeFor(error);
  }
}
