import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TableSchema } from '../../../src/core/table-schema.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { checkpoint, col, logTuples, ORDERS, ordersRef, rejects, target, tempDir, txn } from './helpers.js';

const ref = ordersRef;

const insert = (id: number, qty: bigint) => ({ op: 'I' as const, table: ref, after: [id, `s${id}`, qty] });

describe('DuckDbSink change log', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sink: DuckDbSink;

  beforeEach(async () => {
    tmp = tempDir();
    sink = await DuckDbSink.create({ path: tmp.file(), partitions: ['modifytime_day'] });
    await sink.ensureTables([target(ORDERS)], {});
  });
  afterEach(async () => {
    await sink.close();
    tmp.cleanup();
  });

  it('stores a batch with its checkpoint at commit; appends made meanwhile go to the next batch', async () => {
    const log = await sink.openChangeLog();
    const t = Date.UTC(2024, 2, 5) / 1000;
    log.append(
      txn(t, [insert(1, 5n), { op: 'U', table: ref, before: [1, 's1', 5n], after: [1, 's1', 6n] }]),
      10n,
    );
    expect(await sink.readLog('orders')).toEqual([]);
    const first = log.commit(checkpoint(12n, 100, t));
    // Asked for after the commit: not part of it, whether it waits or goes straight to the other connection.
    log.append(txn(t + 1, [{ op: 'D', table: ref, before: [1, 's1', 6n] }]), 12n);
    await first;
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(12n, 100, t));
    expect((await sink.readLog('orders')).map((r) => r.recordId)).toEqual([10n, 11n, 11n]);
    await log.commit(checkpoint(13n, 200, t + 1));
    const rows = await sink.readLog('orders');
    expect(logTuples(rows)).toEqual([
      [10n, 'I', t, 'N', 'Y', [1, 's1', 5n]],
      [11n, 'U', t, 'Y', 'N', [1, 's1', 5n]],
      [11n, 'U', t, 'N', 'Y', [1, 's1', 6n]],
      [12n, 'D', t + 1, 'Y', 'N', [1, 's1', 6n]],
    ]);
    expect(rows[0].partitions).toEqual({ modifytime_day: '05' });
    // A batch without changes still moves the checkpoint.
    await log.commit(checkpoint(13n, 300, t + 2));
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(13n, 300, t + 2));
  });

  it('commits many batches in order over its two connections; a reopened file has the newest checkpoint', async () => {
    const log = await sink.openChangeLog();
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 25; i++) {
      log.append(txn(100 + i, [insert(i, BigInt(i))]), BigInt(1 + i));
      commits.push(log.commit(checkpoint(BigInt(2 + i), 1000 + i, 100 + i)));
    }
    await Promise.all(commits);
    await log.close();
    await sink.close();
    sink = await DuckDbSink.create({ path: tmp.file() });
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(26n, 1024, 124));
    expect((await sink.readLog('orders')).map((r) => r.recordId)).toEqual(
      Array.from({ length: 25 }, (_, i) => BigInt(1 + i)),
    );
    // The checkpoint written by the sink's own connection replaces both of the log's rows.
    await sink.saveCheckpoint(checkpoint(26n, 2000, 125));
    await sink.close();
    sink = await DuckDbSink.create({ path: tmp.file() });
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(26n, 2000, 125));
  });

  it('reading state while batches commit changes nothing: the newest checkpoint still wins', async () => {
    const log = await sink.openChangeLog();
    for (let i = 0; i < 10; i++) {
      log.append(txn(100 + i, [insert(i, BigInt(i))]), BigInt(1 + i));
      const committing = log.commit(checkpoint(BigInt(2 + i), 1000 + i, 100 + i));
      const seen = await sink.readState();
      // whatever it saw was committed: never ahead of the batch being committed
      expect((seen.checkpoint?.nextRecordId ?? 0n) <= BigInt(2 + i)).toBe(true);
      await committing;
    }
    await log.close();
    await sink.close();
    sink = await DuckDbSink.create({ path: tmp.file() });
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(11n, 1009, 109));
  });

  it('refuses numbering that would repeat or skip records, storing nothing of that batch', async () => {
    const log = await sink.openChangeLog();
    log.append(txn(1, [insert(1, 1n)]), 1n);
    await log.commit(checkpoint(2n, 10, 1));
    // a transaction that does not continue the batch (right after a commit, appends wait for the
    // next transaction to open, so the failure comes with the commit)
    log.append(txn(2, [insert(2, 2n)]), 2n);
    log.append(txn(3, [insert(3, 3n)]), 7n);
    await rejects(log.commit(checkpoint(4n, 30, 3)), 'BLK_D4005');
    expect(() => log.append(txn(4, [insert(4, 4n)]), 3n)).toThrow(/continues at 3/);
    await log.close();
    const again = await sink.openChangeLog();
    // a batch starting below the stored next record_id
    again.append(txn(2, [insert(2, 2n)]), 1n);
    await rejects(again.commit(checkpoint(2n, 20, 2)), 'BLK_D4005');
    // a failed log says so to every later call
    expect(() => again.append(txn(3, [insert(3, 3n)]), 2n)).toThrow(/record_id/);
    await again.close();
    expect((await sink.readLog('orders')).map((r) => r.row)).toEqual([[1, 's1', 1n]]);
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(2n, 10, 1));
  });

  it('a value the column cannot hold fails the batch; what is not committed is gone after close', async () => {
    const log = await sink.openChangeLog();
    log.append(txn(1, [insert(1, 1n)]), 1n);
    await log.commit(checkpoint(2n, 10, 1));
    log.append(txn(2, [insert(2, 2n)]), 2n);
    log.append(txn(3, [{ op: 'I', table: ref, after: [3, 's3', 'not a bigint'] }]), 3n);
    await rejects(log.commit(checkpoint(4n, 30, 3)), 'BLK_D4007');
    expect(() => log.append(txn(4, [insert(4, 4n)]), 4n)).toThrow(
      /orders_log: row 1 of the rows written, column qty/,
    );
    await log.close();
    // a change log closed with uncommitted rows (as a crash would) leaves them out
    const other = await sink.openChangeLog();
    other.append(txn(2, [insert(2, 2n)]), 2n);
    await other.close();
    expect((await sink.readLog('orders')).map((r) => r.recordId)).toEqual([1n]);
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(2n, 10, 1));
    // the sink goes on
    const next = await sink.openChangeLog();
    next.append(txn(4, [insert(2, 2n)]), 2n);
    await next.commit(checkpoint(3n, 40, 4));
    expect((await sink.readLog('orders')).map((r) => r.recordId)).toEqual([1n, 2n]);
  });

  it('an ADD COLUMN batch is refused while the log holds uncommitted rows, and seen by the next batch', async () => {
    const log = await sink.openChangeLog();
    log.append(txn(1, [insert(1, 1n)]), 1n);
    const s1: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('note', 'varchar')] };
    const ddl = {
      firstRecordId: 2n,
      transactions: [
        {
          ...txn(2, []),
          schemaChanges: [
            {
              kind: 'add-column' as const,
              table: ref,
              column: s1.columns[3],
              position: 3,
              defaultValue: 'n/a',
              schemaAfter: s1,
              sql: 'ALTER TABLE orders ADD COLUMN note VARCHAR(10)',
            },
          ],
        },
      ],
      checkpoint: checkpoint(2n, 20, 2),
    };
    await rejects(sink.commitBatch(ddl), 'BLK_D4005');
    await log.commit(checkpoint(2n, 10, 1));
    await sink.commitBatch(ddl);
    log.append(txn(3, [{ op: 'I', table: ref, after: [2, 's2', 2n, 'x'] }]), 2n);
    await log.commit(checkpoint(3n, 30, 3));
    expect((await sink.readLog('orders')).map((r) => r.row)).toEqual([
      [1, 's1', 1n, 'n/a'],
      [2, 's2', 2n, 'x'],
    ]);
  });
});
