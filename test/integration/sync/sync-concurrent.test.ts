import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';
import { WriteLoad } from '../../harness/writer.js';

describe('sync under concurrent writes', () => {
  it('merges to the source after a lock-free chunked full sync with writes in flight', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('conc');
    await server.query(
      `CREATE TABLE \`${db}\`.orders (a INT NOT NULL, b INT NOT NULL, v VARCHAR(40), n BIGINT, PRIMARY KEY (a, b))`,
    );
    const values: string[] = [];
    for (let a = 0; a < 3000; a++) values.push(`(${a}, ${a % 3}, 'seed', ${a})`);
    await server.query(`INSERT INTO \`${db}\`.orders VALUES ${values.join(',')}`);

    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['orders'] }], {
      snapshot: { chunkSize: 200, parallelism: 2 },
    });
    const load = new WriteLoad(server, db, 'orders', { keySpace: 3000 });
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stderr).toBe(0);
    const statements = await load.stop();
    expect(statements).toBeGreaterThan(50);
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stderr).toBe(0);

    expect(await mergedRows(configPath, 'orders')).toEqual(await sourceRows(server, db, 'orders'));

    // The log is a clean DTS log: one row per insert/delete, exactly two per update sharing a record_id.
    const sink = await openWarehouse(configPath);
    const log = await sink.readLog('orders');
    const state = await sink.readState();
    await sink.close();
    const byId = new Map<bigint, string[]>();
    for (const r of log)
      byId.set(r.recordId, [
        ...(byId.get(r.recordId) ?? []),
        `${r.operationFlag}${r.beforeFlag}${r.afterFlag}`,
      ]);
    for (const flags of byId.values()) {
      expect([['INY'], ['DYN'], ['UYN', 'UNY']]).toContainEqual(flags);
    }
    const ids = [...byId.keys()].sort((x, y) => (x < y ? -1 : 1));
    expect(ids[0]).toBe(1n);
    expect(ids.at(-1)).toBe(BigInt(ids.length));
    expect(state.tables[0].phase).toBe('incremental');
    expect(state.tables[0].consistentFrom).toBeGreaterThan(0);
  });
});
