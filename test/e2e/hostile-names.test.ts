import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalText } from '../../src/core/values.js';
import { runCli } from '../harness/cli.js';
import { checkLog } from '../harness/crash.js';
import { sharedServer } from '../harness/server.js';
import { openWarehouse, sourceRows, writeTaskConfig } from '../harness/sync-fixtures.js';

/**
 * Hostile identifiers: database, table and column names with backticks, double and single
 * quotes, spaces, unicode, reserved words, SQL fragments and 64 characters — synced, merged and
 * verified, with no SQL injection into the source's or the warehouse's SQL.
 */
const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;
const dq = (name: string) => `"${name.replaceAll('"', '""')}"`;

const TABLES = {
  reserved: 'order',
  quotes: 'ta`ble "x" \'y\'',
  injection: 'x"; DROP TABLE probe_base; --',
  long: `lönger_${'ü'.repeat(57)}`, // 64 characters
};
const COLUMNS = {
  key: 'select',
  part: 'group',
  quoted: 'co`l "1" \'q\'',
  spaced: 'spa ce ünï',
  long: `c${'x'.repeat(63)}`, // 64 characters
};

async function mergedOf(configPath: string, target: string): Promise<string[][]> {
  const sink = await openWarehouse(configPath);
  try {
    const into = '_hostile_merge';
    await sink.mergeAsOf(target, 32_503_680_000, into);
    const rows = await sink.readRows(target, into);
    await sink.sqlRows(`DROP TABLE ${dq(into)}`);
    return rows
      .map((r) => r.map(canonicalText))
      .sort((a, b) => (a.join('\u0001') < b.join('\u0001') ? -1 : 1));
  } finally {
    await sink.close();
  }
}

