import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MariadbSandbox } from '../src/sandbox/mariadb-sandbox.js';
import { startBenchServer } from './lib/data.js';
import type { BenchContext, BenchOptions, Scenario, ScenarioResult } from './lib/scenario.js';
import { checkTarget, formatNumber, textTable } from './lib/stats.js';
import { ensureSysbench, type WriterChoice } from './lib/writer.js';
import { cdcCatchup } from './scenarios/cdc-catchup.js';
import { fullLoad, wideTypes } from './scenarios/full-load.js';
import { lag } from './scenarios/lag.js';
import { merge } from './scenarios/merge.js';

const SCENARIOS: Scenario[] = [fullLoad, wideTypes, cdcCatchup, lag, merge];

const USAGE = `usage: npm run bench -- [scenario...] [options]

scenarios: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)

  --rows N       rows of the sysbench-shaped tables (default 2000000); the wide table gets
                 N/4 (default 500000) and the merge log N/2 (default 1000000)
  --wide-rows N  rows of the wide-types table
  --seconds S    write-workload seconds of cdc-catchup (default 30) and lag (default 60)
  --runs K       counted runs per scenario (default 3)
  --warmup W     warm-up runs before them (default 1)
  --threads T    writer threads (default 4)
  --writer W     auto (sysbench when installed or installable, else built-in), sysbench, builtin
  --json FILE    also write every figure of every run as JSON
  --help`;

function parseOptions(argv: string[]): { scenarios: Scenario[]; options: BenchOptions; json: string | null } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rows: { type: 'string' },
      'wide-rows': { type: 'string' },
      seconds: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      writer: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) {
      console.error(`--${name} must be an integer ≥ ${min}, not ${value}\n\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  const rows = int('rows', values.rows, 2_000_000, 100);
  const seconds = values.seconds === undefined ? null : int('seconds', values.seconds, 30);
  const writer = (values.writer ?? 'auto') as WriterChoice;
  if (!['auto', 'sysbench', 'builtin'].includes(writer)) {
    console.error(`--writer must be auto, sysbench or builtin\n\n${USAGE}`);
    process.exit(2);
  }
  const scenarios: Scenario[] = [];
  for (const name of positionals) {
    const s = SCENARIOS.find((x) => x.name === name);
    if (!s) {
      console.error(`unknown scenario ${name}\n\n${USAGE}`);
      process.exit(2);
    }
    scenarios.push(s);
  }
  return {
    scenarios: scenarios.length ? scenarios : SCENARIOS,
    json: values.json ?? null,
    options: {
      rows,
      wideRows: int('wide-rows', values['wide-rows'], Math.max(100, Math.floor(rows / 4))),
      mergeLogRows: Math.floor(rows / 2),
      cdcSeconds: seconds ?? 30,
      lagSeconds: seconds ?? 60,
      runs: int('runs', values.runs, 3),
      warmup: int('warmup', values.warmup, 1, 0),
      threads: int('threads', values.threads, 4),
      writer,
    },
  };
}

function printScenario(result: ScenarioResult): void {
  const setup = Object.entries(result.setup)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
    .join('  ');
  console.log(`\n== ${result.name} ==  ${setup}`);
  const rows = result.figures.map((spec) => {
    const s = result.summaries[spec.key];
    return [spec.label, spec.unit, formatNumber(s.median), formatNumber(s.min), formatNumber(s.max)];
  });
  console.log(textTable(['figure', 'unit', 'median', 'min', 'max'], rows));
  const targets = result.targets.map((t) => checkTarget(t, result.summaries));
  console.log('');
  console.log(
    textTable(
      ['target', 'median', 'needed', 'result'],
      targets.map((t) => [
        t.label,
        formatNumber(t.value),
        `${t.op} ${formatNumber(t.threshold, 1)}`,
        t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met',
      ]),
    ),
  );
  for (const note of result.notes) console.log(`  note: ${note}`);
  for (const error of result.errors) console.log(`  ERROR ${error}`);
}

async function main(): Promise<void> {
  const { scenarios, options, json } = parseOptions(process.argv.slice(2));
  const log = (line: string) =>
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const machine = {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAtStart: os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  };
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
  log(`${command} on ${machine.cores} cores (${machine.cpu})`);
  if (options.writer !== 'builtin' && scenarios.some((s) => s.name === 'cdc-catchup' || s.name === 'lag')) {
    const bin = ensureSysbench(log);
    log(bin ? `writer: sysbench (${bin})` : 'writer: built-in (sysbench not available)');
  }
  const workDir = mkdtempSync(path.join(tmpdir(), 'binlake-bench-'));
  let server: MariadbSandbox | null = null;
  const results: ScenarioResult[] = [];
  try {
    server = await startBenchServer();
    const version = await server.query<{ v: string }[]>('SELECT VERSION() AS v');
    log(`private MariaDB ${version[0]?.v} on 127.0.0.1:${server.port}`);
    const ctx: BenchContext = { server, options, log, workDir, shared: new Map() };
    for (const scenario of scenarios) {
      const started = Date.now();
      try {
        const result = await scenario.run(ctx);
        results.push(result);
        printScenario(result);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`${scenario.name} could not run: ${message}`);
        results.push({
          name: scenario.name,
          setup: {},
          figures: [],
          summaries: {},
          targets: [],
          errors: [message],
          notes: [],
        });
      }
      log(`${scenario.name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(
    `\nmachine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGB} GB, Node ${machine.node}; ` +
      `load average at start ${machine.loadAtStart}, at end ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.log(`command: ${command}`);
  if (json) {
    const out = {
      date: new Date().toISOString(),
      command,
      machine,
      options,
      scenarios: results.map((r) => ({
        ...r,
        targets: r.targets.map((t) => checkTarget(t, r.summaries)),
      })),
    };
    writeFileSync(
      json,
      `${JSON.stringify(out, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
    );
    console.log(`json: ${json}`);
  }
  const failed = results.some((r) => r.errors.length > 0);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
