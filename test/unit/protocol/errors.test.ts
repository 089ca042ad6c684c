import { describe, expect, it } from 'vitest';
import { missingStartFile, replicationServerError } from '../../../src/protocol/errors.js';

const err = (code: number, message: string) => ({ code, sqlState: 'HY000', message });
const at = { file: 'binlog.000001', position: 5, serverId: 4242 };

describe('replicationServerError', () => {
  it('a start position inside an event (MariaDB "bogus data", MySQL "corrupted data") says it must be an event boundary', () => {
    for (const message of [
      "bogus data in log event; the first event 'binlog.000001' at 5, the last event read from 'binlog.000001' at 5, the last byte read from 'binlog.000001' at 24.",
      "binlog truncated in the middle of event; consider out of disk space on master; the first event 'binlog.000001' at 100",
      'Client requested master to start replication from impossible position',
      'Client requested source to start replication from position > file size',
      'corrupted data in log event',
    ]) {
      const e = replicationServerError(err(1236, message), at);
      expect(e.code).toBe('BLK_P3002');
      expect(e.message).toContain('cannot read an event at binlog.000001:5');
      expect(e.remedy).toContain("SHOW BINLOG EVENTS IN 'binlog.000001'");
      expect(e.remedy).toMatch(/where an event starts: 4/);
      expect(e.details).toMatchObject({ serverCode: 1236, serverMessage: message, file: 'binlog.000001' });
    }
  });

  it('another replica with the same server id (MariaDB 4052, MySQL 1236) names the id and the options to change', () => {
    for (const [code, message] of [
      [4052, 'A slave with the same server_uuid/server_id is already connected'],
      [1236, 'A replica with the same server_uuid/server_id as this replica has connected to the source'],
      [1236, 'A slave with the same server_uuid/server_id as this slave has connected to the master'],
    ] as const) {
      const e = replicationServerError(err(code, message), at);
      expect(e.code).toBe('BLK_P3002');
      expect(e.message).toContain('another replica registered with server id 4242');
      expect(e.remedy).toContain('source.serverId');
      expect(e.remedy).toContain('--server-id');
      expect(e.remedy).toContain('4242');
      expect(e.details.serverId).toBe(4242);
    }
  });

  it('a purged position stays BLK_S1204 with the resnapshot remedy (binlake sync’s own checkpoint)', () => {
    const e = replicationServerError(
      err(1236, 'Could not find first log file name in binary log index file'),
      {
        file: 'binlog.000003',
        position: 1234,
      },
    );
    expect(e.code).toBe('BLK_S1204');
    expect(e.remedy).toContain('binlake sync --resnapshot');
    expect(e.details).toMatchObject({ file: 'binlog.000003', position: 1234 });
    expect(e.details).not.toHaveProperty('serverId');
  });

  it('any other server error has a remedy too', () => {
    const e = replicationServerError(err(1105, 'Unknown error'), at);
    expect(e.code).toBe('BLK_P3002');
    expect(e.remedy).toBeTruthy();
  });
});

describe('missingStartFile (binlake binlog dump --start-file)', () => {
  const purged = (file: string) =>
    replicationServerError(err(1236, 'Could not find first log file name in binary log index file'), {
      file,
      position: 4,
    });
  const files = ['binlog.000003', 'binlog.000004', 'binlog.000005'];

  it('a file after the newest, or under another name, does not exist: BLK_C0006 with the first and last files', () => {
    for (const file of ['binlog.000099', 'mysql-bin.000001', 'binlog.000004x']) {
      const e = missingStartFile(purged(file), files);
      expect(e.code).toBe('BLK_C0006');
      expect(e.message).toBe(
        `--start-file ${file} does not exist on the source (it has binlog.000003 … binlog.000005)`,
      );
      expect(e.remedy).toContain('leave --start-file out');
      expect(e.details).toMatchObject({ file, firstFile: 'binlog.000003', lastFile: 'binlog.000005' });
    }
  });

  it('an older file of the same series was purged: BLK_S1204 naming the oldest file left', () => {
    const e = missingStartFile(purged('binlog.000001'), files);
    expect(e.code).toBe('BLK_S1204');
    expect(e.message).toBe(
      'the source no longer has binlog.000001 (purged; it has binlog.000003 … binlog.000005)',
    );
    expect(e.remedy).toContain('--start-file binlog.000003');
  });

  it('leaves other errors, listed files and an empty list alone', () => {
    const other = replicationServerError(err(1236, 'bogus data in log event'), at);
    expect(missingStartFile(other, files)).toBe(other);
    const listed = purged('binlog.000004');
    expect(missingStartFile(listed, files)).toBe(listed);
    const e = purged('binlog.000099');
    expect(missingStartFile(e, [])).toBe(e);
  });
});
