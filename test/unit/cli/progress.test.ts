import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ProgressDisplay } from '../../../src/cli/progress.js';
import { formatStatus } from '../../../src/cli/status-format.js';
import { createLogger } from '../../../src/pipeline/logger.js';
import { emptyStatus, type TaskStatus } from '../../../src/pipeline/task-status.js';

function status(): TaskStatus {
  const s = emptyStatus('Synchronizing');
  s.checkpoint = { file: 'binlog.000002', position: 1234, gtid: '0-1-9' };
  s.tables = [
    {
      source: 'shop.orders',
      target: 'orders',
      phase: 'full',
      rowsCopied: 25_000,
      rowsTotal: 100_000,
      rowsPerSecond: 5_000,
      consistentFrom: null,
      key: ['customer_id', 'order_no'],
      changes: { I: 1, U: 2, D: 3 },
    },
  ];
  return s;
}

function capture(isTTY: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  (stream as { isTTY?: boolean }).isTTY = isTTY;
  return { stream, text: () => text };
}

describe('progress display', () => {
  it('draws per-table bars with rows, rate and ETA on a terminal', () => {
    vi.useFakeTimers();
    const out = capture(true);
    const display = new ProgressDisplay(
      status,
      createLogger({ destination: capture(false).stream }),
      out.stream,
    );
    display.start();
    vi.advanceTimersByTime(600);
    display.stop();
    vi.useRealTimers();
    expect(out.text()).toContain('orders');
    expect(out.text()).toMatch(/█+░+\s+25%\s+25,000 rows\s+5,000\/s\s+ETA 15 s/);
  });

  it('logs progress lines instead when stdout is not a terminal', () => {
    vi.useFakeTimers();
    const log = capture(false);
    const display = new ProgressDisplay(
      status,
      createLogger({ format: 'json', destination: log.stream }),
      capture(false).stream,
    );
    display.start();
    vi.advanceTimersByTime(5_100);
    display.stop();
    vi.useRealTimers();
    const lines = log
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'full sync progress', table: 'orders', rowsCopied: 25_000 }),
    );
  });

  it('formats the human status with the key and the checkpoint', () => {
    const text = formatStatus(status());
    expect(text).toContain('checkpoint  binlog.000002:1234  gtid 0-1-9');
    expect(text).toContain('customer_id,order_no');
    expect(text).toContain('25,000 / 100,000 @ 5,000/s');
  });
});
