import type { Logger } from '../pipeline/logger.js';
import type { TaskStatus } from '../pipeline/task-status.js';

/**
 * Full-sync progress while `binlake sync` runs: redrawn bars on a terminal, a log line every few
 * seconds otherwise (so CI logs and files stay readable).
 */
export class ProgressDisplay {
  private timer: NodeJS.Timeout | null = null;
  private drawnLines = 0;

  constructor(
    private readonly snapshot: () => TaskStatus,
    private readonly logger: Logger,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    const tty = this.stream.isTTY === true;
    this.timer = setInterval(() => (tty ? this.draw() : this.logLine()), tty ? 500 : 5_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.stream.isTTY) this.draw();
  }

  private copying(status: TaskStatus) {
    return status.tables.filter(
      (t) => t.phase === 'full' || (t.phase === 'pending' && status.state === 'Synchronizing'),
    );
  }

  private logLine(): void {
    const status = this.snapshot();
    for (const t of this.copying(status)) {
      this.logger.info(
        { table: t.target, rowsCopied: t.rowsCopied, rowsTotal: t.rowsTotal, rowsPerSecond: t.rowsPerSecond },
        'full sync progress',
      );
    }
    if (status.state === 'Synchronizing' && status.checkpoint) {
      this.logger.info(
        {
          checkpoint: `${status.checkpoint.file}:${status.checkpoint.position}`,
          lagSeconds: status.lagSeconds,
        },
        'incremental',
      );
    }
  }

  private draw(): void {
    const status = this.snapshot();
    const tables = status.tables.filter((t) => t.phase === 'full' || t.rowsTotal !== null);
    const lines = tables.map((t) => {
      const total = Math.max(t.rowsTotal ?? 0, t.rowsCopied, 1);
      const done = t.phase === 'incremental' ? 1 : Math.min(1, t.rowsCopied / total);
      const width = 24;
      const bar = '█'.repeat(Math.round(done * width)).padEnd(width, '░');
      const eta =
        t.phase === 'incremental'
          ? 'done'
          : t.rowsPerSecond > 0
            ? `ETA ${Math.ceil((total - t.rowsCopied) / t.rowsPerSecond)} s`
            : '';
      return `${t.target.padEnd(24).slice(0, 24)} ${bar} ${String(Math.round(done * 100)).padStart(3)}%  ${t.rowsCopied.toLocaleString('en-US')} rows  ${t.rowsPerSecond.toLocaleString('en-US')}/s  ${eta}`;
    });
    lines.push(
      `${status.state}  lag ${status.lagSeconds}s  ${status.checkpoint ? `${status.checkpoint.file}:${status.checkpoint.position}` : ''}`,
    );
    let out = this.drawnLines ? `\x1b[${this.drawnLines}F` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    this.stream.write(out);
    this.drawnLines = lines.length;
  }
}
