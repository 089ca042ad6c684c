import type { Config } from '../config/config.js';
import { describeError, isBinlakeError } from '../core/errors.js';

/**
 * Exit codes, the same for every command:
 * 0 success (or equal / nothing failed), 1 the operation failed (or found differences / failures),
 * 2 bad config or bad command line (nothing was touched).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command to end with a specific exit code after it has printed its own output. */
export class CommandExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Loads the config named by --config; config errors become exit 2 in `runCommand`. The config
 * module (zod, yaml) is loaded here, not at start-up: commands without a config start faster.
 */
/** The task config; `offline` for commands that never contact the source (see loadConfig). */
export async function configFrom(
  options: { config?: string },
  use: { offline?: boolean } = {},
): Promise<Config> {
  if (!options.config) throw new UsageError('--config <file> is required');
  const { loadConfig } = await import('../config/config.js');
  return loadConfig(options.config, process.env, use);
}

export class UsageError extends Error {}

/** Maps whatever a command throws to a message on stderr and an exit code. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommandExit) return error.exitCode;
  if (error instanceof UsageError) {
    process.stderr.write(`binlake: ${error.message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`binlake: ${describeError(error)}\n`);
  if (isBinlakeError(error) && error.code.startsWith('BLK_C')) return EXIT.usage;
  if (!isBinlakeError(error) && process.env.BINLAKE_DEBUG && error instanceof Error) {
    process.stderr.write(`${error.stack}\n`);
  }
  return EXIT.failed;
}

/**
 * Wraps a command action: its resolved number is the exit code; a throw is printed and mapped
 * by `exitCodeFor`. Keeps every command's error handling in one place.
 */
export function action<A extends unknown[]>(
  setExit: (code: number) => void,
  run: (...args: A) => Promise<number>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      setExit(await run(...args));
    } catch (error) {
      setExit(exitCodeFor(error));
    }
  };
}
