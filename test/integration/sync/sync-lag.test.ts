import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { isBinlakeError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/pipeline/logger.js';
import { SyncTask } from '../../../src/pipeline/sync-task.js';
import { realDependencies } from '../../../src/pipeline/wiring.js';
import { sharedServer } from '../../harness/server.js';
import { writeTaskConfig } from '../../harness/sync-fixtures.js';
import { TcpProxy } from '../../harness/tcp-proxy.js';

async function until(probe: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not reached in ${ms} ms: ${what}`);
    await sleep(50);
  }
}

/**
 * Lag reads 0 only while the source is known to have nothing newer: a quiet moment on a live
 * connection. A connection that is down or silent confirms nothing, so lag counts from the last
 * change applied, whether the source was busy or quiet before the outage.
 */
describe('lag through a source outage', () => {
  it('is 0 on a quiet live source, grows while the connection is severed or stalled, and returns to 0', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('lag_outage');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)`);
    const proxy = await TcpProxy.start({ host: server.source.host, port: server.source.port });
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      initial: { schema: true, full: false },
      batch: { maxRows: 20_000, maxMillis: 200 },
      retry: { maxMinutes: 2, heartbeatSeconds: 1 },
    });
    const config = loadConfig(configPath);
    (config.source as { port: number }).port = proxy.port;
    const task = new SyncTask(config, realDependencies(config), {
      untilCaughtUp: false,
      resnapshot: false,
      logger: createLogger({ destination: new PassThrough() }),
    });
    const running = task.run();
    const conn = await server.connect(db);
    let written = 0;
    let writing = false;
    const applied = () => task.snapshot().tables[0]?.changes.I ?? 0;
    // A running task always measures its lag (null is for status without a running sync).
    const lag = () => task.snapshot().lagSeconds ?? Number.NaN;
    const writer = async () => {
      while (writing) {
        await conn.query('INSERT INTO t (v) VALUES (1)');
        written++;
        await sleep(20);
      }
    };
    try {
      await until(() => task.snapshot().state === 'Synchronizing', 30_000, 'Synchronizing');

      // Quiet: one change, then nothing. Lag 0 well before the next heartbeat.
      await conn.query('INSERT INTO t (v) VALUES (1)');
      written++;
      await until(() => applied() === written && lag() === 0, 10_000, 'quiet lag 0');

      // The connection stalls (open, nothing moves): after a heartbeat period and a half with
      // nothing heard, lag is no longer 0 although nothing changed.
      proxy.stall(5_000);
      await until(() => lag() >= 2, 3_500, 'lag grows while stalled');
      // A merge as of now would miss whatever the stalled connection holds back: it waits, then
      // refuses with what has been applied.
      const now = Math.floor(Date.now() / 1000);
      const refused = await task.waitForChangesBefore(now, 300).catch((e: unknown) => e);
      expect(isBinlakeError(refused, 'BLK_M5004'), String(refused)).toBe(true);
      expect((refused as Error).message).toMatch(/has applied changes through .*, not yet up to --at/);
      // …and goes ahead as soon as the source is confirmed idle again.
      await task.waitForChangesBefore(now, 30_000);
      await until(() => lag() === 0, 30_000, 'lag 0 after the stall');

      // Busy, then severed and refused: lag grows at once, and all is applied after.
      writing = true;
      const writing1 = writer();
      await sleep(1_500);
      proxy.refuse(true);
      proxy.sever();
      const lags: number[] = [];
      for (let s = 0; s < 3; s++) {
        await sleep(1_000);
        lags.push(lag());
      }
      expect(Math.min(...lags), `lag during the outage: ${lags.join(', ')}`).toBeGreaterThan(0);
      expect(lags[2]).toBeGreaterThanOrEqual(2);
      proxy.refuse(false);
      writing = false;
      await writing1;
      await until(() => applied() === written, 30_000, `all ${written} changes applied`);
      await until(() => lag() === 0, 10_000, 'lag 0 after the outage');
    } finally {
      writing = false;
      proxy.refuse(false);
      await conn.end();
      task.stop();
      await running;
      await proxy.close();
    }
    expect(task.status.state).toBe('Paused');
    // Once capture has stopped, nothing confirms the source idle: completeAsOf stays where it was.
    const complete = task.snapshot().completeAsOf;
    expect(complete).toBeGreaterThan(0);
    await sleep(1_500);
    expect(task.snapshot().completeAsOf).toBe(complete);
  }, 120_000);
});
