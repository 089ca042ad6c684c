/**
 * Figures, summaries and the printed table. A figure is one named number per counted run; the
 * summary is its median, min and max over the runs (the machine is shared, so a single run
 * proves little and the median is what the targets are checked against).
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(values: number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: values };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values };
}

/** How one figure is shown: its unit and whether bigger is better (for the reader, not the code). */
export interface FigureSpec {
  key: string;
  label: string;
  unit: string;
  digits?: number;
}

export type RunFigures = Record<string, number>;

/** A target checked against the median of a figure (or of a ratio computed per run). */
/**
 * The issues' memory target, "peak RSS under 400 MB", in the MiB that RSS figures are shown in
 * (getrusage reports KiB): 400 MB = 381.5 MiB.
 */
export const RSS_LIMIT_MIB = 400e6 / 2 ** 20;

/** The RSS target on one figure. */
export function rssTarget(label: string, key: string): Target {
  return { label: `${label} peak RSS < 400 MB (381.5 MiB)`, key, op: '<', threshold: RSS_LIMIT_MIB };
}

export interface Target {
  label: string;
  /** Figure key (a ratio figure is computed per run, so its min/max are real runs too). */
  key: string;
  op: '<=' | '>=' | '<';
  threshold: number;
}

export interface TargetResult extends Target {
  value: number;
  met: boolean | null;
}

export function checkTarget(target: Target, figures: Record<string, Summary>): TargetResult {
  const value = figures[target.key]?.median ?? Number.NaN;
  if (!Number.isFinite(value)) return { ...target, value, met: null };
  const met =
    target.op === '<='
      ? value <= target.threshold
      : target.op === '>='
        ? value >= target.threshold
        : value < target.threshold;
  return { ...target, value, met };
}

export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(Math.min(digits, 1));
  return value.toFixed(digits);
}

/** A plain-text table with right-aligned number columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
