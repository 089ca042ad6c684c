import { execFileSync } from 'node:child_process';
import type { SqlServer } from '../../src/sandbox/sql-server.js';
import { DB, prng, sysbenchString } from './data.js';
import { runCommand } from './proc.js';

/** What a write workload did. `rowChanges` counts rows the server reported as changed. */
export interface WriteResult {
  tool: 'sysbench' | 'built-in';
  transactions: number;
  rowChanges: number;
  seconds: number;
  errors: number;
}

/**
 * The built-in equivalent of `sysbench oltp_write_only` (used when sysbench is absent or
 * `--writer builtin`): `threads` connections, each transaction = 1 UPDATE of the indexed `k`,
 * 1 UPDATE of the non-indexed `c`, 1 DELETE and 1 INSERT of the same id, on random ids — the
 * same 4 row changes per transaction. Each transaction goes to the server as one multi-statement
 * round trip so a Node client can drive the server near its limit on 2 cores.
 */
export class BuiltinWriter {
  private running = true;
  private readonly started = Date.now();
  private done: Promise<void>;
  transactions = 0;
  rowChanges = 0;
  errors = 0;
  private endedAt = 0;

  constructor(
    server: SqlServer,
    table: string,
    tableSize: number,
    options: { threads?: number; seconds?: number; seed?: number } = {},
  ) {
    const threads = options.threads ?? 4;
    const deadline = options.seconds ? this.started + options.seconds * 1000 : Number.POSITIVE_INFINITY;
    const worker = async (w: number) => {
      const conn = await server.connect(DB);
      const rand = prng((options.seed ?? 11) * 100 + w);
      const id = () => 1 + Math.floor(rand() * tableSize);
      try {
        while (this.running && Date.now() < deadline) {
          const a = id();
          const b = id();
          const d = id();
          const sql =
            `BEGIN; UPDATE \`${table}\` SET k = k + 1 WHERE id = ${a}; ` +
            `UPDATE \`${table}\` SET c = '${sysbenchString(rand, 10)}' WHERE id = ${b}; ` +
            `DELETE FROM \`${table}\` WHERE id = ${d}; ` +
            `INSERT IGNORE INTO \`${table}\` (id, k, c, pad) VALUES (${d}, ${id()}, '${sysbenchString(rand, 10)}', '${sysbenchString(rand, 5)}'); COMMIT`;
          try {
            const [results] = await conn.query(sql);
            let changed = 0;
            for (const r of results as unknown as { affectedRows?: number }[]) changed += r.affectedRows ?? 0;
            this.transactions++;
            this.rowChanges += changed;
          } catch {
            // a deadlock between two random transactions: sysbench also just goes on
            this.errors++;
            await conn.query('ROLLBACK').catch(() => {});
          }
        }
      } finally {
        await conn.end();
      }
    };
    this.done = Promise.all(Array.from({ length: threads }, (_, w) => worker(w))).then(() => {
      this.endedAt = Date.now();
    });
  }

  /** Resolves when the time is up (or `stop()` was called). */
  async finished(): Promise<WriteResult> {
    await this.done;
    return {
      tool: 'built-in',
      transactions: this.transactions,
      rowChanges: this.rowChanges,
      seconds: (this.endedAt - this.started) / 1000,
      errors: this.errors,
    };
  }

  async stop(): Promise<WriteResult> {
    this.running = false;
    return await this.finished();
  }
}

export type WriterChoice = 'auto' | 'sysbench' | 'builtin';

let sysbenchPath: string | null | undefined;

/**
 * The sysbench binary, installing Debian's package when it is missing and we are root
 * (`apt-get update` once, then `apt-get install -y sysbench`). Null when unavailable.
 */
export function ensureSysbench(log: (line: string) => void): string | null {
  if (sysbenchPath !== undefined) return sysbenchPath;
  const find = () => {
    try {
      return execFileSync('sh', ['-c', 'command -v sysbench'], { encoding: 'utf8' }).trim() || null;
    } catch {
      return null;
    }
  };
  sysbenchPath = find();
  if (!sysbenchPath && process.getuid?.() === 0) {
    log('sysbench is missing: apt-get install -y sysbench');
    try {
      execFileSync(
        'sh',
        ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sysbench'],
        { stdio: 'ignore', timeout: 300_000 },
      );
    } catch {
      log('apt-get install sysbench failed; using the built-in writer');
    }
    sysbenchPath = find();
  }
  return sysbenchPath;
}

/** `sysbench oltp_write_only run` on `bench.sbtest1` (created by our loader in sysbench's shape). */
export async function runSysbench(
  bin: string,
  server: SqlServer,
  tableSize: number,
  threads: number,
  seconds: number,
): Promise<WriteResult> {
  const args = [
    'oltp_write_only',
    '--db-driver=mysql',
    `--mysql-host=${server.host}`,
    `--mysql-port=${server.port}`,
    `--mysql-user=${server.address.user}`,
    `--mysql-password=${server.address.password}`,
    `--mysql-db=${DB}`,
    '--tables=1',
    `--table-size=${tableSize}`,
    `--threads=${threads}`,
    `--time=${seconds}`,
    '--report-interval=0',
    '--db-ps-mode=auto',
    '--mysql-ignore-errors=all',
    'run',
  ];
  const out = await runCommand(bin, args, { timeoutMs: (seconds + 120) * 1000 });
  if (out.code !== 0) throw new Error(`sysbench failed (exit ${out.code}):\n${out.stderr}\n${out.stdout}`);
  const tx = /transactions:\s+(\d+)/.exec(out.stdout);
  const errors = /ignored errors:\s+(\d+)/.exec(out.stdout);
  const time = /total time:\s+([\d.]+)s/.exec(out.stdout);
  const transactions = Number(tx?.[1] ?? 0);
  return {
    tool: 'sysbench',
    transactions,
    // oltp_write_only: index update + non-index update + delete + insert per transaction
    rowChanges: transactions * 4,
    seconds: Number(time?.[1] ?? seconds),
    errors: Number(errors?.[1] ?? 0),
  };
}

/** Runs the write workload with sysbench when chosen/available, else the built-in writer. */
export async function runWriteWorkload(
  server: SqlServer,
  options: { writer: WriterChoice; table: string; tableSize: number; threads: number; seconds: number },
  log: (line: string) => void,
): Promise<WriteResult> {
  const bin = options.writer === 'builtin' ? null : ensureSysbench(log);
  if (options.writer === 'sysbench' && !bin) throw new Error('--writer sysbench: sysbench is not available');
  if (bin && options.table === 'sbtest1') {
    return await runSysbench(bin, server, options.tableSize, options.threads, options.seconds);
  }
  const writer = new BuiltinWriter(server, options.table, options.tableSize, {
    threads: options.threads,
    seconds: options.seconds,
  });
  return await writer.finished();
}
