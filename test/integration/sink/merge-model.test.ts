import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowChange } from '../../../src/core/change-event.js';
import type { Row } from '../../../src/core/values.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { checkpoint, col, schema, target, tempDir } from './helpers.js';

/**
 * Property: for random histories of INSERT / UPDATE (key changes included) / DELETE on a
 * composite-key table, the merge at every second equals the table replayed up to that second.
 */
const S = schema('m', [col('k1', 'int'), col('k2', 'varchar'), col('v', 'bigint')], ['k1', 'k2']);
type Op = { kind: 'I' | 'U' | 'D' | 'K'; pick: number; k1: number; k2: string; v: bigint };

const op = fc.record({
  kind: fc.constantFrom<Op['kind']>('I', 'U', 'D', 'K'),
  pick: fc.nat(),
  k1: fc.integer({ min: 0, max: 3 }),
  k2: fc.constantFrom('a', 'b'),
  v: fc.bigInt({ min: -5n, max: 5n }),
});

const keyOf = (row: Row) => `${row[0]}|${row[1]}`;
const sorted = (rows: Row[]) =>
  [...rows].sort((a, b) => (a[0] as number) - (b[0] as number) || String(a[1]).localeCompare(String(b[1])));

describe('merge against a model', () => {
  const tmp = tempDir();
  let sink: DuckDbSink;
  let run = 0;
  let nextRecordId = 1n;
  beforeAll(async () => {
    sink = await DuckDbSink.create({ path: tmp.file() });
  });
  afterAll(async () => {
    await sink.close();
    tmp.cleanup();
  });

  it('equals the replayed table at every second', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 6 }),
        fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { maxLength: 6 }),
        async (initialOps, seconds) => {
          run++;
          const name = `m${run}`;
          const ref = { database: 'shop', table: name };
          await sink.ensureTables([target({ ...S, table: name }, name)], {});
          const table = new Map<string, Row>();
          for (const o of initialOps) table.set(`${o.k1}|${o.k2}`, [o.k1, o.k2, o.v]);
          await sink.appendBaseChunk(name, [...table.values()], { cursor: null });
          await sink.finishFullSync(name, 1000);
          const expected: Row[][] = [sorted([...table.values()])];
          for (let i = 0; i < seconds.length; i++) {
            const changes: RowChange[] = [];
            for (const o of seconds[i]) {
              const rows = [...table.values()];
              const free = !table.has(`${o.k1}|${o.k2}`);
              const existing = rows.length ? rows[o.pick % rows.length] : null;
              if (o.kind === 'I' && free) {
                const row = [o.k1, o.k2, o.v];
                table.set(keyOf(row), row);
                changes.push({ op: 'I', table: ref, after: row });
              } else if (o.kind === 'U' && existing) {
                const row = [existing[0], existing[1], o.v];
                table.set(keyOf(row), row);
                changes.push({ op: 'U', table: ref, before: existing, after: row });
              } else if (o.kind === 'K' && existing && free) {
                const row = [o.k1, o.k2, existing[2]];
                table.delete(keyOf(existing));
                table.set(keyOf(row), row);
                changes.push({ op: 'U', table: ref, before: existing, after: row });
              } else if (o.kind === 'D' && existing) {
                table.delete(keyOf(existing));
                changes.push({ op: 'D', table: ref, before: existing });
              }
            }
            const first = nextRecordId;
            nextRecordId += BigInt(changes.length);
            const ts = 1000 + i;
            await sink.commitBatch({
              firstRecordId: first,
              checkpoint: checkpoint(nextRecordId, ts, ts),
              transactions: [
                { timestamp: ts, changes, schemaChanges: [], end: { file: 'f', position: ts }, gtid: null },
              ],
            });
            expected.push(sorted([...table.values()]));
          }
          for (let at = 1000; at <= 1000 + seconds.length; at++) {
            const into = `${name}_at`;
            await sink.mergeAsOf(name, at, into);
            expect(await sink.readRows(name, into)).toEqual(expected[at - 1000]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
