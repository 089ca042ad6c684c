import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { openWarehouse, writeTaskConfig } from '../../harness/sync-fixtures.js';

describe('incremental only (initial.full: false)', () => {
  for (const how of ['gtid', 'file'] as const) {
    it(`starts capture at a configured ${how === 'gtid' ? 'GTID' : 'file/position'} and copies nothing`, async () => {
      const server = sharedServer();
      const db = await server.freshDatabase(`start_${how}`);
      await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
      await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'before')`);
      const [{ pos }] = await server.query<{ pos: string }[]>('SELECT @@gtid_binlog_pos AS pos');
      const master = await server.masterStatus();
      await server.query(`INSERT INTO \`${db}\`.t VALUES (2, 'after')`);
      await server.query(`UPDATE \`${db}\`.t SET v = 'upd' WHERE id = 1`);
      const start = how === 'gtid' ? { gtid: pos } : { file: master.file, position: master.position };
      const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
        initial: { schema: true, full: false },
        start,
      });
      const r = await runCli(['sync', '--config', configPath, '--until-caught-up']);
      expect(r.code, r.stderr).toBe(0);
      const sink = await openWarehouse(configPath);
      const base = await sink.readRows('t');
      const log = await sink.readLog('t');
      const state = await sink.readState();
      await sink.close();
      expect(base).toEqual([]);
      expect(log.map((l) => [l.operationFlag, l.beforeFlag, l.afterFlag, ...l.row])).toEqual([
        ['I', 'N', 'Y', 2, 'after'],
        ['U', 'Y', 'N', 1, 'before'],
        ['U', 'N', 'Y', 1, 'upd'],
      ]);
      expect(state.checkpoint?.file).toMatch(/^binlog\.\d+$/);
    });
  }
});
