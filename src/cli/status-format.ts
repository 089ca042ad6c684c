import type { TaskStatus } from '../pipeline/task-status.js';

function fmtNumber(n: number | null): string {
  return n === null ? '?' : n.toLocaleString('en-US');
}

function fmtTime(epochSeconds: number | null): string {
  return epochSeconds
    ? `${new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z')} (${epochSeconds})`
    : '—';
}

/** The human form of `binlake status`. */
export function formatStatus(status: TaskStatus): string {
  const lines: string[] = [];
  lines.push(`state       ${status.state}${status.pid ? `  (pid ${status.pid})` : ''}`);
  if (status.checkpoint) {
    lines.push(
      `checkpoint  ${status.checkpoint.file}:${status.checkpoint.position}${status.checkpoint.gtid ? `  gtid ${status.checkpoint.gtid}` : ''}`,
    );
  }
  lines.push(
    `lag         ${status.lagSeconds === null ? 'unknown (no sync is running)' : `${status.lagSeconds} s`}   changes ${fmtNumber(status.incremental.rowsPerSecond)}/s, ${fmtNumber(
      Math.round(status.incremental.bytesPerSecond / 1024),
    )} KiB/s   last event ${fmtTime(status.incremental.lastEventTimestamp || null)}`,
  );
  if (status.completeAsOf)
    lines.push(`complete    every source change before ${fmtTime(status.completeAsOf)}`);
  if (status.lastError) {
    lines.push(
      `last error  ${status.lastError.at}  ${status.lastError.code ? `[${status.lastError.code}] ` : ''}${status.lastError.message}`,
    );
    if (status.lastError.remedy) lines.push(`            → ${status.lastError.remedy}`);
  }
  if (status.tables.length) {
    lines.push('');
    const rows = status.tables.map((t) => [
      t.source,
      t.target,
      t.phase,
      t.phase === 'full' || t.phase === 'pending'
        ? `${fmtNumber(t.rowsCopied)} / ${fmtNumber(t.rowsTotal)}${t.rowsPerSecond ? ` @ ${fmtNumber(t.rowsPerSecond)}/s` : ''}`
        : fmtNumber(t.rowsCopied),
      `I ${t.changes.I} U ${t.changes.U} D ${t.changes.D}`,
      t.key.length ? t.key.join(',') : '(no key: merge impossible)',
      fmtTime(t.consistentFrom),
    ]);
    const header = ['source', 'target', 'phase', 'rows copied', 'changes', 'key', 'consistent from'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    lines.push(line(header), ...rows.map(line));
  }
  return `${lines.join('\n')}\n`;
}
