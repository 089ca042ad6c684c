import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { SqlServer } from './sql-server.js';

/**
 * A private, throwaway MariaDB server for tests, the demo and benchmarks: its own datadir in a
 * temp folder, a free port on 127.0.0.1, the binlog on in ROW/FULL/CRC32 mode, root without a
 * password on loopback. It never touches the machine's own server on 3306.
 */
export interface SandboxOptions {
  /** Extra `mariadbd` options, e.g. `['--binlog-format=STATEMENT']`. */
  extraArgs?: string[];
  /** Turn the binlog off entirely (for the log_bin precheck). */
  noBinlog?: boolean;
  serverId?: number;
  /** Where the datadir goes; a new temp folder when absent. */
  baseDir?: string;
  /** Keep the datadir after stop (the demo keeps it for inspection). */
  keep?: boolean;
}

const SERVER_CANDIDATES = [
  '/usr/sbin/mariadbd',
  '/usr/bin/mariadbd',
  '/usr/sbin/mysqld',
  '/usr/libexec/mariadbd',
];
const INSTALL_DB_CANDIDATES = [
  '/usr/bin/mariadb-install-db',
  '/usr/bin/mysql_install_db',
  '/usr/scripts/mariadb-install-db',
];

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that is interrupted must not leave servers behind.
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

function findBinary(candidates: string[], name: string): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Finds mariadbd, installing Debian's mariadb-server when missing and running as root. */
export function ensureMariadbBinaries(): { server: string; installDb: string } {
  let server = findBinary(SERVER_CANDIDATES, 'mariadbd');
  let installDb = findBinary(INSTALL_DB_CANDIDATES, 'mariadb-install-db');
  if ((!server || !installDb) && process.getuid?.() === 0) {
    execFileSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server'],
      {
        stdio: 'inherit',
      },
    );
    server = findBinary(SERVER_CANDIDATES, 'mariadbd');
    installDb = findBinary(INSTALL_DB_CANDIDATES, 'mariadb-install-db');
  }
  if (!server || !installDb) {
    throw new Error(
      'MariaDB server binaries not found (mariadbd, mariadb-install-db). Install them with ' +
        '`sudo apt-get install mariadb-server`, or point the tests at a server with BINLAKE_TEST_MYSQL_URI.',
    );
  }
  return { server, installDb };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export class MariadbSandbox extends SqlServer {
  private child: ChildProcess | null = null;
  private stderrTail = '';

  private constructor(
    port: number,
    readonly dir: string,
    private options: SandboxOptions,
    private readonly binaries: { server: string; installDb: string },
  ) {
    super({ host: '127.0.0.1', port, user: 'root', password: '' });
  }

  get datadir(): string {
    return path.join(this.dir, 'data');
  }

  get socket(): string {
    return path.join(this.dir, 'mysqld.sock');
  }

  get serverId(): number {
    return this.options.serverId ?? 1;
  }

  static async start(options: SandboxOptions = {}): Promise<MariadbSandbox> {
    installExitHook();
    const binaries = ensureMariadbBinaries();
    const dir = await mkdtemp(path.join(options.baseDir ?? tmpdir(), 'binlake-mariadb-'));
    const sandbox = new MariadbSandbox(await freePort(), dir, options, binaries);
    execFileSync(
      binaries.installDb,
      [
        '--no-defaults',
        `--datadir=${sandbox.datadir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        // A private tmpdir: concurrent bootstraps in a shared /tmp collide on temporary tables.
        `--tmpdir=${dir}`,
        ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ],
      { stdio: 'pipe' },
    );
    await sandbox.launch();
    await sandbox.bootstrapRootOverTcp();
    return sandbox;
  }

  private args(): string[] {
    const o = this.options;
    const binlog = o.noBinlog
      ? []
      : [
          `--log-bin=${path.join(this.dir, 'binlog')}`,
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--binlog-checksum=CRC32',
        ];
    return [
      '--no-defaults',
      `--datadir=${this.datadir}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${this.socket}`,
      `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
      `--log-error=${path.join(this.dir, 'error.log')}`,
      `--tmpdir=${this.dir}`,
      `--server-id=${this.serverId}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=256M',
      '--innodb-log-file-size=256M',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--max-allowed-packet=256M',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      '--default-time-zone=+00:00',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      ...binlog,
      ...(o.extraArgs ?? []),
    ];
  }

  private async launch(): Promise<void> {
    const child = spawn(this.binaries.server, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    running.add(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    child.once('exit', () => running.delete(child));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const conn = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
        await conn.end();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    let log = '';
    try {
      log = execFileSync('tail', ['-n', '30', path.join(this.dir, 'error.log')], { encoding: 'utf8' });
    } catch {}
    throw new Error(`private mariadbd did not start on port ${this.port}:\n${log}${this.stderrTail}`);
  }

  /** install-db creates root@localhost only; TCP clients from 127.0.0.1 need their own account. */
  private async bootstrapRootOverTcp(): Promise<void> {
    const conn = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
    try {
      await conn.query("CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'");
      await conn.query("GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION");
    } finally {
      await conn.end();
    }
  }

  /** Stops the server (SIGTERM, or SIGKILL to simulate a crash) and starts it again with new options. */
  async restart(options: { kill?: boolean; extraArgs?: string[]; noBinlog?: boolean } = {}): Promise<void> {
    await this.halt(options.kill === true);
    this.options = {
      ...this.options,
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      ...(options.noBinlog !== undefined ? { noBinlog: options.noBinlog } : {}),
    };
    await this.launch();
  }

  /** Stops the server without removing its data (for outage tests); `resume()` starts it again. */
  async halt(kill = false): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(kill ? 'SIGKILL' : 'SIGTERM');
    await exited;
    this.child = null;
  }

  async resume(): Promise<void> {
    if (this.child) return;
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.halt(false);
    if (!this.options.keep) await rm(this.dir, { recursive: true, force: true });
  }
}
