import { afterAll, describe, expect, it } from 'vitest';
import { comparePositions } from '../../src/core/checkpoint.js';
import { MariadbSandbox, sharedServer } from '../harness/server.js';

describe('test harness', () => {
  it('runs a private MariaDB whose binlog advances on writes', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('harness');
    const before = await server.masterStatus();
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1,'a'),(2,'b')`);
    const after = await server.masterStatus();
    expect(comparePositions(after, before)).toBeGreaterThan(0);
    const vars = await server.query<{ Variable_name: string; Value: string }[]>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_format','binlog_row_image','binlog_checksum','log_bin')",
    );
    const byName = Object.fromEntries(vars.map((v) => [v.Variable_name, v.Value]));
    expect(byName).toMatchObject({
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      binlog_checksum: 'CRC32',
      log_bin: 'ON',
    });
  });

  describe('own sandbox', () => {
    let sandbox: MariadbSandbox;
    afterAll(async () => sandbox?.stop());

    it('restarts with other options and creates limited users', async () => {
      sandbox = await MariadbSandbox.start();
      expect(sandbox.port).not.toBe(3306);
      await sandbox.restart({ extraArgs: ['--binlog-format=STATEMENT'] });
      const [row] = await sandbox.query<{ f: string }[]>('SELECT @@global.binlog_format AS f');
      expect(row.f).toBe('STATEMENT');
      await sandbox.setGlobal('binlog_format', 'MIXED');
      const [row2] = await sandbox.query<{ f: string }[]>('SELECT @@global.binlog_format AS f');
      expect(row2.f).toBe('MIXED');
      const limited = await sandbox.createUser('reader', 's3cret', [{ privileges: 'SELECT', on: '*.*' }]);
      const grants = await sandbox.query<Record<string, string>[]>('SHOW GRANTS FOR ?@?', [
        limited.user,
        '127.0.0.1',
      ]);
      expect(JSON.stringify(grants)).toContain('GRANT SELECT ON *.*');
    });
  });
});
