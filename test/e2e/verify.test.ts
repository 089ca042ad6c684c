import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/sandbox/mariadb-sandbox.js';
import { runCli } from '../harness/cli.js';
import { SyncProcess, sleep } from '../harness/crash.js';
import { sharedServer } from '../harness/server.js';
import { openWarehouse, writeTaskConfig } from '../harness/sync-fixtures.js';

/**
 * `binlake verify` as a user runs it: equal → 0; a value changed behind binlake's back (in the
 * warehouse `_base`, or in the source while binlake is stopped) → 1 with the differing key and
 * both values printed; a bad config → 2; through the API of a running sync and without one.
 */
describe('binlake verify', () => {
  it('exits 0 when equal, 1 with key and both values when different, 2 on a bad config', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('verify');
    await server.query(
      `CREATE TABLE \`${db}\`.items (id INT NOT NULL, part CHAR(2) NOT NULL, name VARCHAR(40), qty INT, PRIMARY KEY (id, part))`,
    );
    await server.query(
      `INSERT INTO \`${db}\`.items VALUES (1, 'aa', 'apple', 3), (2, 'bb', 'pear', 5), (3, 'cc', 'plum', 7)`,
    );
    const { configPath, dir } = writeTaskConfig(server, [{ database: db, tables: ['items'] }]);
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stderr).toBe(0);
    await server.query(`UPDATE \`${db}\`.items SET qty = 6 WHERE id = 2`);
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stderr).toBe(0);

    const equal = await runCli(['verify', '--config', configPath]);
    expect(equal.code, equal.stdout + equal.stderr).toBe(0);
    expect(equal.stdout).toMatch(/EQUAL/);
    expect(equal.stdout).toMatch(/verify: equal/);

    // A value changed directly in the warehouse's _base: the merge now disagrees for key (3, cc).
    const sink = await openWarehouse(configPath);
    await sink.sqlRows(`UPDATE items_base SET name = 'tampered' WHERE id = 3`);
    await sink.close();
    const different = await runCli(['verify', '--config', configPath]);
    expect(different.code, different.stdout + different.stderr).toBe(1);
    expect(different.stdout).toMatch(/DIFFERENT/);
    expect(different.stdout).toMatch(/key \(3, cc\)/);
    expect(different.stdout).toMatch(/source:.*plum/);
    expect(different.stdout).toMatch(/destination:.*tampered/);

    const json = await runCli(['verify', '--config', configPath, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.equal).toBe(false);
    expect(report.tables[0].differences).toEqual([
      { key: ['3', 'cc'], source: ['3', 'cc', 'plum', '7'], destination: ['3', 'cc', 'tampered', '7'] },
    ]);

    // A row missing on one side is reported with "(missing)".
    const fix = await openWarehouse(configPath);
    await fix.sqlRows(`UPDATE items_base SET name = 'plum' WHERE id = 3`);
    await fix.close();
    expect((await runCli(['verify', '--config', configPath])).code).toBe(0);
    await server.query(`INSERT INTO \`${db}\`.items VALUES (9, 'zz', 'kiwi', 1)`);
    const missing = await runCli(['verify', '--config', configPath, '--table', 'items']);
    expect(missing.code, missing.stdout).toBe(1);
    expect(missing.stdout).toMatch(/key \(9, zz\)/);
    expect(missing.stdout).toMatch(/destination: \(missing\)/);
    // A note explains the difference may be the warehouse lagging (behind the source end), or
    // changes in flight when other writers share the server; it never pretends all is well.
    expect(missing.stdout).toMatch(/note: .*(behind|until-caught-up|changed while verify read it)/);
    await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect((await runCli(['verify', '--config', configPath])).code).toBe(0);

    // Unknown table: not "equal" (its exit code is asserted in the error test below).
    const unknown = await runCli(['verify', '--config', configPath, '--table', 'nope']);
    expect(unknown.code, unknown.stdout + unknown.stderr).not.toBe(0);
    expect(unknown.stderr).toMatch(/BLK_M5002.*nope/);

    // Bad configs → 2.
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'source: { host: 127.0.0.1, port: "not-a-port" }\n');
    const badRun = await runCli(['verify', '--config', bad]);
    expect(badRun.code, badRun.stderr).toBe(2);
    expect(badRun.stderr).toMatch(/source\.port/);
    const none = await runCli(['verify', '--config', path.join(dir, 'does-not-exist.yaml')]);
    expect(none.code).toBe(2);
    const badAt = await runCli(['verify', '--config', configPath, '--at', 'yesterday']);
    expect(badAt.code).toBe(2);
  }, 300_000);

  // verify's 1 means "different", so an error (it could not compare) must be 2.
  it('an error (unknown --table, unreachable source) exits 2, never 1 ("different")', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('verify_err');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    const unknown = await runCli(['verify', '--config', configPath, '--table', 'nope']);
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(2);
    const down = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      source: { ...server.source, port: await freePort(), serverId: 7777 },
      destination: { type: 'duckdb', path: path.join(path.dirname(configPath), 'warehouse.duckdb') },
    });
    const unreachable = await runCli(['verify', '--config', down.configPath]);
    expect(unreachable.code, unreachable.stdout + unreachable.stderr).toBe(2);

    // A synced table dropped on the source (binlake not running): that table is an ERROR with
    // the cause, the others are still compared, and the exit is 2.
    await server.query(`CREATE TABLE \`${db}\`.u (id INT PRIMARY KEY)`);
    const two = writeTaskConfig(server, [{ database: db, tables: ['t', 'u'] }]);
    expect((await runCli(['sync', '--config', two.configPath, '--until-caught-up'])).code).toBe(0);
    await server.query(`DROP TABLE \`${db}\`.u`);
    const dropped = await runCli(['verify', '--config', two.configPath]);
    expect(dropped.code, dropped.stdout + dropped.stderr).toBe(2);
    expect(dropped.stdout).toMatch(/EQUAL\s+\S+\.t → t/);
    expect(dropped.stdout).toMatch(/ERROR\s+\S+\.u → u: .*doesn't exist/);
    expect(dropped.stdout).toContain('verify: ERROR');
  }, 120_000);

  it('--at compares the source now with the merge at that second', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('verify_at');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'one'), (2, 'two')`);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    await sleep(1100);
    const before = Math.floor(Date.now() / 1000) + 1;
    await sleep(before * 1000 - Date.now() + 50);
    // Changed in the source while binlake is stopped: the merge at `before` no longer equals the source.
    await server.query(`UPDATE \`${db}\`.t SET v = 'TWO' WHERE id = 2`);
    expect((await runCli(['sync', '--config', configPath, '--until-caught-up'])).code).toBe(0);
    const now = await runCli(['verify', '--config', configPath]);
    expect(now.code, now.stdout + now.stderr).toBe(0);
    const past = await runCli(['verify', '--config', configPath, '--at', String(before)]);
    expect(past.code, past.stdout + past.stderr).toBe(1);
    expect(past.stdout).toMatch(/key \(2\)/);
    expect(past.stdout).toMatch(/source:.*TWO/);
    expect(past.stdout).toMatch(/destination:.*two/);
  }, 180_000);

  it('works through the API while sync runs', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('verify_live');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(20))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'one'), (2, 'two')`);
    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('full sync of table finished', 60_000), sync.output).toBe(true);
      await server.query(`INSERT INTO \`${db}\`.t VALUES (3, 'three')`);
      await server.query(`UPDATE \`${db}\`.t SET v = 'uno' WHERE id = 1`);
      // verify waits for the running sync to apply the source's binlog end, then compares.
      const live = await runCli(['verify', '--config', configPath]);
      expect(live.code, live.stdout + live.stderr + sync.output.slice(-2000)).toBe(0);
      expect(live.stdout).toMatch(/source 3 rows, merged 3 rows/);
      expect(sync.running, 'verify must not stop the running sync').toBe(true);
      await server.query(`DELETE FROM \`${db}\`.t WHERE id = 2`);
      const again = await runCli(['verify', '--config', configPath, '--json']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).tables[0].sourceRows).toBe(2);
    } finally {
      const stopped = await sync.stop();
      expect(stopped.code, sync.output.slice(-2000)).toBe(0);
    }
  }, 180_000);
});
