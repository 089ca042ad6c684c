import { rmSync } from 'node:fs';
import type { DuckDbAloneTimes } from '../children/timed-append.js';
import { queryWarehouse, serverId, writeTaskConfig } from '../lib/binlake.js';
import { DB } from '../lib/data.js';
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
import { runWriteWorkload } from '../lib/writer.js';
import { ensureSysbenchTable } from './full-load.js';

const FIGURES: FigureSpec[] = [
  { key: 'framing_s', label: 'framing only (transport ceiling)', unit: 's' },
  { key: 'framing_events_s', label: 'framing only events/s', unit: 'events/s' },
  { key: 'framing_mb_s', label: 'framing only MB/s', unit: 'MB/s' },
  {
    key: 'zongji_wall_s',
    label: 'zongji from process start (like the dump, which is timed from spawn)',
    unit: 's',
  },
  { key: 'zongji_wall_rate', label: 'zongji row changes/s, process start to end', unit: 'changes/s' },
  { key: 'zongji_s', label: 'zongji decode-only, from start() (start-up excluded)', unit: 's' },
  { key: 'zongji_rate', label: 'zongji row changes/s, decode-only', unit: 'changes/s' },
  { key: 'zongji_rss_mb', label: 'zongji peak RSS', unit: 'MiB' },
  { key: 'decoder_s', label: 'binlake decoder, no output (diagnosis)', unit: 's' },
  { key: 'decoder_rate', label: 'binlake decoder row changes/s', unit: 'changes/s' },
  { key: 'dump_s', label: 'binlake binlog dump --rows-only', unit: 's' },
  { key: 'dump_rate', label: 'binlake decode row changes/s', unit: 'changes/s' },
  { key: 'dump_rss_mb', label: 'binlake dump peak RSS', unit: 'MiB' },
  { key: 'dump_startup_s', label: 'binlake binlog dump of an empty range (start-up)', unit: 's' },
  { key: 'catchup_s', label: 'binlake sync catch-up into _log', unit: 's' },
  { key: 'catchup_rate', label: 'binlake catch-up row changes/s', unit: 'changes/s' },
  { key: 'log_rows_s', label: 'binlake _log rows/s', unit: 'rows/s' },
  { key: 'catchup_rss_mb', label: 'binlake sync peak RSS', unit: 'MiB' },
  { key: 'log_floor_s', label: 'DuckDB alone appends the _log rows (floor, faster way)', unit: 's' },
  { key: 'log_floor_appender_s', label: 'floor row by row through the appender', unit: 's' },
  { key: 'log_floor_chunks_s', label: 'floor column by column in data chunks', unit: 's' },
  { key: 'log_floor_sink_s', label: "floor through binlake's TableAppender", unit: 's' },
  { key: 'log_floor_rate', label: 'floor row changes/s', unit: 'changes/s' },
  {
    key: 'dump_over_zongji_wall',
    label: 'decode: binlake / zongji, both timed from process start',
    unit: '×',
  },
  {
    key: 'dump_over_zongji',
    label: 'decode: binlake (process) / zongji decode-only (start-up excluded)',
    unit: '×',
  },
  {
    key: 'ceiling_over_zongji_wall',
    label: 'ceiling: zongji from process start / (dump start-up + framing only)',
    unit: '×',
  },
  { key: 'decoder_over_zongji', label: 'decoder alone: binlake / zongji', unit: '×' },
  { key: 'catchup_over_zongji', label: 'catch-up: binlake / zongji decode', unit: '×' },
  { key: 'catchup_over_framing', label: 'catch-up time / framing time', unit: '×' },
  { key: 'floor_over_zongji', label: 'floor: DuckDB appends alone / zongji decode', unit: '×' },
  { key: 'catchup_over_floor', label: 'catch-up time / floor time', unit: '×' },
];

const TARGETS: Target[] = [
  {
    label: 'decode ≥ 3× zongji (both timed from process start)',
    key: 'dump_over_zongji_wall',
    op: '>=',
    threshold: 3,
  },
  { label: 'catch-up into _log ≥ 2× zongji decode-only', key: 'catchup_over_zongji', op: '>=', threshold: 2 },
  rssTarget('binlake dump', 'dump_rss_mb'),
  rssTarget('binlake sync', 'catchup_rss_mb'),
];

