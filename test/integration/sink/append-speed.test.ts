import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../../src/core/values.js';
import { DEFAULT_MEMORY_LIMIT, DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { col, schema, target, tempDir } from './helpers.js';

/**
 * Append speed of the sink against DuckDB's own appender fed from prepared arrays, on
 * sysbench-shaped rows (INT, INT, CHAR(120), CHAR(60)). A measurement, not a timed test: it runs
 * only with BINLAKE_BENCH=1 and prints the figures (bench/ holds the full-sync benchmark).
 */
const ROWS = Number(process.env.BINLAKE_BENCH_ROWS ?? 500_000);
const CHUNK = 50_000;

describe.runIf(process.env.BINLAKE_BENCH === '1')('append speed', () => {
  it('appendBaseChunk vs the raw appender', async () => {
    const tmp = tempDir();
    const rows: Row[] = [];
    for (let i = 0; i < ROWS; i++) {
      rows.push([i + 1, (i * 7919) % 1_000_000, `${i}`.padEnd(120, 'c'), `${i}`.padStart(60, 'p')]);
    }
    const sbtest = schema(
      'sbtest1',
      [
        col('id', 'int'),
        col('k', 'int'),
        col('c', 'char', { length: 120 }),
        col('pad', 'char', { length: 60 }),
      ],
      ['id'],
    );
    const figures: Record<'raw' | 'sink', number[]> = { raw: [], sink: [] };
    const cpu: Record<'raw' | 'sink', number[]> = { raw: [], sink: [] };
    const runRaw = async (rep: number) => {
      // the same DuckDB configuration as the sink, so only binlake's own work differs
      const instance = await DuckDBInstance.create(tmp.file(`raw${rep}.duckdb`), {
        memory_limit: DEFAULT_MEMORY_LIMIT,
      });
      const connection = await instance.connect();
      await connection.run('CREATE TABLE sbtest1_base (id INTEGER, k INTEGER, c VARCHAR, pad VARCHAR)');
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let s = 0; s < ROWS; s += CHUNK) {
        await connection.run('BEGIN TRANSACTION');
        const appender = await connection.createAppender('sbtest1_base');
        const end = Math.min(ROWS, s + CHUNK);
        for (let i = s; i < end; i++) {
          const r = rows[i];
          appender.appendInteger(r[0] as number);
          appender.appendInteger(r[1] as number);
          appender.appendVarchar(r[2] as string);
          appender.appendVarchar(r[3] as string);
          appender.endRow();
        }
        appender.closeSync();
        await connection.run('COMMIT');
      }
      figures.raw.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.raw.push((c.user + c.system) / 1000);
      connection.closeSync();
      instance.closeSync();
    };
    const runSink = async (rep: number) => {
      const sink = await DuckDbSink.create({ path: tmp.file(`sink${rep}.duckdb`) });
      await sink.ensureTables([target(sbtest)], {});
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let s = 0; s < ROWS; s += CHUNK) {
        const chunk = rows.slice(s, s + CHUNK);
        await sink.appendBaseChunk('sbtest1', chunk, {
          cursor: [chunk.at(-1)?.[0] ?? null],
          rowsTotal: ROWS,
        });
      }
      figures.sink.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.sink.push((c.user + c.system) / 1000);
      expect((await sink.readState()).tables[0].rowsCopied).toBe(ROWS);
      await sink.close();
    };
    for (let rep = 0; rep < 7; rep++) {
      if (rep % 2 === 0) {
        await runRaw(rep);
        await runSink(rep);
      } else {
        await runSink(rep);
        await runRaw(rep);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const show = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
    console.log(
      `append ${ROWS} rows in ${CHUNK}-row transactions: wall raw ${show(figures.raw)} ms, sink ${show(figures.sink)} ms, median ratio ${(median(figures.sink) / median(figures.raw)).toFixed(2)}; CPU raw ${show(cpu.raw)} ms, sink ${show(cpu.sink)} ms, median ratio ${(median(cpu.sink) / median(cpu.raw)).toFixed(2)}`,
    );
    tmp.cleanup();
  }, 300_000);
});
