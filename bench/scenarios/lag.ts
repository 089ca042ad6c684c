import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  apiGet,
  metricSum,
  positionAtLeast,
  runningApi,
  type StatusView,
  writeTaskConfig,
} from '../lib/binlake.js';
import { DB } from '../lib/data.js';
import { startBinlake, tailOf } from '../lib/proc.js';
import {
  attempt,
  type BenchContext,
  repeat,
  type Scenario,
  type ScenarioResult,
  summarizeRuns,
} from '../lib/scenario.js';
import { type FigureSpec, type RunFigures, rssTarget, summarize, type Target } from '../lib/stats.js';
import { runWriteWorkload } from '../lib/writer.js';
import { ensureSysbenchTable } from './full-load.js';

const FIGURES: FigureSpec[] = [
  { key: 'lag_p50', label: 'lag p50 (source commit → DuckDB commit)', unit: 's' },
  { key: 'lag_p99', label: 'lag p99', unit: 's' },
  { key: 'lag_max', label: 'lag max', unit: 's' },
  { key: 'status_lag_max', label: 'binlake status lagSeconds max', unit: 's' },
  { key: 'source_rate', label: 'source row changes/s (writer)', unit: 'changes/s' },
  { key: 'applied_rate', label: 'applied row changes/s (same window)', unit: 'changes/s' },
  { key: 'applied_over_source', label: 'applied / source', unit: '×' },
  { key: 'drain_s', label: 'catch-up after the writer stopped', unit: 's' },
  { key: 'kept_up', label: 'kept up (1 = yes)', unit: '' },
  { key: 'api_max_s', label: 'slowest GET /status answer', unit: 's' },
  { key: 'sync_rss_mb', label: 'binlake sync peak RSS', unit: 'MiB' },
];

const TARGETS: Target[] = [
  { label: 'lag p99 ≤ 1 s', key: 'lag_p99', op: '<=', threshold: 1 },
  { label: 'kept up with the writer', key: 'kept_up', op: '>=', threshold: 1 },
  rssTarget('binlake sync', 'sync_rss_mb'),
];

const PROBE_MS = 200;
const POLL_MS = 50;

