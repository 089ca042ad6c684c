import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import type { SqlServer } from '../../src/sandbox/sql-server.js';
import { DB } from './data.js';

let nextServerId = 7000 + (process.pid % 500) * 20;

/** A fresh replica server id for each binlake process and peer (they must all differ). */
export function serverId(): number {
  return nextServerId++;
}

export interface TaskFiles {
  dir: string;
  configPath: string;
  warehouse: string;
}

/** Writes a binlake task config (README format) for `tables` of the bench database into a new folder. */
export function writeTaskConfig(
  server: SqlServer,
  tables: string[],
  extra: Record<string, unknown> = {},
  baseDir?: string,
): TaskFiles {
  const dir = mkdtempSync(path.join(baseDir ?? tmpdir(), 'binlake-bench-task-'));
  const warehouse = path.join(dir, 'warehouse.duckdb');
  const config = {
    source: { ...server.source, serverId: serverId() },
    destination: { type: 'duckdb', path: warehouse },
    objects: [{ database: DB, tables }],
    ...extra,
  };
  const configPath = path.join(dir, 'binlake.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath, warehouse };
}

/** The address of a running sync's local API (from `<warehouse>.binlake.json`), or null. */
export function runningApi(warehouse: string): { host: string; port: number } | null {
  try {
    const info = JSON.parse(readFileSync(`${warehouse}.binlake.json`, 'utf8')) as {
      host: string;
      port: number;
    };
    return { host: info.host, port: info.port };
  } catch {
    return null;
  }
}

export async function apiGet(
  api: { host: string; port: number },
  route: string,
  timeoutMs = 60_000,
): Promise<string> {
  return await new Promise((resolve, reject) => {
    const req = http.get({ host: api.host, port: api.port, path: route, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${route} timed out`)));
    req.on('error', reject);
  });
}

/** The part of `binlake status --json` the benchmark reads. */
export interface StatusView {
  state: string;
  checkpoint: { file: string; position: number } | null;
  lagSeconds: number;
  incremental?: { rowsPerSecond: number };
  lastError?: { code: string | null; message: string } | null;
}

/** Sum of a Prometheus counter over all its label sets. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

/** Runs SQL on a warehouse no sync holds, returning rows as objects. */
export async function queryWarehouse(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Binlog positions compare by file (same-length numbered names) then offset. */
export function positionAtLeast(
  a: { file: string; position: number },
  b: { file: string; position: number },
): boolean {
  return a.file > b.file || (a.file === b.file && a.position >= b.position);
}
