import { describe, expect, it } from 'vitest';
import { canonicalText } from '../../../src/core/values.js';
import { runCli } from '../../harness/cli.js';
import { sharedServer } from '../../harness/server.js';
import { mergedRows, openWarehouse, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

/**
 * Every common type family, edge values included, must arrive exactly: the row the full sync
 * copied, the row the binlog streamed, the merged row and the source row are all equal.
 */
const COLUMNS = `
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, mu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, dec1 DECIMAL(65,30), dec2 DECIMAL(10,2) UNSIGNED, dec3 DECIMAL(38,0),
  b1 BIT(1), b64 BIT(64), y YEAR,
  dt DATE, tm TIME(6), dtm DATETIME(6), dt0 DATETIME, ts TIMESTAMP(3) NULL,
  c CHAR(10), vc VARCHAR(200), lat VARCHAR(20) CHARACTER SET latin1, vbin VARCHAR(20) COLLATE utf8mb4_bin,
  bin BINARY(4), vb VARBINARY(20), tx TEXT, bl BLOB, lb LONGBLOB,
  e ENUM('small','médium','large'), s SET('a','b','c'), j JSON, g GEOMETRY`;

const EDGE_VALUES = `
  -128, 255, -32768, 65535, -8388608, 16777215,
  -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
  0.1, 1.7976931348623157e308, '-12345678901234567890123456789012345.123456789012345678901234567891', 99999999.99, -99999999999999999999999999999999999999,
  b'1', b'1111111111111111111111111111111111111111111111111111111111111111', 2155,
  '0000-00-00', '-838:59:59.999999', '9999-12-31 23:59:59.999999', '2020-00-15 00:00:00', '2038-01-19 03:14:07.999',
  'ab', 'utf8mb4 😀 ünïcødé', 'café', 'MiXeD',
  x'00ff0001', x'00', 'text with\\nnewline and \\'quote\\'', x'000102fffe', REPEAT(x'ab', 70000),
  'médium', 'a,c', '{"k": [1, 2.5, "x", null, true], "n": {"deep": "ü"}}', ST_GeomFromText('POINT(1 2)', 4326)`;

const OTHER_VALUES = `
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  -3.25, -0.0, 0.000000000000000000000000000001, 0.00, 0,
  b'0', b'0', 1901,
  '1000-01-01', '00:00:00', '1000-01-01 00:00:00.000000', '0000-00-00 00:00:00', NULL,
  '', '', '', '',
  x'00000000', x'', '', x'', x'',
  'small', '', '[]', ST_GeomFromText('LINESTRING(0 0, 1 1)')`;

describe('sync: every type family, snapshot == stream == merge == source', () => {
  it('copies and streams edge values losslessly', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('types');
    await server.query(`SET SESSION sql_mode = ''`);
    const conn = await server.connect(db);
    await conn.query("SET SESSION sql_mode = ''");
    await conn.query(
      `CREATE TABLE t (id INT NOT NULL, part CHAR(2) NOT NULL, ${COLUMNS}, PRIMARY KEY (id, part))`,
    );
    // Rows 1 and 2 exist before the sync (full sync); rows 3 and 4 have the same values and arrive by binlog.
    await conn.query(`INSERT INTO t VALUES (1, 'aa', ${EDGE_VALUES}), (2, 'bb', ${OTHER_VALUES})`);
    await conn.query(`INSERT INTO t (id, part) VALUES (5, 'nn')`);

    const { configPath } = writeTaskConfig(server, [{ database: db, tables: ['t'] }]);
    const first = await runCli(['sync', '--config', configPath, '--until-caught-up', '--log-format', 'json']);
    expect(first.code, first.stderr).toBe(0);

    await conn.query(`INSERT INTO t VALUES (3, 'aa', ${EDGE_VALUES}), (4, 'bb', ${OTHER_VALUES})`);
    await conn.query(`UPDATE t SET vc = 'changed' WHERE id = 5`);
    await conn.query(`UPDATE t SET vc = NULL WHERE id = 5`);
    await conn.end();
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stderr).toBe(0);

    const sink = await openWarehouse(configPath);
    const base = await sink.readRows('t');
    const log = await sink.readLog('t');
    await sink.close();
    const text = (row: unknown[]) => row.map((v) => canonicalText(v as never));
    const snapshot = new Map(base.map((r) => [String(r[0]), text(r).slice(2)]));
    const streamed = new Map(
      log.filter((r) => r.operationFlag === 'I').map((r) => [String(r.row[0]), text(r.row).slice(2)]),
    );
    expect(streamed.get('3')).toEqual(snapshot.get('1'));
    expect(streamed.get('4')).toEqual(snapshot.get('2'));
    expect(
      log.filter((r) => r.operationFlag === 'U').map((r) => [r.beforeFlag, r.afterFlag, r.recordId]),
    ).toEqual([
      ['Y', 'N', 3n],
      ['N', 'Y', 3n],
      ['Y', 'N', 4n],
      ['N', 'Y', 4n],
    ]);

    const source = await sourceRows(server, db, 't');
    expect(source).toHaveLength(5);
    expect(await mergedRows(configPath, 't')).toEqual(source);
    const row1 = source.find((r) => r[0] === '1')!;
    // A few exact values spelled out, so a wrong canonical form on both sides cannot pass unnoticed.
    expect(row1).toContain('18446744073709551615');
    expect(row1).toContain('-12345678901234567890123456789012345.123456789012345678901234567891');
    expect(row1).toContain('-838:59:59.999999');
    expect(row1).toContain('2020-00-15 00:00:00');
    expect(row1).toContain('utf8mb4 😀 ünïcødé');
    expect(row1).toContain('0x00ff0001');
  });
});