export const cdcCatchup: Scenario = {
  name: 'cdc-catchup',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const table = 'sbtest1';
    const rows = ctx.options.rows;
    await ensureSysbenchTable(ctx, table, rows);
    const errors: string[] = [];
    const source = ctx.server.source;

    // The binlog range: a write workload with no binlake running.
    const start = await ctx.server.masterStatus();
    ctx.log(`cdc-catchup: write workload, ${ctx.options.threads} threads, ${ctx.options.cdcSeconds} s`);
    const write = await runWriteWorkload(
      ctx.server,
      {
        writer: ctx.options.writer,
        table,
        tableSize: rows,
        threads: ctx.options.threads,
        seconds: ctx.options.cdcSeconds,
      },
      ctx.log,
    );
    const end = await ctx.server.masterStatus();
    const binlogBytes = await rangeBytes(ctx, start, end);
    ctx.log(
      `cdc-catchup: ${write.tool} wrote ${write.transactions} transactions (${write.rowChanges} row changes) ` +
        `in ${write.seconds.toFixed(1)} s; binlog ${start.file}:${start.position} → ${end.file}:${end.position} ` +
        `(${(binlogBytes / 1e6).toFixed(1)} MB)`,
    );
    let rowChanges = write.rowChanges;
    let logRows = Number.NaN;

    const { runs } = await repeat(ctx, 'cdc-catchup', async () => {
      const f: RunFigures = {};
      const framing = await attempt(errors, 'framing-only pass', () =>
        runChild<{ events: number; bytes: number; seconds: number }>('framing-only', {
          server: source,
          serverId: serverId(),
          start,
        }),
      );
      f.framing_s = framing?.result.seconds ?? Number.NaN;
      f.framing_events_s = (framing?.result.events ?? Number.NaN) / f.framing_s;
      f.framing_mb_s = (framing?.result.bytes ?? Number.NaN) / 1e6 / f.framing_s;

      const zongji = await attempt(errors, '@vlasky/zongji decode', () =>
        runChild<{ rowChanges: number; seconds: number; sinceProcessStart: number }>(
          'zongji-decode',
          { server: source, serverId: serverId(), start, end },
          { timeoutMs: 900_000 },
        ),
      );
      // zongji's count is exact (every row of every row event in the range); the writer's is a tally.
      if (zongji) rowChanges = zongji.result.rowChanges;
      f.zongji_wall_s = zongji?.result.sinceProcessStart ?? Number.NaN;
      f.zongji_wall_rate = rowChanges / f.zongji_wall_s;
      f.zongji_s = zongji?.result.seconds ?? Number.NaN;
      f.zongji_rate = rowChanges / f.zongji_s;
      f.zongji_rss_mb = zongji?.proc.peakRssMb ?? Number.NaN;

      const decoder = await attempt(errors, 'binlake decoder (no output)', async () => {
        const out = await runChild<{ rowChanges: number; seconds: number }>('decoder-only', {
          server: source,
          serverId: serverId(),
          start,
        });
        if (out.result.rowChanges !== rowChanges) {
          throw new Error(`decoded ${out.result.rowChanges} row changes, zongji ${rowChanges}`);
        }
        return out;
      });
      f.decoder_s = decoder?.result.seconds ?? Number.NaN;
      f.decoder_rate = rowChanges / f.decoder_s;

      /** `binlake binlog dump --rows-only > /dev/null` from `from` to the binlog's end. */
      const dumpFrom = async (from: { file: string; position: number }, stdout: 'discard' | 'collect') => {
        const args = [
          'binlog',
          'dump',
          '--host',
          source.host,
          '--port',
          String(source.port),
          '--user',
          source.user,
          ...(source.password ? ['--password', source.password] : []),
          '--server-id',
          String(serverId()),
          '--start-file',
          from.file,
          '--start-position',
          String(from.position),
          '--rows-only',
        ];
        const proc = await runBinlake(args, { stdout, timeoutMs: 900_000 });
        if (proc.code !== 0) throw new Error(`exit ${proc.code ?? proc.signal}: ${tailOf(proc.stderr)}`);
        return proc;
      };
      const dump = await attempt(errors, 'binlake binlog dump --rows-only', () => dumpFrom(start, 'discard'));
      f.dump_s = dump?.wallSeconds ?? Number.NaN;
      f.dump_rate = rowChanges / f.dump_s;
      f.dump_rss_mb = dump?.peakRssMb ?? Number.NaN;
      // The same command from the range's end: Node, imports, connecting, registering, closing.
      const empty = await attempt(errors, 'binlake binlog dump of an empty range', async () => {
        const proc = await dumpFrom(end, 'collect');
        if (proc.stdout !== '')
          throw new Error(`the binlog moved past the range's end: ${tailOf(proc.stdout)}`);
        return proc;
      });
      f.dump_startup_s = empty?.wallSeconds ?? Number.NaN;

      const task = writeTaskConfig(
        ctx.server,
        [table],
        { initial: { schema: true, full: false }, start: { file: start.file, position: start.position } },
        ctx.workDir,
      );
      const catchup = await attempt(errors, 'binlake sync --until-caught-up (catch-up)', async () => {
        const proc = await runBinlake(
          ['sync', '--config', task.configPath, '--until-caught-up', '--log-format', 'json'],
          {
            stdout: 'discard',
            timeoutMs: 900_000,
          },
        );
        if (proc.code !== 0) throw new Error(`exit ${proc.code ?? proc.signal}: ${tailOf(proc.stderr)}`);
        const [count] = await queryWarehouse(
          task.warehouse,
          `SELECT count(*) AS n, count(DISTINCT record_id) AS changes FROM "${table}_log"`,
        );
        logRows = Number(count.n);
        if (Number(count.changes) !== rowChanges) {
          throw new Error(`${table}_log holds ${count.changes} changes, the binlog range ${rowChanges}`);
        }
        return proc;
      });
      // The floor: the same _log rows appended by DuckDB alone, from arrays (see the child).
      const floor = catchup
        ? await attempt(errors, '_log sink floor', () =>
            runChild<DuckDbAloneTimes>('log-sink-floor', {
              warehouse: task.warehouse,
              table: `${table}_log`,
              duckdb: `${task.dir}/floor.duckdb`,
            }),
          )
        : null;
      rmSync(task.dir, { recursive: true, force: true });
      f.log_floor_s = floor?.result.seconds ?? Number.NaN;
      f.log_floor_appender_s = floor?.result.appenderSeconds ?? Number.NaN;
      f.log_floor_chunks_s = floor?.result.chunkSeconds ?? Number.NaN;
      f.log_floor_sink_s = floor?.result.sinkSeconds ?? Number.NaN;
      f.log_floor_rate = rowChanges / f.log_floor_s;
      f.catchup_s = catchup?.wallSeconds ?? Number.NaN;
      f.catchup_rate = rowChanges / f.catchup_s;
      f.log_rows_s = logRows / f.catchup_s;
      f.catchup_rss_mb = catchup?.peakRssMb ?? Number.NaN;

      f.dump_over_zongji_wall = f.dump_rate / f.zongji_wall_rate;
      f.dump_over_zongji = f.dump_rate / f.zongji_rate;
      f.ceiling_over_zongji_wall = f.zongji_wall_s / (f.dump_startup_s + f.framing_s);
      f.decoder_over_zongji = f.decoder_rate / f.zongji_rate;
      f.catchup_over_zongji = f.catchup_rate / f.zongji_rate;
      f.catchup_over_framing = f.catchup_s / f.framing_s;
      f.floor_over_zongji = f.log_floor_rate / f.zongji_rate;
      f.catchup_over_floor = f.catchup_s / f.log_floor_s;
      return f;
    });

    return {
      name: 'cdc-catchup',
      setup: {
        table: `${DB}.${table}`,
        tableRows: rows,
        writer: write.tool,
        threads: ctx.options.threads,
        writeSeconds: Number(write.seconds.toFixed(1)),
        transactions: write.transactions,
        rowChanges,
        logRows,
        binlog: `${start.file}:${start.position} → ${end.file}:${end.position}`,
        binlogMB: Number((binlogBytes / 1e6).toFixed(1)),
      },
      figures: FIGURES,
      summaries: summarizeRuns(FIGURES, runs),
      targets: TARGETS,
      errors,
      notes: [
        'row changes = rows in the range counted by zongji (an UPDATE counts once; it is 2 rows in _log);',
        'binlake figures are process wall times; framing, the decoder alone and zongji decode-only are timed inside ' +
          'their process (start-up excluded); zongji "from process start" includes its start-up like the dump.',
      ],
    };
  },
};

async function rangeBytes(
  ctx: BenchContext,
  start: { file: string; position: number },
  end: { file: string; position: number },
): Promise<number> {
  if (start.file === end.file) return end.position - start.position;
  const logs = await ctx.server.query<{ Log_name: string; File_size: number | string }[]>('SHOW BINARY LOGS');
  let total = 0;
  for (const l of logs) {
    if (l.Log_name < start.file || l.Log_name > end.file) continue;
    const size = l.Log_name === end.file ? end.position : Number(l.File_size);
    total += size - (l.Log_name === start.file ? start.position : 0);
  }
  return total;
}
