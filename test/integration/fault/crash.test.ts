import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import {
  binlogRowCounts,
  checkLog,
  nextSecondBoundary,
  SOAK,
  SyncProcess,
  seededRandom,
  sleep,
  statusJson,
} from '../../harness/crash.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';
import { WriteLoad } from '../../harness/writer.js';

/**
 * Crash anywhere: `binlake sync` is SIGKILLed at seeded random moments — during startup and
 * schema sync, mid-chunk of a throttled full sync, mid-incremental batch under a steady write load,
 * right after a 20k-row (soak: 100k) transaction and right after an ADD COLUMN — and restarted
 * each time. Along the way the test records (second, source state) pairs with the writer paused.
 * At the end: verify is equal, the merge at every recorded second (from consistentFrom on)
 * equals the recorded state, `_log` has no duplicate and no gap, and its per-operation counts
 * equal the row changes of the source binlog over the same range.
 */
// The numbers: 20 kills in the suite, 200 in the soak (`npm run soak`).
const KILLS = Number(process.env.BINLAKE_CRASH_KILLS ?? (SOAK ? 200 : 20));
const SEED = Number(process.env.BINLAKE_CRASH_SEED ?? 20261123);
const BIG_TXN = SOAK ? 100_000 : 20_000;
const SEED_ROWS = 8_000;

