import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { MariadbSandbox } from '../../src/sandbox/mariadb-sandbox.js';
import type { ServerAddress } from '../../src/sandbox/sql-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared server every integration test may use (create your own databases on it). */
    mysql: ServerAddress & { sandboxDir: string | null };
  }
}

let sandbox: MariadbSandbox | null = null;
let runDir: string | null = null;

/**
 * Every temporary file of the run (warehouses, configs, sandboxes, CLI children) goes under one
 * folder that teardown removes: TMPDIR is set before the test processes fork, so os.tmpdir()
 * points there in them and in what they spawn. BINLAKE_KEEP_TEST_FILES=1 keeps it to look at.
 */
function useRunDirectory(): void {
  runDir = mkdtempSync(path.join(tmpdir(), 'binlake-run-'));
  process.env.TMPDIR = runDir;
}

/**
 * Starts one private MariaDB for the whole run, unless BINLAKE_TEST_MYSQL_URI names an
 * external server (e.g. a MySQL 8 with binlog_format=ROW). Only started when a test needs it.
 */
export async function setup(project: TestProject): Promise<void> {
  useRunDirectory();
  const external = process.env.BINLAKE_TEST_MYSQL_URI;
  if (external) {
    const url = new URL(external);
    project.provide('mysql', {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
      sandboxDir: null,
    });
    return;
  }
  // A run filtered to unit tests only needs no server; any other filter (or none) does.
  const filters = process.argv.filter((a) => a.startsWith('test/'));
  const onlyUnit = filters.length > 0 && filters.every((a) => a.startsWith('test/unit'));
  if (onlyUnit) {
    project.provide('mysql', { host: '127.0.0.1', port: 0, user: 'root', password: '', sandboxDir: null });
    return;
  }
  sandbox = await MariadbSandbox.start();
  project.provide('mysql', { ...sandbox.source, sandboxDir: sandbox.dir });
}

export async function teardown(): Promise<void> {
  await sandbox?.stop();
  if (runDir && !process.env.BINLAKE_KEEP_TEST_FILES) rmSync(runDir, { recursive: true, force: true });
  else if (runDir) console.log(`binlake: test files kept in ${runDir}`);
}
