import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { queryWarehouse, writeTaskConfig } from '../lib/binlake.js';
import { DB, prepareSysbenchTable } from '../lib/data.js';
import { runBinlake, tailOf } from '../lib/proc.js';
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
  { key: 'merge_s', label: 'binlake merge wall time', unit: 's' },
  { key: 'merge_rows_s', label: 'base + log rows merged per second', unit: 'rows/s' },
  { key: 'merge_rss_mb', label: 'binlake merge peak RSS', unit: 'MiB' },
];

const TARGETS: Target[] = [rssTarget('binlake merge', 'merge_rss_mb')];

/**
 * A base of `rows` rows (full sync) plus about `logRows` `_log` rows (a caught-up batch of bulk
 * changes: 80% of the log from UPDATEs (2 rows each), 10% from DELETEs, 10% from INSERTs of new ids),
 * then `binlake merge` at a second after the last change, once per run into a new table.
 */
export const merge: Scenario = {
  name: 'merge',
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const table = 'sbmerge';
    const rows = ctx.options.rows;
    const logTarget = ctx.options.mergeLogRows;
    const errors: string[] = [];
    ctx.log(`merge: loading ${rows.toLocaleString('en-US')} rows into ${DB}.${table}`);
    await prepareSysbenchTable(ctx.server, table, rows);
    const task = writeTaskConfig(ctx.server, [table], {}, ctx.workDir);
    const sync = async (what: string) => {
      const proc = await runBinlake(
        ['sync', '--config', task.configPath, '--until-caught-up', '--log-format', 'json'],
        {
          stdout: 'discard',
        },
      );
      if (proc.code !== 0)
        throw new Error(`${what}: exit ${proc.code ?? proc.signal}: ${tailOf(proc.stderr)}`);
      return proc;
    };
    let baseRows = Number.NaN;
    let logRows = Number.NaN;
    let expected = Number.NaN;
    const built = await attempt(errors, 'merge setup (binlake sync --until-caught-up)', async () => {
      await sync('full sync');
      // 0.4 L updated rows (2 log rows each) + 0.1 L deletes + 0.1 L inserts = L log rows.
      const deletes = Math.min(Math.floor(logTarget * 0.1), Math.floor(rows / 10));
      const updateRows = Math.min(Math.floor(logTarget * 0.4), rows - deletes);
      const inserts = Math.floor(logTarget * 0.1);
      const conn = await ctx.server.connect(DB);
      const step = 20_000;
      try {
        for (let a = 1; a <= updateRows; a += step) {
          await conn.query(`UPDATE \`${table}\` SET k = k + 1 WHERE id BETWEEN ? AND ?`, [
            a,
            Math.min(updateRows, a + step - 1),
          ]);
        }
        for (let a = rows - deletes + 1; a <= rows; a += step) {
          await conn.query(`DELETE FROM \`${table}\` WHERE id BETWEEN ? AND ?`, [
            a,
            Math.min(rows, a + step - 1),
          ]);
        }
        for (let a = rows + 1; a <= rows + inserts; a += step) {
          const b = Math.min(rows + inserts, a + step - 1);
          await conn.query(
            `INSERT INTO \`${table}\` (id, k, c, pad) SELECT id + ?, k, c, pad FROM \`${table}\` WHERE id BETWEEN ? AND ?`,
            [rows, a - rows, b - rows],
          );
        }
      } finally {
        await conn.end();
      }
      expected = rows - deletes + inserts;
      await sync('catch-up of the changes');
      const [counts] = await queryWarehouse(
        task.warehouse,
        `SELECT (SELECT count(*) FROM "${table}_base") AS base, (SELECT count(*) FROM "${table}_log") AS log`,
      );
      baseRows = Number(counts.base);
      logRows = Number(counts.log);
      ctx.log(`merge: ${baseRows} base rows, ${logRows} log rows`);
      return true;
    });

    const { runs } = await repeat(ctx, 'merge', async (run) => {
      if (!built) return {};
      const f: RunFigures = {};
      // A second after every change (log rows with utc_timestamp < at are applied).
      await sleep(1100);
      const at = Math.floor(Date.now() / 1000);
      const into = `${table}_m${run}`;
      const out = await attempt(errors, 'binlake merge', async () => {
        const proc = await runBinlake([
          'merge',
          '--config',
          task.configPath,
          '--table',
          table,
          '--at',
          String(at),
          '--into',
          into,
        ]);
        if (proc.code !== 0) throw new Error(`exit ${proc.code ?? proc.signal}: ${tailOf(proc.stderr)}`);
        const m = /: (\d+) rows/.exec(proc.stdout);
        if (m && Number(m[1]) !== expected)
          throw new Error(`merged ${m[1]} rows, the source has ${expected}`);
        return proc;
      });
      f.merge_s = out?.wallSeconds ?? Number.NaN;
      f.merge_rows_s = (baseRows + logRows) / f.merge_s;
      f.merge_rss_mb = out?.peakRssMb ?? Number.NaN;
      return f;
    });
    rmSync(task.dir, { recursive: true, force: true });
    await ctx.server.query(`DROP TABLE IF EXISTS \`${DB}\`.\`${table}\``);

    return {
      name: 'merge',
      setup: { table: `${DB}.${table}`, baseRows, logRows, mergedRows: expected },
      figures: FIGURES,
      summaries: summarizeRuns(FIGURES, runs),
      targets: TARGETS,
      errors,
      notes: [
        'wall time of `binlake merge --at <now>` as a process, with no sync running (it opens the file itself).',
      ],
    };
  },
};
