import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The repository root (this file runs from dist/bench/lib/). */
export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const BINLAKE_BIN = path.join(ROOT, 'bin', 'binlake.js');
const RSS_HOOK = path.join(import.meta.dirname, 'rss-hook.js');
export const CHILDREN_DIR = path.resolve(import.meta.dirname, '../children');

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, seen by the parent (includes Node's start-up). */
  wallSeconds: number;
  /** Peak RSS of the child in MiB (NaN when the child died before reporting it). */
  peakRssMb: number;
}

export interface RunningProc {
  child: ChildProcess;
  done: Promise<ProcResult>;
}

export interface NodeRunOptions {
  env?: NodeJS.ProcessEnv;
  /** 'discard' sends stdout to /dev/null (what `… > /dev/null` does); default collects it. */
  stdout?: 'collect' | 'discard';
  timeoutMs?: number;
  /** Keep only the last this many characters of stderr (logs can be large). */
  stderrTail?: number;
}

let rssDir: string | null = null;
let rssSeq = 0;

/** Starts `node <script> ...args` with the peak-RSS hook preloaded. */
export function startNode(script: string, args: string[], options: NodeRunOptions = {}): RunningProc {
  if (rssDir === null) {
    const dir = mkdtempSync(path.join(tmpdir(), 'binlake-bench-rss-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    rssDir = dir;
  }
  const rssFile = path.join(rssDir, `rss-${process.pid}-${rssSeq++}`);
  const stdoutTarget = options.stdout === 'discard' ? openSync('/dev/null', 'w') : 'pipe';
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', RSS_HOOK, script, ...args], {
    env: { ...process.env, ...options.env, BINLAKE_BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', stdoutTarget, 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const tail = options.stderrTail ?? 20_000;
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-tail);
  });
  const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
  const done = new Promise<ProcResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timer) clearTimeout(timer);
      let peakRssMb = Number.NaN;
      try {
        peakRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
        rmSync(rssFile, { force: true });
      } catch {
        // killed before the exit hook ran
      }
      resolve({ code, signal, stdout, stderr, wallSeconds, peakRssMb });
    });
  });
  return { child, done };
}

export async function runNode(
  script: string,
  args: string[],
  options: NodeRunOptions = {},
): Promise<ProcResult> {
  return await startNode(script, args, options).done;
}

/** Runs the built binlake CLI as a user would. */
export function startBinlake(args: string[], options: NodeRunOptions = {}): RunningProc {
  return startNode(BINLAKE_BIN, args, options);
}

export async function runBinlake(args: string[], options: NodeRunOptions = {}): Promise<ProcResult> {
  return await startBinlake(args, options).done;
}

/** A benchmark child from dist/bench/children; it prints one JSON object as its last stdout line. */
export async function runChild<T>(
  name: string,
  input: unknown,
  options: NodeRunOptions = {},
): Promise<{ result: T; proc: ProcResult }> {
  const proc = await runNode(path.join(CHILDREN_DIR, `${name}.js`), [JSON.stringify(input)], options);
  const last = proc.stdout.trim().split('\n').at(-1) ?? '';
  if (proc.code !== 0 || !last.startsWith('{')) {
    throw new Error(
      `bench child ${name} failed (exit ${proc.code ?? proc.signal}):\n${proc.stderr.slice(-3000)}`,
    );
  }
  return { result: JSON.parse(last) as T, proc };
}

/** Runs any command and collects its output (sysbench, apt-get). */
export async function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; wallSeconds: number }> {
  const started = process.hrtime.bigint();
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-20_000);
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr, wallSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

/** Last lines of a process's stderr, for error messages. */
export function tailOf(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