describe('hostile names', () => {
  it('syncs and merges tables and columns with hostile names, 64-character names included', async () => {
    expect([...TABLES.long].length).toBe(64);
    expect([...COLUMNS.long].length).toBe(64);
    const server = sharedServer();
    const db = `h\`"' ü select ${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    await server.query(`DROP DATABASE IF EXISTS ${q(db)}`);
    await server.query(`CREATE DATABASE ${q(db)} CHARACTER SET utf8mb4`);
    const probe = await server.freshDatabase('probe');
    await server.query(`CREATE TABLE \`${probe}\`.probe (id INT PRIMARY KEY)`);
    const c = COLUMNS;
    for (const table of Object.values(TABLES)) {
      await server.query(
        `CREATE TABLE ${q(db)}.${q(table)} (${q(c.key)} INT NOT NULL, ${q(c.part)} VARCHAR(20) NOT NULL, ` +
          `${q(c.quoted)} VARCHAR(50), ${q(c.spaced)} INT, ${q(c.long)} TEXT, PRIMARY KEY (${q(c.key)}, ${q(c.part)}))`,
      );
      await server.query(
        `INSERT INTO ${q(db)}.${q(table)} VALUES (1, 'a''b', 'x"; DROP TABLE t; --', 1, '\`'), (2, '"', NULL, 2, 'ü'), (3, 'c', '''', 3, '')`,
      );
    }
    const tables = Object.values(TABLES);
    const { configPath, dir } = writeTaskConfig(server, [
      { database: db, tables },
      { database: probe, tables: ['probe'] },
    ]);
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    // Changes through the binlog: update (key change included), delete, insert.
    for (const table of tables) {
      await server.query(
        `UPDATE ${q(db)}.${q(table)} SET ${q(c.quoted)} = 'upd''"\`', ${q(c.spaced)} = 9 WHERE ${q(c.key)} = 1`,
      );
      await server.query(`UPDATE ${q(db)}.${q(table)} SET ${q(c.key)} = 20 WHERE ${q(c.key)} = 2`);
      await server.query(`DELETE FROM ${q(db)}.${q(table)} WHERE ${q(c.key)} = 3`);
      await server.query(`INSERT INTO ${q(db)}.${q(table)} VALUES (4, 'd;--', '/* */', 4, 'ok')`);
    }
    await server.query(
      `ALTER TABLE ${q(db)}.${q(TABLES.quotes)} ADD COLUMN ${q('new `"\' col')} INT DEFAULT 7`,
    );
    await server.query(`INSERT INTO ${q(db)}.${q(TABLES.quotes)} VALUES (5, 'e', 'after ddl', 5, 'x', 8)`);
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stdout + second.stderr).toBe(0);

    for (const table of tables) {
      expect(await mergedOf(configPath, table), `merge of ${table}`).toEqual(
        await sourceRows(server, db, table),
      );
      const log = await checkLog(configPath, table, [...tables, 'probe']);
      expect(log.problems).toEqual([]);
      expect(log.counts).toEqual({ I: table === TABLES.quotes ? 2 : 1, U: 2, D: 1 });
    }
    // No injection into the warehouse: the probe tables are intact.
    const sink = await openWarehouse(configPath);
    const names = (await sink.sqlRows('SELECT table_name FROM information_schema.tables')).map((r) => r[0]);
    await sink.close();
    expect(names).toContain('probe_base');
    expect(names).toContain('probe_log');
    for (const table of tables) expect(names).toContain(`${table}_base`);
    // …nor into the source.
    expect(await server.query(`SELECT COUNT(*) AS n FROM \`${probe}\`.probe`)).toEqual([{ n: '0' }]);

    const verify = await runCli(['verify', '--config', configPath]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // The merge command with a hostile target and an --into name with quotes.
    const merge = await runCli([
      'merge',
      '--config',
      configPath,
      '--table',
      TABLES.injection,
      '--at',
      String(Math.floor(Date.now() / 1000) + 1),
      '--into',
      'm "1"; --',
    ]);
    expect(merge.code, merge.stdout + merge.stderr).toBe(0);
    const sql = await runCli([
      'merge',
      '--config',
      configPath,
      '--table',
      TABLES.quotes,
      '--at',
      String(Math.floor(Date.now() / 1000) + 1),
      '--print-sql',
      '--dialect',
      'maxcompute',
    ]);
    expect(sql.code, sql.stderr).toBe(0);
    expect(sql.stdout).toContain('`ta``ble "x" \'y\'_log`');
    expect(existsSync(path.join(dir, 'warehouse.duckdb'))).toBe(true);
    await server.query(`DROP DATABASE ${q(db)}`);
  }, 300_000);

  it('a config with hostile names or paths is rejected or handled, never executed', async () => {
    const server = sharedServer();
    const probe = await server.freshDatabase('probe2');
    await server.query(`CREATE TABLE \`${probe}\`.keep (id INT PRIMARY KEY)`);
    const marker = `/tmp/binlake-pwned-${process.pid}`;
    // A database name that is SQL, and a destination path that is shell.
    const { configPath } = writeTaskConfig(
      server,
      [{ database: `x\`; DROP DATABASE \`${probe}\`; -- `, tables: ['t'] }],
      { destination: { type: 'duckdb', path: `/tmp/binlake-$(touch ${marker})/w';DROP TABLE x;--.duckdb` } },
    );
    const precheck = await runCli(['precheck', '--config', configPath]);
    expect([1, 2], precheck.stdout + precheck.stderr).toContain(precheck.code);
    const sync = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect([1, 2], sync.stdout + sync.stderr).toContain(sync.code);
    expect(existsSync(marker), 'the destination path was run by a shell').toBe(false);
    expect(await server.query(`SHOW DATABASES LIKE '${probe}'`)).toHaveLength(1);
    expect(await server.query(`SELECT COUNT(*) AS n FROM \`${probe}\`.keep`)).toEqual([{ n: '0' }]);
    // A table pattern that is not a name.
    const { configPath: other } = writeTaskConfig(server, [{ database: probe, tables: ["keep' OR '1'='1"] }]);
    const r = await runCli(['sync', '--config', other, '--until-caught-up']);
    expect([1, 2], r.stdout + r.stderr).toContain(r.code);
    expect(await server.query(`SELECT COUNT(*) AS n FROM \`${probe}\`.keep`)).toEqual([{ n: '0' }]);
  }, 120_000);
});
