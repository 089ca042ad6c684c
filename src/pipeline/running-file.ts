import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BinlakeError, describeError } from '../core/errors.js';

/**
 * While `binlake sync` runs it owns the DuckDB file (one writer per file), so it writes
 * `<warehouse>.binlake.json` with its pid and API address; `status`, `merge` and `verify` read it
 * to go through the API instead of opening the file.
 */
export interface RunningInfo {
  pid: number;
  host: string;
  port: number;
  token: string | null;
  startedAt: string;
}

export function runningFilePath(warehousePath: string): string {
  return `${warehousePath}.binlake.json`;
}

export function writeRunningFile(warehousePath: string, info: RunningInfo): void {
  writeBeside(runningFilePath(warehousePath), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

/**
 * Writes a file next to the warehouse, creating its folder as DuckDB would (precheck only checks
 * that the folder can be created). BLK_D4004 naming the folder when it cannot be written.
 */
function writeBeside(file: string, text: string, mode?: number): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text, mode === undefined ? undefined : { mode });
  } catch (error) {
    throw new BinlakeError('BLK_D4004', `cannot write ${file}: ${describeError(error)}`, {
      remedy: `give the user running binlake write access to ${dir}, or set destination.path to a writable folder`,
      details: { file },
      cause: error,
    });
  }
}

export function removeRunningFile(warehousePath: string, pid = process.pid): void {
  const info = readRunningFile(warehousePath);
  if (info && info.pid === pid) rmSync(runningFilePath(warehousePath), { force: true });
}

export function readRunningFile(warehousePath: string): RunningInfo | null {
  try {
    return JSON.parse(readFileSync(runningFilePath(warehousePath), 'utf8')) as RunningInfo;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running sync for this warehouse, or null (a stale file of a killed process is ignored). */
export function findRunningSync(warehousePath: string): RunningInfo | null {
  const info = readRunningFile(warehousePath);
  if (!info || info.pid === process.pid || !isAlive(info.pid)) return null;
  return info;
}

/**
 * The last status a sync wrote (`<warehouse>.binlake-status.json`), so `binlake status` can tell
 * Failed-with-reason or Paused after the process is gone. The checkpoint in the warehouse stays
 * the authority on where the task stands.
 */
export function statusFilePath(warehousePath: string): string {
  return `${warehousePath}.binlake-status.json`;
}

export function writeStatusFile(warehousePath: string, status: unknown): void {
  const file = statusFilePath(warehousePath);
  writeBeside(`${file}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readStatusFile<T>(warehousePath: string): T | null {
  try {
    return JSON.parse(readFileSync(statusFilePath(warehousePath), 'utf8')) as T;
  } catch {
    return null;
  }
}
