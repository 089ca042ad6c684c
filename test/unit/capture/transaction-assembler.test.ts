import { describe, expect, it } from 'vitest';
import type { CaptureEvent } from '../../../src/capture/capture-event.js';
import { SchemaTracker } from '../../../src/capture/schema-tracker.js';
import { TransactionAssembler } from '../../../src/capture/transaction-assembler.js';
import { type BinlakeError, isBinlakeError } from '../../../src/core/errors.js';
import type { ColumnSchema, TableSchema } from '../../../src/core/table-schema.js';

const col = (name: string, kind: ColumnSchema['kind'] = 'int'): ColumnSchema => ({
  name,
  kind,
  columnType: kind,
  unsigned: false,
  nullable: true,
  length: null,
  scale: null,
  fsp: null,
  charset: kind === 'varchar' ? 'utf8mb4' : null,
  members: null,
  defaultSql: null,
});
const schema: TableSchema = {
  database: 'shop',
  table: 'orders',
  columns: [col('id'), col('v', 'varchar')],
  key: ['id'],
  keySource: 'primary',
};

let pos = 4;
function ev<T extends Partial<CaptureEvent>>(e: T): CaptureEvent {
  const size = 50;
  const position = pos;
  pos += size;
  return {
    timestamp: 1_700_000_000,
    file: 'binlog.000001',
    position,
    nextPosition: position + size,
    size,
    ...e,
  } as CaptureEvent;
}

function setup(policy: 'stop' | 'ignore' = 'stop') {
  pos = 4;
  const tracker = new SchemaTracker(
    [{ source: { database: 'shop', table: 'orders' }, target: 'orders', schema }],
    { policy },
  );
  const assembler = new TransactionAssembler({ file: 'binlog.000001', position: 4 }, null, {
    isSynced: (t) => tracker.isSynced(t),
    onDdl: (sql, db, ts) => tracker.onDdl(sql, db, ts),
  });
  return { tracker, assembler };
}

const orders = { database: 'shop', table: 'orders' };