describe('crash anywhere: SIGKILL at random moments, restart, nothing lost or repeated', () => {
  it(
    `survives ${KILLS} SIGKILLs (seed ${SEED})`,
    async () => {
      const started = Date.now();
      const random = seededRandom(SEED);
      const server = sharedServer();
      const db = await server.freshDatabase('crash');
      // n is DOUBLE, not BIGINT: WriteLoad doubles n on hot key ranges, and over a soak's hundreds
      // of thousands of statements a BIGINT overflows (ER_DATA_OUT_OF_RANGE in the writer).
      await server.query(
        `CREATE TABLE \`${db}\`.orders (a INT NOT NULL, b INT NOT NULL, v VARCHAR(40), n DOUBLE, PRIMARY KEY (a, b))`,
      );
      for (let from = 0; from < SEED_ROWS; from += 4000) {
        const values: string[] = [];
        for (let a = from; a < from + 4000; a++) values.push(`(${a}, ${a % 3}, 'seed', ${a})`);
        await server.query(`INSERT INTO \`${db}\`.orders VALUES ${values.join(',')}`);
      }
      const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['orders'] }], {
        // A throttled, finely chunked full sync takes a few seconds, so kills land mid-chunk.
        snapshot: { chunkSize: 250, parallelism: 1, maxRowsPerSecond: 4000 },
        batch: { maxRows: 2000, maxMillis: 150 },
      });

      // Where the test's changes start: nothing is written to this table until the first
      // checkpoint exists, so the binlog from here holds exactly the changes `_log` must hold.
      const binlogStart = await server.masterStatus();
      const recorded: { at: number; rows: string[][]; note: string }[] = [];
      let load: WriteLoad | null = null;
      let loadSeed = 1;
      let altered = false;
      let bigDone = false;
      let checkpointSeen = false;

      const record = async (note: string) => {
        const stopped = load !== null;
        if (load) await load.stop();
        load = null;
        const rows = await sourceRows(server, db, 'orders');
        const at = Math.floor(Date.now() / 1000) + 1;
        await nextSecondBoundary(20);
        recorded.push({ at, rows, note });
        if (stopped) load = new WriteLoad(server, db, 'orders', { seed: loadSeed++, keySpace: 30_000 });
      };

      let incrementalRuns = 0;
      let fullSyncSeconds = 0;
      const phases: string[] = [];
      for (let i = 0; i < KILLS; i++) {
        const proc = SyncProcess.start(configPath);
        let delay: number;
        if (i < 3) {
          // Startup, precheck, schema sync and the checkpoint write (the task reaches capture ~2.5 s in).
          delay = 300 + random() * 2700;
          await sleep(delay);
        } else {
          // Mid-chunk of the full sync or mid-batch of capture: a random moment after the task runs.
          const reached = await proc.waitForOutput('task state Synchronizing', 30_000);
          expect(reached, `run ${i} never reached Synchronizing:\n${proc.output.slice(-3000)}`).toBe(true);
          delay = 200 + random() * 2300;
          if (i >= 6 && incrementalRuns === 0) {
            // Enough kills mid-chunk: let this run finish the full sync, then kill it mid-capture.
            const t0 = Date.now();
            const finished = await proc.waitForOutput('full sync of table finished', 120_000);
            expect(finished, `run ${i}: full sync did not finish:\n${proc.output.slice(-3000)}`).toBe(true);
            fullSyncSeconds = (Date.now() - t0) / 1000;
          }
          if (bigDone && !altered && incrementalRuns > 1) {
            // An ADD COLUMN while binlake runs, killed while (or right after) it is applied.
            await sleep(200 + random() * 300);
            await server.query(`ALTER TABLE \`${db}\`.orders ADD COLUMN x INT DEFAULT 7`);
            altered = true;
            await sleep(delay / 3);
          } else if (!bigDone && incrementalRuns > 0) {
            // One large transaction; the kill lands while it is decoded or committed.
            await sleep(200);
            await server.query(
              `INSERT INTO \`${db}\`.orders (a, b, v, n) SELECT 1000000 + seq, seq % 3, 'big', seq FROM \`${db}\`.seq_1_to_${BIG_TXN}`,
            );
            bigDone = true;
            await sleep(delay);
          } else if (i % 2 === 0 && load && recorded.length < (SOAK ? 12 : 5)) {
            await sleep(delay / 2);
            await record(`run ${i}`);
            await sleep(delay / 2);
          } else {
            await sleep(delay);
          }
        }
        const result = await proc.kill();
        if (process.env.BINLAKE_CRASH_DEBUG)
          writeFileSync(`${process.env.BINLAKE_CRASH_DEBUG}.${i}.log`, proc.output);
        // A run that ended by itself (not killed) must not have failed.
        expect(result.signal ?? 'exited', `run ${i} ended by itself:\n${proc.output.slice(-3000)}`).toBe(
          'SIGKILL',
        );
        // After every crash the warehouse opens and its state is readable.
        const sink = await openWarehouse(configPath);
        const state = await sink.readState();
        await sink.close();
        const phase = state.tables[0]?.phase ?? 'none';
        phases.push(`${i}:${phase}:${state.tables[0]?.rowsCopied ?? 0}@${Math.round(delay)}ms`);
        if (phase === 'incremental') incrementalRuns++;
        if (!checkpointSeen && state.checkpoint) {
          checkpointSeen = true;
          load = new WriteLoad(server, db, 'orders', { seed: loadSeed++, keySpace: 30_000 });
        }
      }
      expect(checkpointSeen, 'no run got as far as storing a checkpoint').toBe(true);
      expect(altered, `the ADD COLUMN step never ran: ${phases.join(' ')}`).toBe(true);
      expect(bigDone, `the large transaction step never ran: ${phases.join(' ')}`).toBe(true);

      // The end: writer stopped, one more recorded state, catch up, verify.
      if (load) await (load as WriteLoad).stop();
      load = null;
      await record('final');
      const last = await runCli(
        ['sync', '--config', configPath, '--until-caught-up', '--log-format', 'json'],
        {
          timeoutMs: 180_000,
        },
      );
      expect(last.code, `final catch-up failed:\n${last.stderr.slice(-3000)}`).toBe(0);

      const verify = await runCli(['verify', '--config', configPath], { timeoutMs: 120_000 });
      expect(verify.code, `verify after ${KILLS} kills:\n${verify.stdout}\n${verify.stderr}`).toBe(0);

      const { status } = await statusJson(configPath);
      const consistentFrom: number = status.tables?.[0]?.consistentFrom ?? 0;
      expect(consistentFrom).toBeGreaterThan(0);
      const usable = recorded.filter((r) => r.at >= consistentFrom);
      expect(
        usable.length,
        `recorded ${recorded.map((r) => r.at)}; consistentFrom ${consistentFrom}; runs ${phases.join(' ')}`,
      ).toBeGreaterThanOrEqual(2);
      for (const r of usable) {
        const merged = await mergedRows(configPath, 'orders', r.at);
        const width = r.rows[0]?.length ?? 4;
        // States recorded before the ADD COLUMN have 4 columns; the merge has x = 7 (the default) there.
        const extra = merged.filter((row) => row.length > width && row.slice(width).some((v) => v !== '7'));
        expect(extra.slice(0, 3), `rows with a non-default x in the merge at ${r.at} (${r.note})`).toEqual(
          [],
        );
        const projected = merged.map((row) => row.slice(0, width)).sort(compareRows);
        const expected = [...r.rows].sort(compareRows);
        if (projected.length !== expected.length || JSON.stringify(projected) !== JSON.stringify(expected)) {
          expect.fail(
            `merge at ${r.at} (${r.note}) differs from the source state then: ${diff(expected, projected)}`,
          );
        }
      }

      const log = await checkLog(configPath, 'orders');
      expect(log.problems, 'the _log has duplicate, broken or missing records').toEqual([]);
      // No gap: the log holds every row change of the binlog over the same range.
      const binlog = await binlogRowCounts(server, binlogStart, db, 'orders');
      expect(log.counts, 'log rows per operation vs row changes in the source binlog').toEqual({
        I: binlog.I,
        U: binlog.U,
        D: binlog.D,
      });
      expect(log.counts.I).toBeGreaterThan(BIG_TXN);
      console.info(
        `crash test: ${KILLS} kills in ${Math.round((Date.now() - started) / 1000)} s, ${recorded.length} states recorded ` +
          `(${usable.length} after consistentFrom), log ${JSON.stringify(log.counts)}; last full-sync run took ${fullSyncSeconds} s; runs ${phases.join(' ')}`,
      );
    },
    SOAK ? 3_600_000 : 240_000,
  );
});

function compareRows(a: string[], b: string[]): number {
  const x = a.join('\u0001');
  const y = b.join('\u0001');
  return x < y ? -1 : x > y ? 1 : 0;
}

function diff(expected: string[][], actual: string[][]): string {
  const e = new Set(expected.map((r) => JSON.stringify(r)));
  const a = new Set(actual.map((r) => JSON.stringify(r)));
  const missing = [...e].filter((r) => !a.has(r)).slice(0, 5);
  const unexpected = [...a].filter((r) => !e.has(r)).slice(0, 5);
  return `${expected.length} source rows vs ${actual.length} merged; missing from merge: ${missing.join(' ')}; unexpected in merge: ${unexpected.join(' ')}`;
}