interface Probe {
  at: number;
  position: { file: string; position: number };
  lag: number | null;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Lag is measured from the outside, at 200 ms resolution: every 200 ms the source's binlog end
 * is noted with the wall time; the lag of that probe is how long until the running sync's
 * committed checkpoint (its local API, polled every 50 ms) reaches that position — i.e. until
 * every transaction committed at the source by then is committed in DuckDB.
 */
export const lag: Scenario = {
  name: 'lag',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const table = 'sbtest1';
    const rows = ctx.options.rows;
    await ensureSysbenchTable(ctx, table, rows);
    const errors: string[] = [];
    let writerTool = '';

    const { runs } = await repeat(ctx, 'lag', async () => {
      const f: RunFigures = {};
      const task = writeTaskConfig(
        ctx.server,
        [table],
        { initial: { schema: true, full: false } },
        ctx.workDir,
      );
      const sync = startBinlake(['sync', '--config', task.configPath, '--log-format', 'json'], {
        stdout: 'discard',
        stderrTail: 200_000,
      });
      let exited = false;
      void sync.done.then(() => {
        exited = true;
      });
      const result = await attempt(errors, 'binlake sync (running)', async () => {
        // Wait for the sync to be capturing.
        const deadline = Date.now() + 60_000;
        let api: { host: string; port: number } | null = null;
        for (;;) {
          if (exited) throw new Error(`sync exited early: ${tailOf((await sync.done).stderr)}`);
          if (Date.now() > deadline) throw new Error('sync did not reach Synchronizing within 60 s');
          api ??= runningApi(task.warehouse);
          if (api) {
            const status = JSON.parse(await apiGet(api, '/status').catch(() => '{}')) as StatusView;
            if (status.state === 'Synchronizing' && status.checkpoint) break;
          }
          await sleep(100);
        }
        const probes: Probe[] = [];
        const statusLags: number[] = [];
        let checkpoint: { file: string; position: number } | null = null;
        let polling = true;
        let pollError: Error | null = null;
        let apiMax = 0;
        const poller = (async () => {
          while (polling && !exited) {
            try {
              const asked = Date.now();
              const status = JSON.parse(await apiGet(api, '/status')) as StatusView;
              const now = Date.now();
              apiMax = Math.max(apiMax, (now - asked) / 1000);
              statusLags.push(status.lagSeconds);
              if (status.state === 'Failed')
                pollError = new Error(`sync failed: ${status.lastError?.message}`);
              if (status.checkpoint) {
                const cp = status.checkpoint;
                checkpoint = cp;
                for (const p of probes)
                  if (p.lag === null && positionAtLeast(cp, p.position)) p.lag = (now - p.at) / 1000;
              }
            } catch (error) {
              pollError = error as Error;
            }
            if (pollError) return;
            await sleep(POLL_MS);
          }
        })();
        const probeConn = await ctx.server.connect();
        let probing = true;
        const prober = (async () => {
          while (probing) {
            const at = Date.now();
            const [r] = await probeConn.query('SHOW MASTER STATUS');
            const row = (r as { File: string; Position: number }[])[0];
            probes.push({ at, position: { file: row.File, position: Number(row.Position) }, lag: null });
            await sleep(PROBE_MS);
          }
        })();

        const metricsBefore = metricSum(await apiGet(api, '/metrics'), 'binlake_change_rows_total');
        const write = await runWriteWorkload(
          ctx.server,
          {
            writer: ctx.options.writer,
            table,
            tableSize: rows,
            threads: ctx.options.threads,
            seconds: ctx.options.lagSeconds,
          },
          ctx.log,
        );
        writerTool = write.tool;
        const writerEnd = Date.now();
        const metricsAtEnd = metricSum(await apiGet(api, '/metrics'), 'binlake_change_rows_total');
        probing = false;
        await prober;
        const [r] = await probeConn.query('SHOW MASTER STATUS');
        const endRow = (r as { File: string; Position: number }[])[0];
        const endPos = { file: endRow.File, position: Number(endRow.Position) };
        await probeConn.end();
        // Drain: until the checkpoint reaches the end of what the writer wrote.
        const drainDeadline = Date.now() + 600_000;
        while (!(checkpoint && positionAtLeast(checkpoint, endPos))) {
          if (pollError) throw pollError;
          if (exited) throw new Error(`sync exited: ${tailOf((await sync.done).stderr)}`);
          if (Date.now() > drainDeadline)
            throw new Error('sync did not catch up within 600 s of the writer stopping');
          await sleep(POLL_MS);
        }
        const drain = (Date.now() - writerEnd) / 1000;
        polling = false;
        await poller;
        const lags = probes
          .map((p) => p.lag ?? Number.NaN)
          .filter(Number.isFinite)
          .sort((a, b) => a - b);
        return { write, metricsBefore, metricsAtEnd, drain, lags, statusLags, apiMax };
      });
      sync.child.kill('SIGTERM');
      const proc = await sync.done;
      if (result && proc.code !== 0)
        errors.push(`binlake sync exit ${proc.code ?? proc.signal} after SIGTERM: ${tailOf(proc.stderr)}`);
      rmSync(task.dir, { recursive: true, force: true });
      if (!result) return { sync_rss_mb: proc.peakRssMb };
      f.lag_p50 = percentile(result.lags, 50);
      f.lag_p99 = percentile(result.lags, 99);
      f.lag_max = result.lags.at(-1) ?? Number.NaN;
      f.status_lag_max = summarize(result.statusLags).max;
      f.source_rate = result.write.rowChanges / result.write.seconds;
      f.applied_rate = (result.metricsAtEnd - result.metricsBefore) / result.write.seconds;
      f.applied_over_source = f.applied_rate / f.source_rate;
      f.drain_s = result.drain;
      f.kept_up = result.drain <= 1 + PROBE_MS / 1000 ? 1 : 0;
      f.api_max_s = result.apiMax;
      f.sync_rss_mb = proc.peakRssMb;
      return f;
    });

    return {
      name: 'lag',
      setup: {
        table: `${DB}.${table}`,
        tableRows: rows,
        writer: writerTool,
        threads: ctx.options.threads,
        seconds: ctx.options.lagSeconds,
        probeMs: PROBE_MS,
        pollMs: POLL_MS,
      },
      figures: FIGURES,
      summaries: summarizeRuns(FIGURES, runs),
      targets: TARGETS,
      errors,
      notes: [
        `lag: every ${PROBE_MS} ms the source binlog end is noted; its lag is the time until the sync's committed`,
        `checkpoint (API, polled every ${POLL_MS} ms) reaches it. kept up = caught up within ~1 s of the writer stopping.`,
      ],
    };
  },
};
