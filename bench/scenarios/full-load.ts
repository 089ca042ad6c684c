import { rmSync } from 'node:fs';
import type { DuckDbAloneTimes } from '../children/timed-append.js';
import { queryWarehouse, writeTaskConfig } from '../lib/binlake.js';
import { countRows, DB, prepareSysbenchTable, prepareWideTable, tablePayloadBytes } from '../lib/data.js';
import { runBinlake, runChild, tailOf } from '../lib/proc.js';
import {
  attempt,
  type BenchContext,
  repeat,
  type Scenario,
  type ScenarioResult,
  summarizeRuns,
} from '../lib/scenario.js';
import { type FigureSpec, type RunFigures, rssTarget, type Target } from '../lib/stats.js';

const FIGURES: FigureSpec[] = [
  { key: 'binlake_s', label: 'binlake full sync wall time', unit: 's' },
  { key: 'binlake_rows_s', label: 'binlake rows/s', unit: 'rows/s' },
  { key: 'binlake_mb_s', label: 'binlake MB/s (source payload)', unit: 'MB/s' },
  { key: 'binlake_rss_mb', label: 'binlake peak RSS', unit: 'MiB' },
  { key: 'source_s', label: '(a) mysql2 stream, rows dropped', unit: 's' },
  { key: 'source_rows_s', label: '(a) source ceiling rows/s', unit: 'rows/s' },
  { key: 'source_rss_mb', label: '(a) peak RSS', unit: 'MiB' },
  { key: 'sink_s', label: '(b) DuckDB alone, append+commit (faster way)', unit: 's' },
  { key: 'sink_appender_s', label: '(b) row by row through the appender', unit: 's' },
  { key: 'sink_chunks_s', label: '(b) column by column in data chunks', unit: 's' },
  { key: 'sink_sink_s', label: "(b) through binlake's TableAppender", unit: 's' },
  { key: 'sink_rows_s', label: '(b) sink ceiling rows/s', unit: 'rows/s' },
  { key: 'naive_s', label: '(c) mysql2 → appender loop wall time', unit: 's' },
  { key: 'naive_rows_s', label: '(c) hand-written loop rows/s', unit: 'rows/s' },
  { key: 'naive_rss_mb', label: '(c) peak RSS', unit: 'MiB' },
  { key: 'binlake_over_sink', label: 'binlake / (b)', unit: '×' },
  { key: 'naive_over_binlake', label: '(c) / binlake', unit: '×' },
  { key: 'binlake_over_source', label: 'binlake / (a)', unit: '×' },
];

const TARGETS: Target[] = [
  { label: 'full load ≤ 1.1× the sink ceiling', key: 'binlake_over_sink', op: '<=', threshold: 1.1 },
  { label: 'full load ≥ 1.5× the hand-written loop', key: 'naive_over_binlake', op: '>=', threshold: 1.5 },
  rssTarget('binlake', 'binlake_rss_mb'),
];

