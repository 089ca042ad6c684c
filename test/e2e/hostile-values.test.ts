import { describe, expect, it } from 'vitest';
import { runCli } from '../harness/cli.js';
import { checkLog } from '../harness/crash.js';
import { sharedServer } from '../harness/server.js';
import { mergedRows, sourceRows, writeTaskConfig } from '../harness/sync-fixtures.js';

/**
 * Hostile values, through the full sync and through the binlog: strings with NUL bytes and
 * quotes, invalid-looking UTF-8 in binary columns, a 16 MB blob (a binlog event larger than one
 * 16 MB packet), and a maximum-length row (InnoDB's 65,535-byte row limit). Merged == source.
 */
describe('hostile values', () => {
  it('keeps NUL bytes, invalid UTF-8 in binary columns, 16 MB blobs and maximum-length rows', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('hvalues');
    const conn = await server.connect(db);
    try {
      await conn.query(
        'CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s VARCHAR(100), b VARBINARY(100), c CHAR(10), lb LONGBLOB, tx LONGTEXT)',
      );
      // Maximum row: 65,535 bytes minus the length prefix and null bitmap for the non-BLOB columns.
      await conn.query(
        'CREATE TABLE wide (id INT NOT NULL PRIMARY KEY, v VARCHAR(65524) CHARACTER SET latin1 NOT NULL)',
      );
      const rows = async (base: number) => {
        await conn.query('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', [
          base + 1,
          'nul\u0000in\u0000the middle\u0000',
          Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0x28, 0x00]),
          '\u0000',
          Buffer.from([0xc0, 0x80, 0xed, 0xa0, 0x80, 0x00, 0x00]),
          'quotes \' " ` \\ ; -- /* */ \u0000 😀',
        ]);
        await conn.query('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', [
          base + 2,
          '',
          Buffer.alloc(0),
          '',
          Buffer.alloc(16 * 1024 * 1024, 0xab).fill(0x00, 100, 200),
          'x'.repeat(1_000_000),
        ]);
        await conn.query('INSERT INTO wide VALUES (?, ?)', [base + 1, 'w'.repeat(65524)]);
      };
      await rows(0);
      const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t', 'wide'] }]);
      const first = await runCli(['sync', '--config', configPath, '--until-caught-up'], {
        timeoutMs: 300_000,
      });
      expect(first.code, first.stderr.slice(-3000)).toBe(0);

      // The same values again through the binlog, plus updates that touch the big ones.
      await rows(100);
      await conn.query("UPDATE t SET lb = CONCAT(lb, x'00ff'), s = CONCAT(s, '\\0') WHERE id = 102");
      await conn.query("UPDATE wide SET v = CONCAT(LEFT(v, 65523), 'z') WHERE id = 101");
      await conn.query('DELETE FROM t WHERE id = 1');
      const second = await runCli(['sync', '--config', configPath, '--until-caught-up'], {
        timeoutMs: 300_000,
      });
      expect(second.code, second.stderr.slice(-3000)).toBe(0);

      for (const table of ['t', 'wide']) {
        const merged = await mergedRows(configPath, table);
        const source = await sourceRows(server, db, table);
        expect(merged.length, table).toBe(source.length);
        // Compare row by row without printing 16 MB on failure.
        for (let i = 0; i < source.length; i++) {
          const same = merged[i].length === source[i].length && merged[i].every((v, j) => v === source[i][j]);
          if (!same) {
            const col = source[i].findIndex((v, j) => v !== merged[i][j]);
            expect.fail(
              `${table} row ${i} column ${col}: source ${source[i][col]?.slice(0, 200)} (${source[i][col]?.length} chars) vs merged ${merged[i][col]?.slice(0, 200)} (${merged[i][col]?.length} chars)`,
            );
          }
        }
        expect((await checkLog(configPath, table, ['t', 'wide'])).problems).toEqual([]);
      }
      const verify = await runCli(['verify', '--config', configPath], { timeoutMs: 300_000 });
      expect(verify.code, verify.stdout.slice(-3000) + verify.stderr.slice(-3000)).toBe(0);
    } finally {
      await conn.end();
    }
  }, 400_000);
});
