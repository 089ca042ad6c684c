import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import type { BinlogEvent } from '../../../src/binlog/events/types.js';
import { openBinlogFiles } from '../../../src/binlog/file-reader.js';
import { BinlakeError } from '../../../src/core/errors.js';
import { MariadbSandbox } from '../../harness/server.js';
import { binlogPaths, decodeAll } from './binlog-files.js';

/**
 * The events around the rows: GTIDs, queries, annotate, XID, rotation, compressed events,
 * MINIMAL (partial) row images and a checksum switch, all from a real MariaDB's files.
 */
describe('binlog events from a real MariaDB', () => {
  let sandbox: MariadbSandbox;
  let db: string;
  let events: BinlogEvent[];
  let oldSelect: Record<string, string | null>[];
  const OLD = [
    { name: 't3', kind: 'time' as const, fsp: 3 },
    { name: 'd3', kind: 'datetime' as const, fsp: 3 },
    { name: 's3', kind: 'timestamp' as const, fsp: 3 },
    { name: 't0', kind: 'time' as const, fsp: 0 },
    { name: 'd0', kind: 'datetime' as const, fsp: 0 },
    { name: 's0', kind: 'timestamp' as const, fsp: 0 },
    { name: 't6', kind: 'time' as const, fsp: 6 },
    { name: 'd6', kind: 'datetime' as const, fsp: 6 },
    { name: 'd1', kind: 'datetime' as const, fsp: 1 },
  ];

  beforeAll(async () => {
    sandbox = await MariadbSandbox.start({ extraArgs: ['--binlog-row-metadata=FULL'] });
    db = await sandbox.freshDatabase('events');
    await sandbox.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(400), n INT)`);
    await sandbox.query(`INSERT INTO \`${db}\`.t VALUES (1,'a',10),(2,'b',20)`);
    await sandbox.query(`UPDATE \`${db}\`.t SET v='bb' WHERE id=2`);
    await sandbox.query(`DELETE FROM \`${db}\`.t WHERE id=1`);
    await sandbox.query(`SET SESSION binlog_row_image=MINIMAL; UPDATE \`${db}\`.t SET n=21 WHERE id=2`);
    await sandbox.query('SET GLOBAL log_bin_compress=ON');
    await sandbox.query(`INSERT INTO \`${db}\`.t VALUES (3, REPEAT('z', 400), 30) /* ${'x'.repeat(300)} */`);
    await sandbox.query(`CREATE TABLE \`${db}\`.long_ddl (id INT PRIMARY KEY) COMMENT '${'c'.repeat(300)}'`);
    await sandbox.query('SET GLOBAL log_bin_compress=OFF');
    await sandbox.query('FLUSH BINARY LOGS');
    await sandbox.query("SET GLOBAL binlog_checksum='NONE'");
    await sandbox.query(`INSERT INTO \`${db}\`.t VALUES (4,'after checksum off',40)`);
    // MariaDB's pre-10.1 temporal formats: fractional columns without metadata
    await sandbox.query('SET GLOBAL mysql56_temporal_format=OFF');
    await sandbox.query(
      `CREATE TABLE \`${db}\`.old (id INT PRIMARY KEY, t3 TIME(3), d3 DATETIME(3), s3 TIMESTAMP(3) NULL, t0 TIME, d0 DATETIME, s0 TIMESTAMP NULL, t6 TIME(6), d6 DATETIME(6), d1 DATETIME(1))`,
    );
    await sandbox.query('SET GLOBAL mysql56_temporal_format=ON');
    await sandbox.query(
      `INSERT INTO \`${db}\`.old VALUES (1, '-12:34:56.789', '2020-01-02 03:04:05.678', '2021-01-01 00:00:00.5', '-838:59:59', '2020-02-29 01:02:03', '2001-01-01 01:01:01', '-00:00:00.000001', '9999-12-31 23:59:59.999999', '1000-01-01 00:00:00.1'),
        (2, '838:59:59.999', '0000-00-00 00:00:00.000', NULL, '00:00:00', '1000-01-01 00:00:00', NULL, '838:59:59.999999', '2020-02-29 12:34:56.000001', NULL)`,
    );
    await sandbox.query('SET GLOBAL log_bin_compress=ON');
    await sandbox.query(`UPDATE \`${db}\`.t SET v = REPEAT('y', 400) WHERE id = 3`);
    await sandbox.query(`DELETE FROM \`${db}\`.t WHERE id = 3`);
    await sandbox.query('SET GLOBAL log_bin_compress=OFF');
    oldSelect = await sandbox.query<Record<string, string | null>[]>(
      `SELECT ${OLD.map((c) => `CAST(${c.name} AS CHAR) AS ${c.name}`).join(', ')} FROM \`${db}\`.old ORDER BY id`,
    );
    const oldHint = {
      database: db,
      table: 'old',
      key: ['id'],
      keySource: 'primary' as const,
      columns: [{ name: 'id', kind: 'int' as const, fsp: null }, ...OLD].map((c) => ({
        name: c.name,
        kind: c.kind,
        columnType: c.kind,
        unsigned: false,
        nullable: true,
        length: null,
        scale: null,
        fsp: c.fsp,
        charset: null,
        members: null,
        defaultSql: null,
      })),
    };
    events = await decodeAll(sandbox.dir, {
      schemaFor: (_d, table) => (table === 'old' ? oldHint : undefined),
    });
  });
  afterAll(async () => sandbox?.stop());

  const mine = (e: BinlogEvent) =>
    (e.type === 'write_rows' || e.type === 'update_rows' || e.type === 'delete_rows') &&
    e.table.database === db;

  it('starts each file with FORMAT_DESCRIPTION and GTID_LIST and knows the checksum', () => {
    const fdes = events.filter((e) => e.type === 'format_description');
    expect(fdes.length).toBeGreaterThanOrEqual(3);
    expect(fdes[0].type === 'format_description' && fdes[0].checksumAlgorithm).toBe('crc32');
    const last = fdes[fdes.length - 1];
    expect(last.type === 'format_description' && last.checksumAlgorithm).toBe('none');
    expect(last.type === 'format_description' && last.serverVersion).toMatch(/MariaDB/);
    expect(events.some((e) => e.type === 'mariadb_gtid_list')).toBe(true);
    expect(events.some((e) => e.type === 'binlog_checkpoint')).toBe(true);
    const rotates = events.filter((e) => e.type === 'rotate');
    expect(rotates.length).toBeGreaterThanOrEqual(2);
    expect(rotates[0].type === 'rotate' && rotates[0].nextFile).toBe('binlog.000002');
    expect(rotates[0].type === 'rotate' && rotates[0].fake).toBe(false);
  });

  it('decodes transactions: GTID, BEGIN, annotate, table map, rows, XID', () => {
    const i = events.findIndex((e) => e.type === 'write_rows' && e.table.database === db);
    // MariaDB's GTID event stands in for BEGIN
    const window = events.slice(i - 3, i + 2).map((e) => e.type);
    expect(window).toEqual(['mariadb_gtid', 'rows_query', 'table_map', 'write_rows', 'xid']);
    const gtid = events[i - 3];
    expect(gtid.type === 'mariadb_gtid' && gtid.gtid).toMatch(/^0-1-\d+$/);
    expect(gtid.type === 'mariadb_gtid' && gtid.standalone).toBe(false);
    const annotate = events[i - 2];
    expect(annotate.type === 'rows_query' && annotate.sql).toContain('INSERT INTO');
    const ddl = events.find((e) => e.type === 'query' && e.sql.startsWith('CREATE TABLE'));
    expect(ddl?.type === 'query' && ddl.database).toBe('');
    expect(ddl?.type === 'query' && ddl.charset).toBe('utf8mb4');
    const ddlGtid = events[events.indexOf(ddl as BinlogEvent) - 1];
    expect(ddlGtid.type === 'mariadb_gtid' && ddlGtid.standalone).toBe(true);
  });

  it('gives inserts, update pairs, deletes and a partial (MINIMAL) update', () => {
    const rows = events.filter(mine).map((e) => {
      if (e.type === 'update_rows')
        return {
          type: e.type,
          partial: e.partial,
          rows: e.rows,
          present: [e.presentColumns, e.presentColumnsAfter],
        };
      if (e.type === 'write_rows' || e.type === 'delete_rows')
        return { type: e.type, partial: e.partial, rows: e.rows, compressed: e.compressed };
      return null;
    });
    expect(rows[0]).toEqual({
      type: 'write_rows',
      partial: false,
      compressed: false,
      rows: [
        [1, 'a', 10],
        [2, 'b', 20],
      ],
    });
    expect(rows[1]).toEqual({
      type: 'update_rows',
      partial: false,
      rows: [{ before: [2, 'b', 20], after: [2, 'bb', 20] }],
      present: [null, null],
    });
    expect(rows[2]).toEqual({ type: 'delete_rows', partial: false, compressed: false, rows: [[1, 'a', 10]] });
    expect(rows[3]).toEqual({
      type: 'update_rows',
      partial: true,
      rows: [{ before: [2, null, null], after: [null, null, 21] }],
      present: [[0], [2]],
    });
    expect(rows[4]).toEqual({
      type: 'write_rows',
      partial: false,
      compressed: true,
      rows: [[3, 'z'.repeat(400), 30]],
    });
    expect(rows[5]).toEqual({
      type: 'write_rows',
      partial: false,
      compressed: false,
      rows: [[4, 'after checksum off', 40]],
    });
  });

  it("decodes MariaDB's old (hires) temporal formats with the schema hint's fsp", () => {
    const write = events.find((e) => e.type === 'write_rows' && e.table.table === 'old');
    expect(write?.type === 'write_rows' && write.rows).toEqual(
      oldSelect.map((r, i) => [i + 1, ...OLD.map((c) => r[c.name])]),
    );
  });

  it('inflates MariaDB compressed UPDATE and DELETE rows events', () => {
    const compressed = events.filter(
      (e) => (e.type === 'update_rows' || e.type === 'delete_rows') && e.compressed && e.table.table === 't',
    );
    expect(compressed.map((e) => e.type)).toEqual(['update_rows', 'delete_rows']);
    const [update, del] = compressed;
    expect(update.type === 'update_rows' && update.rows).toEqual([
      { before: [3, 'z'.repeat(400), 30], after: [3, 'y'.repeat(400), 30] },
    ]);
    expect(del.type === 'delete_rows' && del.rows).toEqual([[3, 'y'.repeat(400), 30]]);
  });

  it('inflates MariaDB compressed QUERY events', () => {
    const compressed = events.filter((e) => e.type === 'query' && e.compressed);
    expect(compressed.length).toBe(1);
    expect(compressed[0].type === 'query' && compressed[0].sql).toContain(`COMMENT '${'c'.repeat(300)}'`);
    expect(compressed[0].type === 'query' && compressed[0].database).toBe('');
  });

  it('dumps every event as JSON', () => {
    for (const e of events) {
      const dumped = e.dump();
      expect(JSON.parse(JSON.stringify(dumped))).toEqual(dumped);
      expect(dumped.type).toBe(e.type);
    }
    const write = events.find(mine);
    expect(write?.dump()).toMatchObject({
      type: 'write_rows',
      database: db,
      table: 't',
      rows: [
        [1, 'a', 10],
        [2, 'b', 20],
      ],
    });
  });

  it('reports a wrong checksum as BLK_B2002 with file and position', async () => {
    const [first] = await binlogPaths(sandbox.dir);
    const bytes = await readFile(first);
    const decoder = new BinlogDecoder();
    const source = openBinlogFiles([first]);
    let n = 0;
    let caught: unknown;
    for await (const raw of source) {
      if (++n === 3) raw.bytes[raw.bytes.length - 6] ^= 0xff;
      try {
        decoder.decode(raw);
      } catch (error) {
        caught = error;
        break;
      }
    }
    await source.close();
    expect(caught).toBeInstanceOf(BinlakeError);
    const error = caught as BinlakeError;
    expect(error.code).toBe('BLK_B2002');
    expect(error.details).toMatchObject({ file: 'binlog.000001', position: expect.any(Number) });
    expect(error.details.expected).not.toBe(error.details.actual);
    expect(bytes.length).toBeGreaterThan(0);
  });

  it('reads files: bad magic is BLK_B2007, a cut file BLK_B2001, an in-use tail ends cleanly', async () => {
    const [first, second] = await binlogPaths(sandbox.dir);
    const bad = path.join(sandbox.dir, 'not-a-binlog');
    await writeFile(bad, Buffer.from('hello world'));
    await expect(collect([bad])).rejects.toMatchObject({ code: 'BLK_B2007' });

    // binlog.000001 is closed (in-use flag cleared): a cut copy is truncated.
    const full = await readFile(first);
    const cut = path.join(sandbox.dir, 'cut.000001');
    await writeFile(cut, full.subarray(0, full.length - 7));
    await expect(collect([cut])).rejects.toMatchObject({
      code: 'BLK_B2001',
      details: { file: 'cut.000001', need: expect.any(Number), have: expect.any(Number) },
    });

    // the active file has the in-use flag: a partial tail is the event being written
    const paths = await binlogPaths(sandbox.dir);
    const active = paths[paths.length - 1];
    const activeBytes = await readFile(active);
    const tail = path.join(sandbox.dir, 'tail.000009');
    await writeFile(tail, Buffer.concat([activeBytes, activeBytes.subarray(4, 30)]));
    const events = await collect([tail]);
    expect(events.length).toBeGreaterThan(2);
    expect(second).toBeDefined();
    await copyFile(first, path.join(sandbox.dir, 'copy.000001'));
  });

  it('starts mid-file after yielding the FORMAT_DESCRIPTION', async () => {
    const [first] = await binlogPaths(sandbox.dir);
    const all = await collect([first]);
    const from = all[Math.floor(all.length / 2)].position;
    const partial = [];
    for await (const raw of openBinlogFiles([first], { startPosition: from })) partial.push(raw);
    expect(partial[0].position).toBe(4);
    expect(partial[1].position).toBe(from);
    expect(partial.length).toBe(all.filter((r) => r.position >= from).length + 1);
    const decoder = new BinlogDecoder();
    expect(partial.map((r) => decoder.decode(r).type)[0]).toBe('format_description');
  });
});

async function collect(paths: string[]) {
  const out = [];
  for await (const raw of openBinlogFiles(paths)) out.push(raw);
  return out;
}