/** The sysbench table is shared with cdc-catchup and lag; it is loaded once per bench run. */
export async function ensureSysbenchTable(ctx: BenchContext, table: string, rows: number): Promise<void> {
  const key = `loaded:${table}`;
  if (ctx.shared.get(key) === rows && (await countRows(ctx.server, table).catch(() => -1)) === rows) return;
  ctx.log(`loading ${rows.toLocaleString('en-US')} rows into ${DB}.${table}`);
  const started = Date.now();
  await prepareSysbenchTable(ctx.server, table, rows);
  ctx.log(`  loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  ctx.shared.set(key, rows);
}

function fullLoadScenario(name: 'full-load' | 'wide-types'): Scenario {
  return {
    name,
    async run(ctx: BenchContext): Promise<ScenarioResult> {
      const table = name === 'full-load' ? 'sbtest1' : 'wide1';
      const rows = name === 'full-load' ? ctx.options.rows : ctx.options.wideRows;
      if (name === 'full-load') await ensureSysbenchTable(ctx, table, rows);
      else {
        ctx.log(`loading ${rows.toLocaleString('en-US')} rows into ${DB}.${table} (30 columns)`);
        await prepareWideTable(ctx.server, table, rows);
      }
      const payload = await tablePayloadBytes(ctx.server, table);
      const mb = payload / 1e6;
      const errors: string[] = [];
      const server = ctx.server.source;
      const childInput = { server, database: DB, table };

      const { runs } = await repeat(ctx, name, async (run) => {
        const f: RunFigures = {};
        // binlake: schema + lock-free full sync into a fresh warehouse, then exit once caught up.
        const task = writeTaskConfig(
          ctx.server,
          [table],
          { initial: { schema: true, full: true } },
          ctx.workDir,
        );
        const sync = await attempt(errors, 'binlake sync --until-caught-up', async () => {
          const proc = await runBinlake(
            ['sync', '--config', task.configPath, '--until-caught-up', '--log-format', 'json'],
            {
              stdout: 'discard',
            },
          );
          if (proc.code !== 0) throw new Error(`exit ${proc.code ?? proc.signal}: ${tailOf(proc.stderr)}`);
          const [count] = await queryWarehouse(task.warehouse, `SELECT count(*) AS n FROM "${table}_base"`);
          if (Number(count.n) !== rows)
            throw new Error(`${table}_base has ${count.n} rows, the source ${rows}`);
          return proc;
        });
        rmSync(task.dir, { recursive: true, force: true });
        f.binlake_s = sync?.wallSeconds ?? Number.NaN;
        f.binlake_rows_s = rows / f.binlake_s;
        f.binlake_mb_s = mb / f.binlake_s;
        f.binlake_rss_mb = sync?.peakRssMb ?? Number.NaN;

        const source = await attempt(errors, '(a) source ceiling', () =>
          runChild<{ rows: number; seconds: number }>('source-ceiling', childInput),
        );
        f.source_s = source?.result.seconds ?? Number.NaN;
        f.source_rows_s = rows / f.source_s;
        f.source_rss_mb = source?.proc.peakRssMb ?? Number.NaN;

        const sinkFile = `${ctx.workDir}/sink-${name}-${run}.duckdb`;
        const sink = await attempt(errors, '(b) sink ceiling', () =>
          runChild<DuckDbAloneTimes>('sink-ceiling', { ...childInput, duckdb: sinkFile }),
        );
        for (const file of [sinkFile, `${sinkFile}-chunks`, `${sinkFile}-sink`]) {
          rmSync(file, { force: true });
          rmSync(`${file}.wal`, { force: true });
        }
        f.sink_s = sink?.result.seconds ?? Number.NaN;
        f.sink_appender_s = sink?.result.appenderSeconds ?? Number.NaN;
        f.sink_chunks_s = sink?.result.chunkSeconds ?? Number.NaN;
        f.sink_sink_s = sink?.result.sinkSeconds ?? Number.NaN;
        f.sink_rows_s = rows / f.sink_s;

        const naiveFile = `${ctx.workDir}/naive-${name}-${run}.duckdb`;
        const naive = await attempt(errors, '(c) hand-written loop', async () => {
          const out = await runChild<{ rows: number; seconds: number }>('naive-loop', {
            ...childInput,
            duckdb: naiveFile,
          });
          if (out.result.rows !== rows) throw new Error(`copied ${out.result.rows} rows of ${rows}`);
          return out;
        });
        rmSync(naiveFile, { force: true });
        rmSync(`${naiveFile}.wal`, { force: true });
        f.naive_s = naive?.proc.wallSeconds ?? Number.NaN;
        f.naive_rows_s = rows / f.naive_s;
        f.naive_rss_mb = naive?.proc.peakRssMb ?? Number.NaN;

        f.binlake_over_sink = f.binlake_s / f.sink_s;
        f.naive_over_binlake = f.naive_s / f.binlake_s;
        f.binlake_over_source = f.binlake_s / f.source_s;
        return f;
      });

      return {
        name,
        setup: { table: `${DB}.${table}`, rows, payloadMB: Number(mb.toFixed(1)) },
        figures: FIGURES,
        summaries: summarizeRuns(FIGURES, runs),
        targets: TARGETS,
        errors,
        notes: [
          'binlake and (c) are wall times of a whole process (Node start-up, connect, schema included);',
          '(b) times only the appends and the commit of rows already in memory; (a) times the SELECT stream.',
        ],
      };
    },
  };
}

export const fullLoad = fullLoadScenario('full-load');
export const wideTypes = fullLoadScenario('wide-types');
