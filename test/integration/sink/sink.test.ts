import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeBatch, SchemaChange, SourceTransaction } from '../../../src/core/change-event.js';
import type { TableSchema } from '../../../src/core/table-schema.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import {
  checkpoint,
  col,
  logTuples,
  ORDERS,
  ordersRef,
  rejects,
  schema,
  target,
  tempDir,
  txn,
} from './helpers.js';

const ref = ordersRef;

function batch(first: bigint, transactions: SourceTransaction[], position = 1000): ChangeBatch {
  const n = transactions.reduce((sum, t) => sum + t.changes.length, 0);
  return {
    firstRecordId: first,
    transactions,
    checkpoint: checkpoint(first + BigInt(n), position, transactions.at(-1)?.timestamp ?? 0),
  };
}

describe('DuckDbSink', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sink: DuckDbSink;

  beforeEach(async () => {
    tmp = tempDir();
    sink = await DuckDbSink.create({
      path: tmp.file(),
      partitions: [
        'modifytime_minute',
        'modifytime_year',
        'modifytime_month',
        'modifytime_day',
        'modifytime_hour',
      ],
    });
    await sink.ensureTables([target(ORDERS)], {});
  });
  afterEach(async () => {
    await sink.close();
    tmp.cleanup();
  });

  it('numbers records from firstRecordId, one per change, an UPDATE pair sharing it', async () => {
    // 2024-03-05T07:08:09Z
    const t = Date.UTC(2024, 2, 5, 7, 8, 9) / 1000;
    await sink.commitBatch(
      batch(10n, [
        txn(t, [
          { op: 'I', table: ref, after: [1, 'a', 5n] },
          { op: 'U', table: ref, before: [1, 'a', 5n], after: [1, 'a', 6n] },
        ]),
        txn(t + 1, [{ op: 'D', table: ref, before: [1, 'a', 6n] }]),
      ]),
    );
    const log = await sink.readLog('orders');
    expect(logTuples(log)).toEqual([
      [10n, 'I', t, 'N', 'Y', [1, 'a', 5n]],
      [11n, 'U', t, 'Y', 'N', [1, 'a', 5n]],
      [11n, 'U', t, 'N', 'Y', [1, 'a', 6n]],
      [12n, 'D', t + 1, 'Y', 'N', [1, 'a', 6n]],
    ]);
    expect(log[0].partitions).toEqual({
      modifytime_year: '2024',
      modifytime_month: '03',
      modifytime_day: '05',
      modifytime_hour: '07',
      modifytime_minute: '08',
    });
    const columns = await sink.sqlRows(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders_log' ORDER BY ordinal_position`,
    );
    expect(columns.map((r) => r[0])).toEqual([
      'record_id',
      'operation_flag',
      'utc_timestamp',
      'before_flag',
      'after_flag',
      'id',
      'sku',
      'qty',
      'modifytime_year',
      'modifytime_month',
      'modifytime_day',
      'modifytime_hour',
      'modifytime_minute',
    ]);
    expect((await sink.readState()).checkpoint).toEqual(checkpoint(13n, 1000, t + 1));
  });

  it('stores checkpoint, cursor and table state, and reads them back after reopening', async () => {
    await sink.saveCheckpoint({
      file: 'mysql-bin.000042',
      position: 4_000_000_123,
      gtid: '0-1-77,1-2-3',
      nextRecordId: 9_007_199_254_740_993n,
      lastEventTimestamp: 1_700_000_001,
    });
    const cursor = [18446744073709551615n, new Uint8Array([0, 1, 0]), 'é', -0, null];
    await sink.appendBaseChunk('orders', [[1, 'a', 1n]], { cursor, rowsTotal: 10 });
    await sink.appendBaseChunk('orders', [[2, 'b', 2n]], { cursor: [2] });
    await sink.close();
    sink = await DuckDbSink.create({ path: tmp.file() });
    const state = await sink.readState();
    expect(state.checkpoint).toEqual({
      file: 'mysql-bin.000042',
      position: 4_000_000_123,
      gtid: '0-1-77,1-2-3',
      nextRecordId: 9_007_199_254_740_993n,
      lastEventTimestamp: 1_700_000_001,
    });
    expect(state.tables).toEqual([
      {
        source: ref,
        target: 'orders',
        phase: 'full',
        schema: ORDERS,
        columnRenames: {},
        rowsCopied: 2,
        rowsTotal: 10,
        cursor: [2],
        consistentFrom: null,
      },
    ]);
    await sink.finishFullSync('orders', 1_700_000_100);
    expect((await sink.readState()).tables[0]).toMatchObject({
      phase: 'incremental',
      consistentFrom: 1_700_000_100,
    });
    // ensureTables keeps existing state; resetState forgets it
    await sink.ensureTables([target(ORDERS)], {});
    expect((await sink.readState()).tables[0]).toMatchObject({ phase: 'incremental', rowsCopied: 2 });
    await sink.ensureTables([target(ORDERS)], { resetState: true });
    const reset = await sink.readState();
    expect(reset.checkpoint).toBeNull();
    expect(reset.tables[0]).toMatchObject({
      phase: 'pending',
      rowsCopied: 0,
      cursor: null,
      consistentFrom: null,
    });
    // the old tables are renamed aside, the new ones start empty
    expect(await sink.readRows('orders')).toEqual([]);
    const aside = await sink.sqlRows(
      `SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'orders_base_replaced_%' OR table_name LIKE 'orders_log_replaced_%'`,
    );
    expect(aside[0][0]).toBe(2n);
    // a second re-snapshot in the same second does not clash with the first one's names
    await sink.ensureTables([target(ORDERS)], { resetState: true });
    await sink.ensureTables([target(ORDERS)], { resetState: true });
    const again = await sink.sqlRows(
      `SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'orders_base_replaced_%' OR table_name LIKE 'orders_log_replaced_%'`,
    );
    expect(again[0][0]).toBe(6n);
  });

  it('keeps the cursor lossless through JSON', async () => {
    const cursor = [18446744073709551615n, new Uint8Array([0, 1, 0]), 'é', -0, null, 1.5];
    await sink.appendBaseChunk('orders', [], { cursor });
    const [state] = (await sink.readState()).tables;
    expect(state.cursor).toEqual(cursor);
    expect(Object.is(state.cursor?.[3], -0)).toBe(true);
  });

  it('a base chunk that fails mid-way stores no row and keeps the old cursor', async () => {
    await sink.appendBaseChunk('orders', [[1, 'a', 1n]], { cursor: [1], rowsTotal: 5 });
    const rows = Array.from({ length: 5000 }, (_, i) => [i + 2, `s${i}`, BigInt(i)]);
    rows[4000] = [4002, 'bad', 'not a bigint'];
    await rejects(sink.appendBaseChunk('orders', rows, { cursor: [5001] }), 'BLK_D4007');
    expect(await sink.readRows('orders')).toEqual([[1, 'a', 1n]]);
    expect((await sink.readState()).tables[0]).toMatchObject({ rowsCopied: 1, cursor: [1], rowsTotal: 5 });
    // an out-of-range integer fails the same way
    await rejects(sink.appendBaseChunk('orders', [[2 ** 31, 'x', 1n]], { cursor: [9] }), 'BLK_D4007');
    // a row of the wrong width too
    await rejects(sink.appendBaseChunk('orders', [[2, 'x']], { cursor: [9] }), 'BLK_D4005');
    // and the sink still works afterwards
    await sink.appendBaseChunk('orders', [[2, 'b', 2n]], { cursor: [2] });
    expect(await sink.readRows('orders')).toEqual([
      [1, 'a', 1n],
      [2, 'b', 2n],
    ]);
  });

  it('a base load stores its pieces with the cursor only at commit, beside concurrent change batches', async () => {
    const commits: [number, unknown][] = [];
    const load = await sink.openBaseLoad('orders', (rows, cursor) => commits.push([rows, cursor]));
    await load.append([[1, 'a', 1n]], { cursor: [1], rowsTotal: 4 });
    await load.append([[2, 'b', 2n]], { cursor: [2] });
    expect(load.pendingRows).toBe(2);
    // A change batch commits on the sink's own connection while the load's chunk is open.
    await sink.commitBatch(batch(1n, [txn(100, [{ op: 'I', table: ref, after: [9, 'z', 9n] }])]));
    expect(await sink.readRows('orders')).toEqual([]);
    expect((await sink.readState()).tables[0]).toMatchObject({
      rowsCopied: 0,
      cursor: null,
      phase: 'pending',
    });
    await load.commit();
    expect(load.pendingRows).toBe(0);
    expect(commits).toEqual([[2, [2]]]);
    expect((await sink.readState()).tables[0]).toMatchObject({
      rowsCopied: 2,
      rowsTotal: 4,
      cursor: [2],
      phase: 'full',
    });
    // discard forgets the open chunk; a failed append rolls it back too; the load goes on
    await load.append([[3, 'c', 3n]], { cursor: [3] });
    await load.discard();
    await load.append([[3, 'c', 3n]], { cursor: [3] });
    await rejects(load.append([[4, 'd', 'not a bigint']], { cursor: [4] }), 'BLK_D4007');
    expect(load.pendingRows).toBe(0);
    await load.append([[4, 'd', 4n]], { cursor: [4] });
    await load.commit();
    await load.commit(); // nothing pending: nothing to do
    expect(commits).toEqual([
      [2, [2]],
      [1, [4]],
    ]);
    // rows appended but never committed are gone when the sink closes (as after a crash)
    await load.append([[5, 'e', 5n]], { cursor: [5] });
    await sink.close();
    await load.close(); // closed with the sink already: nothing to do
    sink = await DuckDbSink.create({ path: tmp.file() });
    expect(await sink.readRows('orders')).toEqual([
      [1, 'a', 1n],
      [2, 'b', 2n],
      [4, 'd', 4n],
    ]);
    expect((await sink.readState()).tables[0]).toMatchObject({ rowsCopied: 3, cursor: [4] });
    await rejects(sink.openBaseLoad('nope'), 'BLK_D4005');
  });

  it('a failed load commit sticks until discard, so no later chunk skips the rows it lost', async () => {
    const load = await sink.openBaseLoad('orders');
    // Chunks alternate between the load's two connections (state rows slot 1 and 2).
    await load.append([[1, 'a', 1n]], { cursor: [1] });
    await load.commit();
    await load.append([[2, 'b', 2n]], { cursor: [2] });
    await load.commit();
    await load.append([[3, 'c', 3n]], { cursor: [3] });
    // The sink's own connection replaces the table's state rows while the chunk on slot 1 is
    // open: DuckDB refuses that chunk (a write-write conflict), as it would refuse any failure.
    await sink.finishFullSync('orders', 123);
    await rejects(load.commit(), 'BLK_D4002');
    await rejects(load.append([[4, 'd', 4n]], { cursor: [4] }), 'BLK_D4002');
    await rejects(load.commit(), 'BLK_D4002');
    await load.discard();
    await load.append([[3, 'c', 3n]], { cursor: [3] });
    await load.commit();
    expect(await sink.readRows('orders')).toEqual([
      [1, 'a', 1n],
      [2, 'b', 2n],
      [3, 'c', 3n],
    ]);
    expect((await sink.readState()).tables[0]).toMatchObject({ rowsCopied: 3, cursor: [3] });
    await load.close();
  });

  it('opens a warehouse whose state tables have no row per writer yet (older binlake) and upgrades it', async () => {
    const file = tmp.file('older.duckdb');
    const instance = await DuckDBInstance.create(file);
    const c = await instance.connect();
    await c.run(
      'CREATE TABLE _binlake_checkpoint (file VARCHAR NOT NULL, position BIGINT NOT NULL, gtid VARCHAR, next_record_id BIGINT NOT NULL, last_event_timestamp BIGINT NOT NULL)',
    );
    await c.run(`INSERT INTO _binlake_checkpoint VALUES ('mysql-bin.000003', 1234, NULL, 42, 1700000000)`);
    await c.run(
      'CREATE TABLE _binlake_tables (target VARCHAR NOT NULL, source_database VARCHAR NOT NULL, source_table VARCHAR NOT NULL, phase VARCHAR NOT NULL, schema_json VARCHAR NOT NULL, column_renames_json VARCHAR NOT NULL, rows_copied BIGINT NOT NULL, rows_total BIGINT, cursor_json VARCHAR, consistent_from BIGINT)',
    );
    await c.run(
      `INSERT INTO _binlake_tables VALUES ('orders', 'shop', 'orders', 'full', $1, '{}', 5, 9, NULL, NULL)`,
      [JSON.stringify(ORDERS)],
    );
    c.closeSync();
    instance.closeSync();
    const older = await DuckDbSink.create({ path: file });
    try {
      const state = await older.readState();
      expect(state.checkpoint).toMatchObject({ file: 'mysql-bin.000003', position: 1234, nextRecordId: 42n });
      expect(state.tables).toEqual([
        expect.objectContaining({ target: 'orders', phase: 'full', rowsCopied: 5 }),
      ]);
      // Writing needs the new columns: the state of a table and the checkpoint.
      await older.finishFullSync('orders', 1_700_000_100);
      await older.commitBatch(batch(42n, [], 2000));
      const after = await older.readState();
      expect(after.tables[0]).toMatchObject({ phase: 'incremental', consistentFrom: 1_700_000_100 });
      expect(after.checkpoint).toMatchObject({ position: 2000, nextRecordId: 42n });
    } finally {
      await older.close();
    }
  });

  it('sealed chunks commit in the background and in order; the newest state row wins on reopen', async () => {
    const commits: [number, unknown][] = [];
    const load = await sink.openBaseLoad('orders', (rows, cursor) => commits.push([rows, cursor]));
    // A big first chunk: its COMMIT is still running while chunk 3 begins on the same connection.
    const big = Array.from({ length: 200_000 }, (_, i) => [i + 1, `row ${i + 1}`, BigInt(i)]);
    await load.append(big, { cursor: [200_000], rowsTotal: 200_004 });
    await load.seal();
    for (let id = 200_001; id <= 200_004; id++) {
      await load.append([[id, String(id), BigInt(id)]], { cursor: [id] });
      if (id < 200_004) await load.seal();
    }
    expect(load.pendingRows).toBe(1);
    await load.commit();
    expect(commits).toEqual([
      [200_000, [200_000]],
      ...[200_001, 200_002, 200_003, 200_004].map((id) => [1, [id]]),
    ]);
    const expected = { rowsCopied: 200_004, rowsTotal: 200_004, cursor: [200_004] };
    expect((await sink.readState()).tables[0]).toMatchObject(expected);
    await load.close();
    await sink.close();
    sink = await DuckDbSink.create({ path: tmp.file() });
    expect((await sink.readState()).tables[0]).toMatchObject({ ...expected, phase: 'full' });
    expect((await sink.readRows('orders')).length).toBe(200_004);
  });

  it('an ADD COLUMN batch commits the open chunk of a load first; its later pieces have the column', async () => {
    const commits: [number, unknown][] = [];
    const load = await sink.openBaseLoad('orders', (rows, cursor) => commits.push([rows, cursor]));
    await load.append([[1, 'a', 1n]], { cursor: [1] });
    const s1: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('note', 'varchar')] };
    const altering = sink.commitBatch(batch(1n, [txn(100, [], [addColumn(s1, 3, 'n/a')])]));
    // Asked while the ALTER runs: waits for it, then appends in the new shape.
    const appended = load.append([[2, 'b', 2n, 'x']], { cursor: [2] });
    await altering;
    await appended;
    expect(commits).toEqual([[1, [1]]]);
    await load.commit();
    expect(commits).toEqual([
      [1, [1]],
      [1, [2]],
    ]);
    expect(await sink.readRows('orders')).toEqual([
      [1, 'a', 1n, 'n/a'],
      [2, 'b', 2n, 'x'],
    ]);
    expect((await sink.readState()).tables[0]).toMatchObject({ rowsCopied: 2, cursor: [2], schema: s1 });
    await load.close();
    await rejects(load.append([[3, 'c', 3n, null]], { cursor: [3] }), 'BLK_D4002');
  });

  it('a batch that fails mid-way stores no log row, no ADD COLUMN and keeps the old checkpoint', async () => {
    await sink.commitBatch(batch(1n, [txn(100, [{ op: 'I', table: ref, after: [1, 'a', 1n] }])], 50));
    const added = col('note', 'varchar', { length: 10 });
    const after: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, added] };
    const bad = batch(
      2n,
      [
        txn(101, [{ op: 'I', table: ref, after: [2, 'b', 2n] }]),
        txn(102, [], [addColumn(after, 3, 'n/a')]),
        txn(103, [{ op: 'I', table: ref, after: [3, 'c', 3n, 123] }]),
      ],
      60,
    );
    await rejects(sink.commitBatch(bad), 'BLK_D4007');
    const state = await sink.readState();
    expect(state.checkpoint).toEqual(checkpoint(2n, 50, 100));
    expect(state.tables[0].schema).toEqual(ORDERS);
    expect((await sink.readLog('orders')).map((r) => r.row)).toEqual([[1, 'a', 1n]]);
    const columns = await sink.sqlRows(
      `SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders_base'`,
    );
    expect(columns[0][0]).toBe(3n);
    // an unknown table, a checkpoint that does not match, a replayed batch: refused, nothing stored
    await rejects(
      sink.commitBatch(
        batch(2n, [txn(101, [{ op: 'I', table: { database: 'x', table: 'y' }, after: [1] }])]),
      ),
      'BLK_D4005',
    );
    await rejects(sink.commitBatch({ ...batch(2n, []), checkpoint: checkpoint(5n) }), 'BLK_D4005');
    await rejects(
      sink.commitBatch(batch(1n, [txn(101, [{ op: 'I', table: ref, after: [9, 'z', 9n] }])])),
      'BLK_D4005',
    );
    expect((await sink.readLog('orders')).length).toBe(1);
  });

  it('applies ADD COLUMN at the end, FIRST and AFTER with defaults; later appends line up', async () => {
    await sink.appendBaseChunk(
      'orders',
      [
        [1, 'a', 1n],
        [2, 'b', 2n],
      ],
      { cursor: [2] },
    );
    await sink.commitBatch(batch(1n, [txn(100, [{ op: 'I', table: ref, after: [3, 'c', 3n] }])]));
    const s1: TableSchema = {
      ...ORDERS,
      columns: [...ORDERS.columns, col('price', 'decimal', { length: 10, scale: 2 })],
    };
    const s2: TableSchema = { ...s1, columns: [col('flag', 'tinyint', { unsigned: true }), ...s1.columns] };
    const s3: TableSchema = {
      ...s2,
      columns: [...s2.columns.slice(0, 2), col('tag', 'blob'), ...s2.columns.slice(2)],
    };
    await sink.commitBatch(
      batch(2n, [
        txn(101, [], [addColumn(s1, 3, '9.50')]),
        txn(102, [{ op: 'U', table: ref, before: [3, 'c', 3n, '9.50'], after: [3, 'c', 4n, '1.25'] }]),
        txn(103, [], [addColumn(s2, 0, 7)]),
        txn(104, [{ op: 'I', table: ref, after: [1, 4, 'd', 4n, null] }]),
        txn(105, [], [addColumn(s3, 2, new Uint8Array([0, 9]))]),
        txn(106, [{ op: 'I', table: ref, after: [0, 5, new Uint8Array([5]), 'e', 5n, '0.01'] }]),
      ]),
    );
    await sink.appendBaseChunk('orders', [[2, 6, null, 'f', 6n, '6.00']], { cursor: [6] });
    const state = (await sink.readState()).tables[0];
    expect(state.schema).toEqual(s3);
    const tag = new Uint8Array([0, 9]);
    expect(await sink.readRows('orders')).toEqual([
      [7, 1, tag, 'a', 1n, '9.50'],
      [7, 2, tag, 'b', 2n, '9.50'],
      [2, 6, null, 'f', 6n, '6.00'],
    ]);
    const log = await sink.readLog('orders');
    expect(log.map((r) => [r.recordId, r.row])).toEqual([
      [1n, [7, 3, tag, 'c', 3n, '9.50']],
      [2n, [7, 3, tag, 'c', 3n, '9.50']],
      [2n, [7, 3, tag, 'c', 4n, '1.25']],
      [3n, [1, 4, tag, 'd', 4n, null]],
      [4n, [0, 5, new Uint8Array([5]), 'e', 5n, '0.01']],
    ]);
    // DuckDB appends the new columns at the end; the physical order differs from the schema's
    const physical = await sink.sqlRows(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'orders_base' ORDER BY ordinal_position`,
    );
    expect(physical.map((r) => r[0])).toEqual(['id', 'sku', 'qty', 'price', 'flag', 'tag']);
  });

  it('applies an ADD COLUMN the tables already have without altering them again', async () => {
    const s1: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('note', 'varchar')] };
    await sink.commitBatch(batch(1n, [txn(1, [], [addColumn(s1, 3, 'x')])]));
    await sink.appendBaseChunk('orders', [[1, 'a', 1n, 'own']], { cursor: [1] });
    await sink.commitBatch(batch(1n, [txn(2, [], [addColumn(s1, 3, 'y')])]));
    expect(await sink.readRows('orders')).toEqual([[1, 'a', 1n, 'own']]);
    expect((await sink.readState()).tables[0].schema).toEqual(s1);
  });

  it('numbers changes across tables in binlog order around an ADD COLUMN of one of them', async () => {
    const items = schema('items', [col('id', 'int'), col('name', 'varchar')], ['id']);
    const iref = { database: 'shop', table: 'items' };
    await sink.ensureTables([target(items, 'crm_items')], {});
    const s1: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('n', 'int')] };
    await sink.commitBatch(
      batch(1n, [
        txn(1, [
          { op: 'I', table: ref, after: [1, 'a', 1n] },
          { op: 'I', table: iref, after: [1, 'x'] },
        ]),
        txn(2, [], [addColumn(s1, 3, 42)]),
        txn(3, [
          { op: 'I', table: iref, after: [2, 'y'] },
          { op: 'U', table: ref, before: [1, 'a', 1n, 42], after: [1, 'a', 2n, 43] },
        ]),
      ]),
    );
    expect((await sink.readLog('orders')).map((r) => [r.recordId, r.row])).toEqual([
      [1n, [1, 'a', 1n, 42]],
      [4n, [1, 'a', 1n, 42]],
      [4n, [1, 'a', 2n, 43]],
    ]);
    expect((await sink.readLog('crm_items')).map((r) => [r.recordId, r.row])).toEqual([
      [2n, [1, 'x']],
      [3n, [2, 'y']],
    ]);
  });

  it('reuses an existing table with extra columns (existingTables: ignore), leaving them NULL', async () => {
    await sink.sqlRows('CREATE TABLE "legacy_base" (extra VARCHAR, v VARCHAR, id INTEGER)');
    const legacy = schema('legacy', [col('id', 'int'), col('v', 'varchar')], ['id']);
    await sink.ensureTables([target(legacy)], {});
    await sink.appendBaseChunk('legacy', [[1, 'one']], { cursor: [1] });
    expect(await sink.sqlRows('SELECT * FROM legacy_base')).toEqual([[null, 'one', 1]]);
    await sink.sqlRows('CREATE TABLE "short_base" (id INTEGER)');
    const short = schema('short', [col('id', 'int'), col('v', 'varchar')], ['id']);
    await sink.ensureTables([target(short)], {});
    await rejects(sink.appendBaseChunk('short', [[1, 'x']], { cursor: [1] }), 'BLK_D4005');
    // A reused column of another type than binlake stores, or an unknown nested one, is refused
    // before anything is copied into DuckDB's vectors.
    await sink.sqlRows('CREATE TABLE "typed_base" (id INTEGER, v INTEGER)');
    const typed = schema('typed', [col('id', 'int'), col('v', 'varchar')], ['id']);
    await sink.ensureTables([target(typed)], {});
    const rows = Array.from({ length: 3000 }, (_, i) => [i, `value ${i}`]);
    await expect(sink.appendBaseChunk('typed', rows, { cursor: [2999] })).rejects.toThrow(
      /typed_base\.v is INTEGER, binlake stores VARCHAR there/,
    );
    await sink.sqlRows('CREATE TABLE "nested_base" (id INTEGER, v VARCHAR, extra STRUCT(x INTEGER))');
    const nested = schema('nested', [col('id', 'int'), col('v', 'varchar')], ['id']);
    await sink.ensureTables([target(nested)], {});
    await rejects(sink.appendBaseChunk('nested', [[1, 'x']], { cursor: [1] }), 'BLK_D4005');
    expect(await sink.sqlRows('SELECT count(*) FROM typed_base')).toEqual([[0n]]);
  });

  it('reports existing targets and refuses a column named like an additional column', async () => {
    expect(await sink.existingTargets(['orders', 'ORDERS', 'missing'])).toEqual([
      'orders_base',
      'orders_log',
    ]);
    const bad = schema('t', [col('id', 'int'), col('Record_ID', 'int')], ['id']);
    await rejects(sink.ensureTables([target(bad)], {}), 'BLK_D4006');
    const renamed = target(bad, 't', { Record_ID: 'source_record_id' });
    await sink.ensureTables([renamed], {});
    expect(await sink.existingTargets(['t'])).toEqual(['t_base', 't_log']);
  });

  it('refuses an ADD COLUMN whose name clashes, leaving nothing changed', async () => {
    const s1: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('modifytime_hour', 'int')] };
    await rejects(sink.commitBatch(batch(1n, [txn(1, [], [addColumn(s1, 3, null)])])), 'BLK_D4006');
    expect((await sink.readState()).tables[0].schema).toEqual(ORDERS);
  });
});

describe('DuckDbSink with hostile identifiers and naming: new', () => {
  it('quotes every identifier and bind every value', async () => {
    const tmp = tempDir();
    const names = ['select', 'a "quoted" col', 'back`tick', 'spa ce', 'ünï😀', "o'clock", 'record_id'];
    const s = schema(
      'we"ird`ta ble',
      names.map((n, i) => col(n, i === 0 ? 'int' : 'varchar', { nullable: i !== 0 })),
      ['select', 'a "quoted" col'],
      'd"b',
    );
    const sink = await DuckDbSink.create({
      path: tmp.file('it\'s "here".duckdb'),
      naming: 'new',
      partitions: ['modifytime_day'],
    });
    try {
      const t = target(s, 'tar"get`; DROP TABLE x; --', { "o'clock": 'o"clock', ünï: 'unused' });
      await sink.ensureTables([t], {});
      const row = [1, "'); DROP TABLE x; --", 'b', 'c', 'd', "e'", 'f'];
      await sink.appendBaseChunk(t.target, [row], { cursor: [1, "'); DROP TABLE x; --"] });
      const r = { database: 'd"b', table: 'we"ird`ta ble' };
      const s2: TableSchema = { ...s, columns: [col('new "one"', 'varchar'), ...s.columns] };
      await sink.commitBatch(
        batch(1n, [
          txn(10, [{ op: 'U', table: r, before: row, after: [2, ...row.slice(1)] }]),
          txn(11, [], [addColumn(s2, 0, "de'fault", r)]),
          txn(12, [{ op: 'I', table: r, after: ['n', 3, ...row.slice(1)] }]),
        ]),
      );
      await sink.finishFullSync(t.target, 5);
      expect(await sink.readRows(t.target)).toEqual([["de'fault", ...row]]);
      const log = await sink.readLog(t.target);
      expect(log.map((l) => [l.recordId, l.operationFlag, l.row[1]])).toEqual([
        [1n, 'U', 1],
        [1n, 'U', 2],
        [2n, 'I', 3],
      ]);
      const cols = await sink.sqlRows(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position LIMIT 6`,
        [`${t.target}_log`],
      );
      expect(cols.map((c) => c[0])).toEqual([
        'new_dts_sync_record_id',
        'new_dts_sync_operation_flag',
        'new_dts_sync_utc_timestamp',
        'new_dts_sync_before_flag',
        'new_dts_sync_after_flag',
        'select',
      ]);
      expect(await sink.mergeAsOf(t.target, 100, 'in"to')).toBe(2);
      // the UPDATE changed the key (1 → 2): the old key is gone, the after image got the ADD COLUMN default
      expect(await sink.readRows(t.target, 'in"to')).toEqual([
        ["de'fault", 2, ...row.slice(1)],
        ['n', 3, ...row.slice(1)],
      ]);
      expect(await sink.existingTargets(['x'])).toEqual([]);
    } finally {
      await sink.close();
      tmp.cleanup();
    }
  });
});

function addColumn(
  schemaAfter: TableSchema,
  position: number,
  defaultValue: SchemaChange extends infer C
    ? C extends { kind: 'add-column'; defaultValue: infer V }
      ? V
      : never
    : never,
  table = ref,
): SchemaChange {
  const column = schemaAfter.columns[position];
  return {
    kind: 'add-column',
    table,
    column,
    position,
    defaultValue,
    schemaAfter,
    sql: `ALTER TABLE … ADD COLUMN ${column.name}`,
  };
}
