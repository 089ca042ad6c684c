import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

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
  writeFileSync(runningFilePath(warehousePath), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
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
  writeFileSync(`${file}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readStatusFile<T>(warehousePath: string): T | null {
  try {
    return JSON.parse(readFileSync(statusFilePath(warehousePath), 'utf8')) as T;
  } catch {
    return null;
  }
}
