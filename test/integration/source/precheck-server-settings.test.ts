import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../../src/config/config.js';
import { isBinlakeError } from '../../../src/core/errors.js';
import type { Finding } from '../../../src/core/finding.js';
import { binlogFileAvailable, currentBinlogEnd, listBinlogFiles } from '../../../src/source/binlog-status.js';
import { openSourceConnection } from '../../../src/source/connection.js';
import { formatFindings, runPrecheck } from '../../../src/source/precheck/index.js';
import { MariadbSandbox } from '../../harness/server.js';

/** Items that need the server's global settings changed run on their own sandbox, restarted once. */
describe('precheck of binlog settings on an own sandbox', () => {
  let sandbox: MariadbSandbox;
  let config: Config;

  const item = (findings: Finding[], name: string): Finding => {
    const found = findings.find((f) => f.item === name);
    if (!found) throw new Error(`no ${name} in\n${formatFindings(findings)}`);
    return found;
  };

  beforeAll(async () => {
    sandbox = await MariadbSandbox.start();
    await sandbox.query('CREATE DATABASE shop');
    await sandbox.query('CREATE TABLE shop.t (id INT PRIMARY KEY)');
    config = parseConfig({
      source: { host: sandbox.host, port: sandbox.port, user: 'root', password: '', serverId: 4242 },
      destination: { type: 'duckdb', path: '/tmp/unused.duckdb' },
      objects: [{ database: 'shop', tables: ['t'] }],
    });
  });
  afterAll(async () => sandbox?.stop());

  it('reads the binlog end, GTID position and files', async () => {
    const conn = await openSourceConnection(config.source);
    try {
      await sandbox.query('INSERT INTO shop.t VALUES (1)');
      const end = await currentBinlogEnd(conn);
      expect(end.file).toMatch(/^binlog\.\d+$/);
      expect(end.position).toBeGreaterThan(4);
      expect(end.gtid).toMatch(/^\d+-\d+-\d+/);
      const files = await listBinlogFiles(conn);
      expect(files.map((f) => f.file)).toContain(end.file);
      expect(binlogFileAvailable(files, end)).toBe(true);
      // A file the server no longer lists (purged) is not available.
      expect(binlogFileAvailable(files, { file: 'binlog.000000', position: 4 })).toBe(false);
    } finally {
      await conn.close();
    }
  });

  it('binlog_format, binlog_row_image, retention and server_id problems are each reported', async () => {
    await sandbox.setGlobal('binlog_format', 'STATEMENT');
    await sandbox.setGlobal('binlog_row_image', 'MINIMAL');
    await sandbox.setGlobal('binlog_expire_logs_seconds', 7200);
    const findings = await runPrecheck({
      ...config,
      source: { ...config.source, serverId: sandbox.serverId },
    });
    expect(item(findings, 'binlog.format')).toMatchObject({ result: 'fail' });
    expect(item(findings, 'binlog.format').found).toContain('STATEMENT');
    expect(item(findings, 'binlog.format').remedy).toContain("SET GLOBAL binlog_format='ROW'");
    expect(item(findings, 'binlog.row_image')).toMatchObject({ result: 'fail' });
    expect(item(findings, 'binlog.row_image').found).toContain('MINIMAL');
    expect(item(findings, 'binlog.retention')).toMatchObject({ result: 'warn' });
    expect(item(findings, 'binlog.retention').found).toContain('2 hours');
    expect(item(findings, 'server.server_id')).toMatchObject({ result: 'fail' });

    await sandbox.setGlobal('binlog_format', 'ROW');
    await sandbox.setGlobal('binlog_row_image', 'FULL');
    await sandbox.setGlobal('binlog_row_metadata', 'FULL');
    await sandbox.setGlobal('binlog_expire_logs_seconds', 0);
    const fixed = await runPrecheck(config);
    expect(
      fixed.filter((f) => f.result !== 'pass'),
      formatFindings(fixed),
    ).toEqual([]);
  });

  it('log_bin off fails, and the binlog end says why', async () => {
    await sandbox.restart({ noBinlog: true });
    const findings = await runPrecheck(config);
    const logBin = item(findings, 'binlog.log_bin');
    expect(logBin.result).toBe('fail');
    expect(logBin.remedy).toContain('log-bin');
    const conn = await openSourceConnection(config.source);
    try {
      const error = await currentBinlogEnd(conn).catch((e: unknown) => e);
      expect(isBinlakeError(error, 'BLK_S1201')).toBe(true);
    } finally {
      await conn.close();
    }
  });
});
