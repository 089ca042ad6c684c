import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

describe('objects, name mapping and existing target tables', () => {
  it('syncs tables of several databases with table and column renames, and "*"', async () => {
    const server = sharedServer();
    const crm = await server.freshDatabase('crm');
    const shop = await server.freshDatabase('shop');
    await server.query(`CREATE TABLE \`${crm}\`.account (acct_no INT PRIMARY KEY, \`order\` VARCHAR(10))`);
    await server.query(`INSERT INTO \`${crm}\`.account VALUES (1, 'a'), (2, 'b')`);
    await server.query(`CREATE TABLE \`${shop}\`.account (id INT PRIMARY KEY, name VARCHAR(10))`);
    await server.query(`CREATE TABLE \`${shop}\`.item (id INT PRIMARY KEY)`);
    await server.query(`CREATE VIEW \`${shop}\`.v AS SELECT 1 AS x`);
    await server.query(`INSERT INTO \`${shop}\`.account VALUES (1, 'x')`);
    const { configPath } = writeTaskConfig(server, [
      {
        database: crm,
        tables: [{ name: 'account', target: 'crm_account', columns: { acct_no: 'account_number' } }],
      },
      { database: shop, tables: '*' },
    ]);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    await server.query(`UPDATE \`${crm}\`.account SET \`order\` = 'c' WHERE acct_no = 2`);
    await server.query(`INSERT INTO \`${shop}\`.item VALUES (7)`);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);

    const sink = await openWarehouse(configPath);
    const names = (await sink.sqlRows('SELECT table_name FROM information_schema.tables ORDER BY 1')).map(
      (r) => r[0],
    );
    const columns = (
      await sink.sqlRows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'crm_account_log' ORDER BY ordinal_position",
      )
    ).map((r) => r[0]);
    await sink.close();
    expect(names).toEqual(
      expect.arrayContaining(['crm_account_base', 'crm_account_log', 'account_base', 'item_log']),
    );
    expect(names).not.toContain('v_base');
    expect(columns).toEqual([
      'record_id',
      'operation_flag',
      'utc_timestamp',
      'before_flag',
      'after_flag',
      'account_number',
      'order',
    ]);
    expect(await mergedRows(configPath, 'crm_account')).toEqual(await sourceRows(server, crm, 'account'));
    expect(await mergedRows(configPath, 'item')).toEqual(await sourceRows(server, shop, 'item'));
    const sql = await runCli([
      'merge',
      '--config',
      configPath,
      '--table',
      'crm_account',
      '--at',
      '2000000000',
      '--print-sql',
      '--dialect',
      'maxcompute',
    ]);
    expect(sql.stdout).toContain('set odps.sql.allow.fullscan=true;');
    expect(sql.stdout).toContain('`account_number`');

    const merge = (...args: string[]) =>
      runCli(['merge', '--config', configPath, '--table', 'item', ...args]);
    const now = Math.floor(Date.now() / 1000);
    // A dialect without --print-sql would silently run a DuckDB merge: refused.
    const dialectOnly = await merge('--at', String(now), '--dialect', 'spark');
    expect(dialectOnly.code).toBe(2);
    expect(dialectOnly.stderr).toContain('--dialect applies to --print-sql only');
    // A second that has not come yet: refused.
    const future = await merge('--at', String(now + 3600));
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('is in the future');
    // No sync runs: the result may miss the source's later changes, and says so (half a minute on,
    // well after the last captured change, within the slack for clocks).
    const offline = await merge('--at', String(now + 30));
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('warning: no sync is running');
    expect(offline.stderr).toContain('binlake sync --until-caught-up');
    // --until-caught-up recorded the moment it read the source's end: up to there nothing is
    // missing, so a merge at that second has no warning.
    const status = JSON.parse((await runCli(['status', '--config', configPath, '--json'])).stdout);
    expect(status.completeAsOf).toBeGreaterThan(now - 600);
    expect(offline.stderr).toContain(`known to hold every change from before`);
    const complete = await merge('--at', String(status.completeAsOf));
    expect(complete.code, complete.stderr).toBe(0);
    expect(complete.stderr).toBe('');
  });

  it('refuses existing target tables under existingTables: precheck, reuses them under ignore', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('exist');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'a'), (2, 'b')`);
    const { configPath, warehouse } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    const instance = await DuckDBInstance.create(warehouse);
    const conn = await instance.connect();
    await conn.run('CREATE TABLE t_base (id INTEGER, v VARCHAR)');
    await conn.run("INSERT INTO t_base VALUES (1, 'a')");
    conn.closeSync();
    instance.closeSync();

    const refused = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('t_base');
    const precheck = await runCli(['precheck', '--config', configPath, '--json']);
    expect(precheck.code).toBe(1);
    expect(JSON.parse(precheck.stdout).findings).toContainEqual(
      expect.objectContaining({ item: 'destination.existing-tables', result: 'fail' }),
    );

    const ignoring = writeTaskConfig(server, [{ database: db, tables: ['t'] }], { existingTables: 'ignore' });
    const { copyFileSync } = await import('node:fs');
    copyFileSync(warehouse, ignoring.warehouse);
    const reused = await runCli(['sync', '--config', ignoring.configPath, '--until-caught-up']);
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.stderr).toMatch(/consistency is not guaranteed/i);
    expect(await mergedRows(ignoring.configPath, 't')).toEqual(await sourceRows(server, db, 't'));
  });
});
