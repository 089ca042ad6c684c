import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowChange } from '../../../src/core/change-event.js';
import { isBinlakeError } from '../../../src/core/errors.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { checkpoint, col, schema, target, tempDir } from './helpers.js';

const ref = { database: 'shop', table: 'pairs' };
const PAIRS = schema(
  'pairs',
  [
    col('a', 'int', { nullable: false }),
    col('v', 'varchar'),
    col('b', 'bigint', { unsigned: true, nullable: false }),
  ],
  ['a', 'b'],
);
const NOKEY = schema('nokey', [col('x', 'int')], []);

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isBinlakeError(error) ? error.code : String(error);
  }
}

describe('mergeAsOf (DTS merge, seed bugs fixed)', () => {
  const tmp = tempDir();
  let sink: DuckDbSink;
  let next = 1n;
  async function at(timestamp: number, changes: RowChange[]): Promise<void> {
    const first = next;
    next += BigInt(changes.length);
    await sink.commitBatch({
      firstRecordId: first,
      checkpoint: checkpoint(next, timestamp, timestamp),
      transactions: [
        { timestamp, changes, schemaChanges: [], end: { file: 'f', position: timestamp }, gtid: null },
      ],
    });
  }

  beforeAll(async () => {
    sink = await DuckDbSink.create({ path: tmp.file(), partitions: ['modifytime_day'] });
    await sink.ensureTables([target(PAIRS), target(NOKEY)], {});
    // base rows: (a, v, b); the key is (a, b), so (1,·,1) and (1,·,2) are different rows
    await sink.appendBaseChunk(
      'pairs',
      [
        [1, 'x', 1n],
        [1, 'y', 2n],
        [2, 'z', 1n],
        [3, 'base-only', 3n],
      ],
      { cursor: [3, 3n] },
    );
    await sink.finishFullSync('pairs', 100);
    await at(100, [{ op: 'U', table: ref, before: [1, 'x', 1n], after: [1, 'x2', 1n] }]);
    // a primary-key change: (1,2) becomes (5,5)
    await at(101, [{ op: 'U', table: ref, before: [1, 'y', 2n], after: [5, 'y', 5n] }]);
    await at(102, [{ op: 'D', table: ref, before: [2, 'z', 1n] }]);
    await at(103, [
      { op: 'I', table: ref, after: [2, 'z-again', 1n] },
      { op: 'I', table: ref, after: [9, 'new', 9n] },
    ]);
    // after the merge second
    await at(200, [
      { op: 'U', table: ref, before: [1, 'x2', 1n], after: [1, 'late', 1n] },
      { op: 'D', table: ref, before: [9, 'new', 9n] },
    ]);
  });
  afterAll(async () => {
    await sink.close();
    tmp.cleanup();
  });

  it('keeps the latest record per full key; old keys of a key change disappear; re-inserts count', async () => {
    expect(await sink.mergeAsOf('pairs', 150)).toBe(5);
    expect(await sink.readRows('pairs', 'pairs_150')).toEqual([
      [1, 'x2', 1n],
      [2, 'z-again', 1n],
      [3, 'base-only', 3n],
      [5, 'y', 5n],
      [9, 'new', 9n],
    ]);
  });

  it('ignores log rows at or after `at`', async () => {
    expect(await sink.mergeAsOf('pairs', 103, 'pairs_at_103')).toBe(3);
    expect(await sink.readRows('pairs', 'pairs_at_103')).toEqual([
      [1, 'x2', 1n],
      [3, 'base-only', 3n],
      [5, 'y', 5n],
    ]);
    expect(await sink.mergeAsOf('pairs', 100, 'pairs_at_100')).toBe(4);
    expect(await sink.readRows('pairs', 'pairs_at_100')).toEqual([
      [1, 'x', 1n],
      [1, 'y', 2n],
      [2, 'z', 1n],
      [3, 'base-only', 3n],
    ]);
    expect(await sink.mergeAsOf('pairs', 300)).toBe(4);
    expect(await sink.readRows('pairs', 'pairs_300')).toEqual([
      [1, 'late', 1n],
      [2, 'z-again', 1n],
      [3, 'base-only', 3n],
      [5, 'y', 5n],
    ]);
  });

  it('prints the SQL of every dialect with the same checks', async () => {
    const mc = await sink.mergeSql('pairs', 150, 'maxcompute');
    expect(mc).toContain('insert overwrite table `pairs_150`');
    expect(mc).toContain('partition by t.`a`, t.`b`\n');
    expect(await sink.mergeSql('pairs', 150, 'spark', 'x')).toContain('INSERT OVERWRITE TABLE `x`');
    expect(await sink.mergeSql('pairs', 150, 'duckdb')).toContain('CREATE OR REPLACE TABLE "pairs_150" AS');
    expect(await code(sink.mergeSql('pairs', 99, 'spark'))).toBe('BLK_M5001');
  });

  it('keeps the DuckDB types in the result', async () => {
    const rows = await sink.sqlRows(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'pairs_150' ORDER BY ordinal_position`,
    );
    expect(rows).toEqual([
      ['a', 'INTEGER'],
      ['v', 'VARCHAR'],
      ['b', 'UBIGINT'],
    ]);
  });

  it('refuses a second before consistentFrom, an unknown table, a table without key, a protected name', async () => {
    const early = sink.mergeAsOf('pairs', 99);
    await expect(early).rejects.toThrow(/finished at 100 .*exact only from that second/);
    expect(await code(sink.mergeAsOf('pairs', 99))).toBe('BLK_M5001');
    expect(await code(sink.mergeAsOf('nope', 200))).toBe('BLK_M5002');
    expect(await code(sink.mergeAsOf('nokey', 200))).toBe('BLK_M5003');
    expect(await code(sink.mergeAsOf('pairs', 200, 'pairs_log'))).toBe('BLK_C0006');
    expect((await sink.readLog('pairs')).length).toBe(10);
  });

  it('refuses a table whose full sync has not finished', async () => {
    const tmp2 = tempDir();
    const other = await DuckDbSink.create({ path: tmp2.file() });
    try {
      await other.ensureTables([target(PAIRS)], {});
      expect(await code(other.mergeAsOf('pairs', 10_000))).toBe('BLK_M5001');
    } finally {
      await other.close();
      tmp2.cleanup();
    }
  });
});