describe('TransactionAssembler', () => {
  it('groups a MariaDB transaction and keeps only synced tables', async () => {
    const { assembler } = setup();
    expect(
      await assembler.push(ev({ kind: 'gtid', gtid: '0-1-7', domain: 0, standalone: false })),
    ).toBeNull();
    await assembler.push(ev({ kind: 'rows', op: 'I', table: orders, rows: [[1, 'a']], partial: false }));
    await assembler.push(
      ev({ kind: 'rows', op: 'I', table: { database: 'shop', table: 'other' }, rows: [[9]], partial: false }),
    );
    await assembler.push(
      ev({
        kind: 'rows',
        op: 'U',
        table: orders,
        rows: [{ before: [1, 'a'], after: [2, 'b'] }],
        partial: false,
      }),
    );
    const out = await assembler.push(ev({ kind: 'xid' }));
    expect(out?.kind).toBe('transaction');
    if (out?.kind !== 'transaction') return;
    expect(out.transaction.changes).toEqual([
      { op: 'I', table: orders, after: [1, 'a'] },
      { op: 'U', table: orders, before: [1, 'a'], after: [2, 'b'] },
    ]);
    expect(out.transaction.end).toEqual({ file: 'binlog.000001', position: 254 });
    expect(assembler.gtid).toBe('0-1-7');
  });

  it('applies ADD COLUMN with position and default, and stops on other DDL by default', async () => {
    const { assembler, tracker } = setup();
    await assembler.push(ev({ kind: 'gtid', gtid: '0-1-8', domain: 0, standalone: true }));
    const out = await assembler.push(
      ev({
        kind: 'query',
        database: 'shop',
        sql: "ALTER TABLE orders ADD COLUMN note varchar(10) NOT NULL DEFAULT 'n/a' AFTER id",
      }),
    );
    if (out?.kind !== 'transaction') throw new Error('no transaction');
    const change = out.transaction.schemaChanges[0];
    expect(change).toMatchObject({ kind: 'add-column', position: 1, defaultValue: 'n/a' });
    expect(tracker.schemaFor('shop', 'orders')?.columns.map((c) => c.name)).toEqual(['id', 'note', 'v']);
    const drop = assembler.push(
      ev({ kind: 'query', database: 'shop', sql: 'ALTER TABLE orders DROP COLUMN v' }),
    );
    await expect(drop).rejects.toSatisfy((e) => isBinlakeError(e, 'BLK_T6001'));
    // DDL on other tables is ignored.
    expect(
      await assembler.push(ev({ kind: 'query', database: 'shop', sql: 'DROP TABLE other' })),
    ).toMatchObject({
      kind: 'transaction',
      transaction: { schemaChanges: [] },
    });
  });

  it('classifies every other DDL on a synced table and stops by default', async () => {
    const cases: [string, string][] = [
      ['ALTER TABLE orders DROP COLUMN v', 'drop-column'],
      ['ALTER TABLE orders MODIFY v VARCHAR(40)', 'modify-column'],
      ['ALTER TABLE orders CHANGE v w VARCHAR(20)', 'rename-column'],
      ['ALTER TABLE orders RENAME COLUMN v TO w', 'rename-column'],
      ['ALTER TABLE shop.orders RENAME TO orders_old', 'rename-table'],
      ['RENAME TABLE orders TO orders_old', 'rename-table'],
      ['TRUNCATE TABLE orders', 'truncate-table'],
      ['DROP TABLE IF EXISTS other, `orders`', 'drop-table'],
    ];
    for (const [sql, kind] of cases) {
      const stop = setup('stop');
      const stopped = await stop.tracker.onDdl(sql, 'shop', { seconds: 0 }).catch((e: unknown) => e);
      expect(isBinlakeError(stopped, 'BLK_T6001')).toBe(true);
      // The remedy says what ignoring this kind would leave in the warehouse.
      const leaves: Record<string, string> = {
        'modify-column': 'keeps the old column type',
        'rename-column': 'keeps the old column name',
        'rename-table': 'keeps the table under its old name',
        'truncate-table': 'keeps the rows the source removed',
        'drop-table': 'keeps the table as it was',
      };
      if (kind !== 'drop-column') expect((stopped as BinlakeError).remedy).toContain(leaves[kind]);
      const ignore = setup('ignore');
      if (kind === 'drop-column') {
        // The rows after it no longer fit the warehouse table: not ignorable, only a resnapshot helps.
        const error = await ignore.tracker.onDdl(sql, 'shop', { seconds: 0 }).catch((e: unknown) => e);
        expect(isBinlakeError(error, 'BLK_T6001')).toBe(true);
        expect((error as BinlakeError).remedy).toContain('--resnapshot');
        expect((error as BinlakeError).remedy).toContain('not even ddl.unsupported: ignore');
      } else {
        expect((await ignore.tracker.onDdl(sql, 'shop', { seconds: 0 })).map((c) => c.kind)).toEqual([kind]);
      }
    }
    // Index, option and default changes leave stored rows alone: nothing to do.
    expect(
      await setup('stop').tracker.onDdl('ALTER TABLE orders ADD INDEX (v), ALTER v SET DEFAULT 1', 'shop', {
        seconds: 0,
      }),
    ).toEqual([]);
  });

  it('records ignored DDL under the ignore policy', async () => {
    const { assembler } = setup('ignore');
    const out = await assembler.push(ev({ kind: 'query', database: 'shop', sql: 'TRUNCATE TABLE orders' }));
    expect(out).toMatchObject({
      kind: 'transaction',
      transaction: { schemaChanges: [{ kind: 'truncate-table' }] },
    });
  });

  it('fails loudly on statement-based DML and on partial row images of synced tables', async () => {
    const { assembler } = setup();
    await assembler.push(ev({ kind: 'query', database: 'shop', sql: 'BEGIN' }));
    await expect(
      assembler.push(ev({ kind: 'query', database: 'shop', sql: "UPDATE `orders` SET v = 'x'" })),
    ).rejects.toSatisfy((e) => isBinlakeError(e, 'BLK_S1206'));
    const second = setup();
    // Row events are handled synchronously: the refusal is a throw, not a rejected promise.
    await expect(
      (async () =>
        second.assembler.push(
          ev({ kind: 'rows', op: 'D', table: orders, rows: [[1, null]], partial: true }),
        ))(),
    ).rejects.toSatisfy((e) => isBinlakeError(e, 'BLK_B2005'));
  });

  it('advances the safe position across rotation and other-table transactions', async () => {
    const { assembler } = setup();
    await assembler.push(ev({ kind: 'query', database: 'x', sql: 'BEGIN' }));
    await assembler.push(
      ev({ kind: 'rows', op: 'I', table: { database: 'x', table: 'y' }, rows: [[1]], partial: false }),
    );
    expect(assembler.position.position).toBe(4);
    const out = await assembler.push(ev({ kind: 'xid' }));
    expect(out).toMatchObject({ kind: 'transaction', transaction: { changes: [] } });
    expect(assembler.position.position).toBe(154);
    expect(
      await assembler.push(ev({ kind: 'rotate', nextFile: 'binlog.000002', nextFilePosition: 4 })),
    ).toEqual({
      kind: 'progress',
      position: { file: 'binlog.000002', position: 4 },
      gtid: null,
    });
  });
});
