import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BINLAKE_BIN, runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

async function seed(db: string, rows: number): Promise<void> {
  const server = sharedServer();
  await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20), n INT)`);
  const values = Array.from({ length: rows }, (_, i) => `(${i}, 'v${i}', ${i})`);
  await server.query(`INSERT INTO \`${db}\`.t VALUES ${values.join(',')}`);
}

describe('DDL during sync', () => {
  it('applies ADD COLUMN (with position and default) during incremental sync', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('ddl_inc');
    await seed(db, 50);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    await server.query(`UPDATE \`${db}\`.t SET v = 'before' WHERE id = 1`);
    await server.query(
      `ALTER TABLE \`${db}\`.t ADD COLUMN c DECIMAL(6,2) NOT NULL DEFAULT 7.5 AFTER id, ADD COLUMN z VARCHAR(5) DEFAULT 'zz'`,
    );
    await server.query(`INSERT INTO \`${db}\`.t (id, c, v, n, z) VALUES (100, 1.25, 'new', 1, NULL)`);
    await server.query(`UPDATE \`${db}\`.t SET c = 9.99 WHERE id = 2`);
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stderr).toBe(0);
    // The log says what changed in the warehouse.
    expect(second.stderr).toContain('ADD COLUMN c applied to _base and _log');
    expect(second.stderr).toContain('ADD COLUMN z applied to _base and _log');
    expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
    const sink = await openWarehouse(configPath);
    const state = await sink.readState();
    const base = await sink.readRows('t');
    await sink.close();
    expect(state.tables[0].schema.columns.map((c) => c.name)).toEqual(['id', 'c', 'v', 'n', 'z']);
    // Rows copied before the ALTER got the default, as the source's existing rows did.
    expect(base.find((r) => r[0] === 3)?.slice(1)).toEqual(['7.50', 'v3', 3, 'zz']);
  });

  it('gives existing rows the exact CURRENT_TIMESTAMP of the ALTER in any session zone, and stops on an expression default', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('ddl_now');
    await seed(db, 10);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    const conn = await server.connect(db);
    // A DATETIME gets the wall clock of the ALTER's session zone, with the logged microseconds; a
    // TIMESTAMP the instant; `(5)` is a literal in parentheses.
    await conn.query("SET time_zone = '+08:00'");
    await conn.query('ALTER TABLE t ADD COLUMN dt DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3)');
    await conn.query("SET time_zone = '-03:30'");
    await conn.query(
      'ALTER TABLE t ADD COLUMN dt0 DATETIME NOT NULL DEFAULT NOW(), ADD COLUMN five INT DEFAULT (5)',
    );
    await conn.query('ALTER TABLE t ADD COLUMN ts TIMESTAMP(6) NULL DEFAULT CURRENT_TIMESTAMP(6)');
    // Precision below the column's, rounding, hex and signed literals, as the source stores them.
    await conn.query(
      "ALTER TABLE t ADD COLUMN b DATETIME(6) DEFAULT CURRENT_TIMESTAMP(3), ADD COLUMN r DECIMAL(5,2) DEFAULT 1.555, ADD COLUMN h INT DEFAULT 0x1F, ADD COLUMN neg INT DEFAULT (-5), ADD COLUMN d DATE DEFAULT DATE '2020-01-02', ADD COLUMN half INT DEFAULT '2.5'",
    );
    await conn.query("UPDATE t SET v = 'after' WHERE id = 1");
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stderr).toBe(0);
    const source = await sourceRows(server, db, 't');
    expect(await mergedRows(configPath, 't')).toEqual(source);
    // Not the UTC clock: +08:00 and -03:30 are 11.5 hours apart.
    const [row] = (await server.query(
      `SELECT CAST(dt AS CHAR) AS dt, CAST(dt0 AS CHAR) AS dt0 FROM \`${db}\`.t WHERE id = 3`,
    )) as { dt: string; dt0: string }[];
    const at = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);
    expect(Math.abs(at(row.dt) - at(row.dt0))).toBeGreaterThan(11 * 3600_000);

    // Every row got its own uuid(): no value binlake could give the rows it holds.
    await conn.query('ALTER TABLE t ADD COLUMN u VARCHAR(40) DEFAULT (uuid())');
    await conn.end();
    const stopped = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('BLK_T6001');
    expect(stopped.stderr).toMatch(/DEFAULT uuid\(\) is an expression/);
    expect(stopped.stderr).toContain('--resnapshot');
    const again = await runCli(['sync', '--config', configPath, '--until-caught-up', '--resnapshot']);
    expect(again.code, again.stderr).toBe(0);
    expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
  });

  it('applies ADD COLUMN issued in the middle of the full sync', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('ddl_full');
    await seed(db, 3000);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      snapshot: { chunkSize: 100, parallelism: 1, maxRowsPerSecond: 1500 },
    });
    const child = spawn(
      process.execPath,
      [BINLAKE_BIN, 'sync', '--config', configPath, '--until-caught-up'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await sleep(700);
    await server.query(`ALTER TABLE \`${db}\`.t ADD COLUMN flag TINYINT NOT NULL DEFAULT 1 FIRST`);
    await server.query(`UPDATE \`${db}\`.t SET flag = 0, v = 'late' WHERE id IN (5, 2999)`);
    await server.query(`INSERT INTO \`${db}\`.t (flag, id, v, n) VALUES (2, 5000, 'x', 0)`);
    expect(await exited).toBe(0);
    const again = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(again.code, again.stderr).toBe(0);
    expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
  });

  it('stops with BLK_T6001 on every other DDL of a synced table by default, and ignores DDL on other tables', async () => {
    const server = sharedServer();
    // Three representative kinds end to end; test/unit/capture covers every kind through the tracker.
    const statements = ['ALTER TABLE t DROP COLUMN n', 'RENAME TABLE t TO t2', 'TRUNCATE TABLE t'];
    await Promise.all(
      statements.map(async (ddl) => {
        const db = await server.freshDatabase('ddl_stop');
        await seed(db, 5);
        await server.query(`CREATE TABLE \`${db}\`.other (id INT PRIMARY KEY)`);
        const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
        expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
        const conn = await server.connect(db);
        await conn.query('ALTER TABLE other ADD COLUMN x INT; DROP TABLE other');
        await conn.query("UPDATE t SET v = 'just before' WHERE id IN (1, 2)");
        const [[before]] = (await conn.query('SHOW MASTER STATUS')) as unknown as [
          { File: string; Position: number }[],
        ];
        await conn.query(ddl);
        await conn.end();
        const r = await runCli(['sync', '--config', configPath, '--until-caught-up']);
        expect(r.code, `${ddl}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toContain('BLK_T6001');
        const status = JSON.parse((await runCli(['status', '--config', configPath, '--json'])).stdout);
        expect(status.state).toBe('Failed');
        expect(status.lastError.code).toBe('BLK_T6001');
        expect(status.lastError.remedy).toContain('ddl.unsupported');
        // The changes before the DDL are committed; the checkpoint reaches past them (the other
        // statements here write to the same server concurrently, so not to an exact position).
        expect(status.checkpoint.file).toBe(before.File);
        expect(status.checkpoint.position).toBeGreaterThanOrEqual(Number(before.Position));
        expect(status.tables[0].changes.U).toBe(2);
      }),
    );
  }, 240_000);

  it('continues past other DDL with ddl.unsupported: ignore, keeping the warehouse shape', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('ddl_ignore');
    await seed(db, 20);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      ddl: { unsupported: 'ignore' },
    });
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    await server.query(`ALTER TABLE \`${db}\`.t MODIFY v VARCHAR(60)`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (500, '${'w'.repeat(50)}', 5)`);
    const r = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('ignored DDL');
    expect(await mergedRows(configPath, 't')).toEqual(await sourceRows(server, db, 't'));
  });
});
