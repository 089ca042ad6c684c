import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../../src/config/config.js';
import type { Row } from '../../../src/core/values.js';
import { openSourceConnection, openSourcePool, type SourcePool } from '../../../src/source/connection.js';
import { type ResolvedTable, resolveObjects } from '../../../src/source/schema-reader.js';
import { readChunks } from '../../../src/source/snapshot/read-chunks.js';
import { sharedServer } from '../../harness/server.js';

/**
 * Reader speed on the sysbench shape (`BINLAKE_BENCH=1 npx vitest run test/integration/source/reader-bench.test.ts`;
 * BINLAKE_BENCH_ROWS sets the size, default 300,000). Not a timed test: it only prints figures.
 */
describe.runIf(process.env.BINLAKE_BENCH)('snapshot reader speed (sysbench shape)', () => {
  let server: ReturnType<typeof sharedServer>;
  const rows = Number(process.env.BINLAKE_BENCH_ROWS ?? 300_000);
  let db: string;
  let config: Config;
  let table: ResolvedTable;
  let pool: SourcePool;

  beforeAll(async () => {
    server = sharedServer();
    db = await server.freshDatabase('bench');
    await server.query(`CREATE TABLE \`${db}\`.sbtest1 (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL DEFAULT 0,
      c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))`);
    const digits = (n: number) =>
      Array.from({ length: n }, () =>
        Math.floor(Math.random() * 1e11)
          .toString()
          .padStart(11, '0'),
      ).join('-');
    for (let start = 0; start < rows; start += 10_000) {
      const values: string[] = [];
      for (let i = 0; i < Math.min(10_000, rows - start); i++) {
        values.push(
          `(${Math.floor(Math.random() * rows)}, '${digits(10).slice(0, 119)}', '${digits(5).slice(0, 59)}')`,
        );
      }
      await server.query(`INSERT INTO \`${db}\`.sbtest1 (k, c, pad) VALUES ${values.join(',')}`);
    }
    config = parseConfig({
      source: {
        host: server.host,
        port: server.port,
        user: server.address.user,
        password: server.address.password,
        serverId: 4242,
      },
      destination: { type: 'duckdb', path: '/tmp/unused.duckdb' },
      objects: [{ database: db, tables: ['sbtest1'] }],
    });
    const conn = await openSourceConnection(config.source);
    [table] = await resolveObjects(conn, config);
    await conn.close();
    pool = openSourcePool(config.source, 2);
  }, 600_000);
  afterAll(async () => pool?.close());

  /** Best of 5: wall time and this process's CPU time (user + system), which load on the machine disturbs less. */
  async function time(label: string, run: () => Promise<number>): Promise<void> {
    let bestWall = Number.POSITIVE_INFINITY;
    let bestCpu = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const n = await run();
      const used = process.cpuUsage(cpu);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(n).toBe(rows);
      bestWall = Math.min(bestWall, ms);
      bestCpu = Math.min(bestCpu, (used.user + used.system) / 1000);
    }
    console.log(
      `${label.padEnd(56)} wall ${bestWall.toFixed(0).padStart(5)} ms (${Math.round(rows / (bestWall / 1000))
        .toLocaleString('en')
        .padStart(9)} rows/s)  client CPU ${bestCpu.toFixed(0).padStart(5)} ms`,
    );
  }

  it('prints figures', async () => {
    const a = server.address;
    const raw = await mysql.createConnection({
      host: a.host,
      port: a.port,
      user: a.user,
      password: a.password,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    const sql = `SELECT id, k, c, pad FROM \`${db}\`.sbtest1`;
    const core = (
      raw as unknown as { connection: { query(q: unknown): { stream(): AsyncIterable<unknown> } } }
    ).connection;
    await time('naive: mysql2 stream of row objects', async () => {
      let n = 0;
      for await (const _ of core.query(sql).stream()) n++;
      return n;
    });
    await time('mysql2 stream, rowsAsArray, kept in 50k-row batches', async () => {
      let n = 0;
      let batch: unknown[] = [];
      for await (const row of core.query({ sql, rowsAsArray: true }).stream()) {
        batch.push(row);
        if (batch.length === 50_000) {
          n += batch.length;
          batch = [];
        }
      }
      return n + batch.length;
    });
    await time('mysql2 stream, rowsAsArray', async () => {
      let n = 0;
      for await (const _ of core.query({ sql, rowsAsArray: true }).stream()) n++;
      return n;
    });
    const chunked = async (chunkSize: number, statementRows?: number) => {
      let n = 0;
      for await (const chunk of readChunks(pool, table, { chunkSize, statementRows, cursor: null }))
        n += chunk.rows.length;
      return n;
    };
    await time('readChunks chunk 5k (nothing kept long)', () => chunked(5_000));
    for (const statementRows of [50_000, 10_000, 5_000]) {
      await time(`readChunks chunk 50k, ${statementRows}-row statements`, () =>
        chunked(50_000, statementRows),
      );
    }
    // The alternative the row reader rejected: a per-cell typeCast doing the conversion in the parser.
    const typeCast = (
      field: { type: string; buffer(): Buffer | null; string(): string | null },
      next: () => unknown,
    ) => {
      if (field.type === 'LONGLONG') {
        const s = field.string();
        return s === null ? null : BigInt(s);
      }
      return next();
    };
    await time('keyset chunks 50k with a per-cell typeCast', async () => {
      let n = 0;
      let cursor = -1;
      for (;;) {
        const [result] = await raw.query({
          sql: `${sql} WHERE id > ${cursor} ORDER BY id LIMIT 50000`,
          rowsAsArray: true,
          typeCast: typeCast as never,
        });
        const batch = result as Row[];
        if (batch.length === 0) break;
        n += batch.length;
        cursor = batch[batch.length - 1][0] as number;
      }
      return n;
    });
    await time('keyset chunks 50k, no typeCast, no read-ahead', async () => {
      let n = 0;
      let cursor = -1;
      for (;;) {
        const [result] = await raw.query({
          sql: `${sql} WHERE id > ${cursor} ORDER BY id LIMIT 50000`,
          rowsAsArray: true,
        });
        const batch = result as Row[];
        if (batch.length === 0) break;
        n += batch.length;
        cursor = batch[batch.length - 1][0] as number;
      }
      return n;
    });
    await raw.end();
  }, 600_000);
});
