import { type ChildProcess, spawn } from 'node:child_process';
import type { TaskStatus } from '../../src/pipeline/task-status.js';
import { BINLAKE_BIN, type CliResult, runCli } from './cli.js';
import type { SqlServer } from './server.js';
import { openWarehouse } from './sync-fixtures.js';

/**
 * Fault-test helpers: `binlake sync` as a background child process that can be SIGKILLed, a
 * seeded random generator, waiting helpers, and the `_log` integrity check (no duplicate, no gap).
 */

export const SOAK = process.env.BINLAKE_SOAK === '1';

/** A `binlake sync` (no --until-caught-up unless given) running in the background. */
export class SyncProcess {
  stdout = '';
  stderr = '';
  private readonly exited: Promise<CliResult>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => {
      this.stdout = (this.stdout + c.toString()).slice(-200_000);
    });
    child.stderr?.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-200_000);
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  static start(configPath: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): SyncProcess {
    const child = spawn(
      process.execPath,
      [BINLAKE_BIN, 'sync', '--config', configPath, '--log-format', 'json', ...extraArgs],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new SyncProcess(child);
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no chance to commit or clean up (a crash). */
  async kill(): Promise<CliResult> {
    if (this.running) this.child.kill('SIGKILL');
    return await this.exited;
  }

  /** SIGTERM: finish the batch in flight and exit 0. Falls back to SIGKILL after `ms`. */
  async stop(ms = 30_000): Promise<CliResult> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves with the result once the process exits, or null after `ms`. */
  async wait(ms: number): Promise<CliResult | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until the output contains `text` (or the process ended); true when seen. */
  async waitForOutput(text: string | RegExp, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    const seen = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    while (Date.now() < deadline) {
      if (seen()) return true;
      if (!this.running) return seen();
      await sleep(50);
    }
    return seen();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator (mulberry32), so a failing run can be replayed with the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `check` every 100 ms until it returns true or `ms` passed; returns the last answer. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return await check();
}

/** Waits for the next whole second of the wall clock plus `marginMs`; returns that second. */
export async function nextSecondBoundary(marginMs = 50): Promise<number> {
  const now = Date.now();
  const next = Math.floor(now / 1000) + 1;
  await sleep(next * 1000 - now + marginMs);
  return next;
}

/** `binlake status --json` for a config, parsed (with the exit code). */
export async function statusJson(configPath: string): Promise<{ code: number | null; status: TaskStatus }> {
  const r = await runCli(['status', '--config', configPath, '--json'], { timeoutMs: 30_000 });
  let status: TaskStatus;
  try {
    status = JSON.parse(r.stdout) as TaskStatus;
  } catch {
    throw new Error(`binlake status --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, status };
}

/**
 * Checks `<target>_log` is a clean DTS log: per record_id exactly one I (N/Y) or D (Y/N) row or
 * exactly two U rows (Y/N then N/Y), and record_ids 1..N without a gap over `allTargets`. Returns the problems
 * found (empty when clean) and the per-operation counts.
 */
export async function checkLog(
  configPath: string,
  target: string,
  /** record_ids are numbered across all tables of a task: the gap check needs every target. */
  allTargets: string[] = [target],
): Promise<{ problems: string[]; counts: { I: number; U: number; D: number }; records: number }> {
  const sink = await openWarehouse(configPath);
  try {
    const log = await sink.readLog(target);
    const allIds = new Set<bigint>();
    for (const other of allTargets) {
      for (const r of other === target ? log : await sink.readLog(other)) allIds.add(r.recordId);
    }
    const byId = new Map<bigint, string[]>();
    for (const r of log) {
      const flags = `${r.operationFlag}${r.beforeFlag}${r.afterFlag}`;
      const list = byId.get(r.recordId);
      if (list) list.push(flags);
      else byId.set(r.recordId, [flags]);
    }
    const problems: string[] = [];
    const counts = { I: 0, U: 0, D: 0 };
    for (const [id, flags] of byId) {
      const text = flags.join(',');
      if (text === 'INY') counts.I++;
      else if (text === 'DYN') counts.D++;
      else if (text === 'UYN,UNY') counts.U++;
      else if (problems.length < 20)
        problems.push(`record_id ${id}: rows ${text} (duplicate or broken change)`);
    }
    const ids = [...allIds].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== BigInt(i + 1)) {
        problems.push(`record_id gap: position ${i + 1} holds record_id ${ids[i]} (previous ${ids[i - 1]})`);
        break;
      }
    }
    return { problems, counts, records: byId.size };
  } finally {
    await sink.close();
  }
}

/** Row changes per table in the source binlog between two positions, via `binlake binlog dump --rows-only`. */
export async function binlogRowCounts(
  server: SqlServer,
  from: { file: string; position: number },
  database: string,
  table: string,
): Promise<{ I: number; U: number; D: number }> {
  const r = await runCli(
    [
      'binlog',
      'dump',
      '--host',
      server.host,
      '--port',
      String(server.port),
      '--user',
      server.address.user,
      '--start-file',
      from.file,
      '--start-position',
      String(from.position),
      '--rows-only',
    ],
    { timeoutMs: 120_000, env: { MYSQL_PWD: server.address.password } },
  );
  if (r.code !== 0) throw new Error(`binlog dump failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  const counts = { I: 0, U: 0, D: 0 };
  const op: Record<string, 'I' | 'U' | 'D'> = { write_rows: 'I', update_rows: 'U', delete_rows: 'D' };
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { type: string; database?: string; table?: string; rows?: unknown[] };
    if (e.database !== database || e.table !== table || !op[e.type]) continue;
    counts[op[e.type]] += e.rows?.length ?? 0;
  }
  return counts;
}
