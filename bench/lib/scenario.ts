import type { MariadbSandbox } from '../../src/sandbox/mariadb-sandbox.js';
import { type FigureSpec, type RunFigures, type Summary, summarize, type Target } from './stats.js';
import type { WriterChoice } from './writer.js';

export interface BenchOptions {
  /** Rows of the sysbench-shaped tables; the wide table gets a quarter, the merge log half. */
  rows: number;
  wideRows: number;
  mergeLogRows: number;
  cdcSeconds: number;
  lagSeconds: number;
  runs: number;
  warmup: number;
  threads: number;
  writer: WriterChoice;
}

export interface BenchContext {
  server: MariadbSandbox;
  options: BenchOptions;
  log(line: string): void;
  /** Scratch folder for warehouses (removed at the end). */
  workDir: string;
  /** Facts learned once and shared between scenarios (e.g. which tables are loaded). */
  shared: Map<string, unknown>;
}

export interface ScenarioResult {
  name: string;
  /** Setup facts: table size, binlog range, writer used… */
  setup: Record<string, unknown>;
  figures: FigureSpec[];
  summaries: Record<string, Summary>;
  targets: Target[];
  /** Failures seen (a failed part leaves its figures n/a; the rest of the scenario still runs). */
  errors: string[];
  notes: string[];
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

/**
 * Runs `once` warm-up times then `runs` counted times; `once` returns the figures of one run
 * (NaN for a part that failed). Ratios are computed inside each run, so both sides of a ratio
 * were measured under the same load.
 */
export async function repeat(
  ctx: BenchContext,
  name: string,
  once: (run: number, counted: boolean) => Promise<RunFigures>,
): Promise<{ runs: RunFigures[] }> {
  const runs: RunFigures[] = [];
  const total = ctx.options.warmup + ctx.options.runs;
  for (let i = 0; i < total; i++) {
    const counted = i >= ctx.options.warmup;
    ctx.log(`${name}: ${counted ? `run ${i - ctx.options.warmup + 1}/${ctx.options.runs}` : 'warm-up'}`);
    const figures = await once(i, counted);
    ctx.log(
      `${name}:   ${Object.entries(figures)
        .map(([k, v]) => `${k}=${Number.isFinite(v) ? Number(v.toPrecision(4)) : 'n/a'}`)
        .join(' ')}`,
    );
    if (counted) runs.push(figures);
  }
  return { runs };
}

export function summarizeRuns(specs: FigureSpec[], runs: RunFigures[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const spec of specs) out[spec.key] = summarize(runs.map((r) => r[spec.key] ?? Number.NaN));
  return out;
}

/** Runs `part`, turning a failure into NaN figures and an error line (the scenario goes on). */
export async function attempt<T>(errors: string[], label: string, part: () => Promise<T>): Promise<T | null> {
  try {
    return await part();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const line = `${label}: ${text.trim().split('\n').slice(0, 12).join('\n  ')}`;
    if (!errors.includes(line)) errors.push(line);
    return null;
  }
}
