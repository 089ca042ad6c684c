import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`node --import`) into every process the benchmark starts, binlake's CLI included:
 * on exit it writes the process's peak resident set size in KiB (getrusage ru_maxrss, which
 * counts DuckDB's native memory too) to the file named by BINLAKE_BENCH_RSS_FILE. Exact, and
 * needs neither /usr/bin/time nor polling.
 */
const file = process.env.BINLAKE_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // the parent reports the figure as missing
    }
  });
}
