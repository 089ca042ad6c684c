import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import type { Row } from '../../../src/core/values.js';
import { openSourceConnection, type SourceConnection } from '../../../src/source/connection.js';
import { rowDecoderFor, selectAllSql } from '../../../src/source/row-reader.js';
import { readTableSchema } from '../../../src/source/schema-reader.js';
import { sharedServer } from '../../harness/server.js';

function sourceOf(address: { host: string; port: number; user: string; password: string }): Config['source'] {
  return { ...address, serverId: 4242, connectTimeoutMs: 5000 };
}

describe('canonical values from the snapshot reader', () => {
  const server = sharedServer();
  let db: string;
  let conn: SourceConnection;

  beforeAll(async () => {
    db = await server.freshDatabase('values');
    conn = await openSourceConnection(sourceOf(server.source));
  });
  afterAll(async () => conn?.close());

  async function readAll(table: string): Promise<Row[]> {
    const schema = await readTableSchema(conn, db, table);
    const decoder = rowDecoderFor(schema);
    return decoder.convert(
      await conn.queryArrays(`${selectAllSql(schema, decoder)} ORDER BY 1`, [], {
        geometryAsBytes: decoder.geometryAsBytes,
      }),
    );
  }

  it('edge values of every type family', async () => {
    await server.query(`
      CREATE TABLE \`${db}\`.edge (
        id INT PRIMARY KEY,
        bu BIGINT UNSIGNED, bs BIGINT, d DECIMAL(65,30), b64 BIT(64), b3 BIT(3),
        t TIME(6), dt DATETIME(6), ts TIMESTAMP(3) NULL, dd DATE, y YEAR,
        emoji VARCHAR(20) CHARACTER SET utf8mb4, l1 VARCHAR(20) CHARACTER SET latin1,
        bin VARBINARY(10), fixed BINARY(4), cb CHAR(4) CHARACTER SET binary, blb BLOB,
        j JSON, g GEOMETRY, e ENUM('a','b''c','x\\\\y'), s SET('r','w','x'),
        f FLOAT, db DOUBLE, ti TINYINT, iu INT UNSIGNED, mi MEDIUMINT
      )`);
    await server.query(`SET SESSION sql_mode=''; INSERT INTO \`${db}\`.edge VALUES
      (1, 18446744073709551615, -9223372036854775808, -12345678901234567890123456789012345.123456789012345678901234567890,
       b'1111111111111111111111111111111111111111111111111111111111111111', b'101',
       '-838:59:59.999999', '2024-02-29 23:59:59.123456', '2038-01-19 03:14:07.999', '0000-00-00', 2155,
       'héllo 😀', 'café', x'00ff10', x'0102', x'41', x'deadbeef',
       '{"a": [1, 2.50, "x"]}', ST_GeomFromText('POINT(1 2)', 3857), 'b''c', 'r,x',
       0.1, 0.30000000000000004, -128, 4294967295, -8388608),
      (2, 0, 9223372036854775807, 0.000000000000000000000000000001, b'0', b'0',
       '838:59:59', '0000-00-00 00:00:00', '1970-01-01 00:00:01', '2020-00-15', 0,
       '', '', x'', x'', x'00', x'',
       'null', NULL, 'x\\\\y', '',
       3.4028235e38, -1.7976931348623157e308, 127, 0, 8388607),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    const rows = await readAll('edge');
    const [r1, r2, r3] = rows;
    expect(r1).toStrictEqual([
      1,
      18446744073709551615n,
      -9223372036854775808n,
      '-12345678901234567890123456789012345.123456789012345678901234567890',
      18446744073709551615n,
      5n,
      r1[6],
      '2024-02-29 23:59:59.123456',
      '2038-01-19 03:14:07.999',
      '0000-00-00',
      2155,
      'héllo 😀',
      'café',
      new Uint8Array([0, 0xff, 0x10]),
      new Uint8Array([1, 2, 0, 0]),
      new Uint8Array([0x41, 0, 0, 0]),
      new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      r1[17],
      r1[18],
      "b'c",
      'r,x',
      Math.fround(0.1),
      0.30000000000000004,
      -128,
      4294967295,
      -8388608,
    ]);
    // MariaDB allows TIME(6) down to -838:59:59.999999; MySQL clips it to -838:59:59.000000.
    expect(r1[6]).toMatch(/^-838:59:59\.(999999|000000)$/);
    // MariaDB keeps JSON as LONGTEXT (the text as written); MySQL normalises it.
    expect(typeof r1[17]).toBe('string');
    expect(JSON.parse(r1[17] as string)).toEqual({ a: [1, 2.5, 'x'] });
    // GEOMETRY: 4-byte little-endian SRID then the WKB of POINT(1 2).
    const g = r1[18] as Uint8Array;
    expect(g).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(g).toString('hex')).toBe(
      `110f0000${'0101000000'}${'000000000000f03f'}${'0000000000000040'}`,
    );
    expect(r2).toStrictEqual([
      2,
      0n,
      9223372036854775807n,
      '0.000000000000000000000000000001',
      0n,
      0n,
      '838:59:59.000000',
      '0000-00-00 00:00:00.000000',
      '1970-01-01 00:00:01.000',
      '2020-00-15',
      0,
      '',
      '',
      new Uint8Array([]),
      new Uint8Array([0, 0, 0, 0]),
      new Uint8Array([0, 0, 0, 0]),
      new Uint8Array([]),
      'null',
      null,
      'x\\y',
      '',
      Math.fround(3.4028235e38),
      -1.7976931348623157e308,
      127,
      0,
      8388607,
    ]);
    expect(r3).toStrictEqual([3, ...new Array(25).fill(null)]);
  });

  it('FLOAT values read back as the exact stored float32', async () => {
    await server.query(`CREATE TABLE \`${db}\`.f (id INT PRIMARY KEY, f FLOAT)`);
    const values = [0.1, 1 / 3, 16777217, 1.17549435e-38, 1e-45, 123456.789, -2.5e-7, 65504.0001, Math.PI];
    await server.query(
      `INSERT INTO \`${db}\`.f VALUES ${values.map((v, i) => `(${i}, ${v.toPrecision(17)})`).join(',')}`,
    );
    const rows = await readAll('f');
    expect(rows.map((r) => r[1])).toStrictEqual(values.map((v) => Math.fround(v)));
  });

  it('TIMESTAMP reads in UTC whatever the server time zone', async () => {
    await server.query(`CREATE TABLE \`${db}\`.ts (id INT PRIMARY KEY, ts TIMESTAMP NULL)`);
    await server.query(
      `SET time_zone = '+05:00'; INSERT INTO \`${db}\`.ts VALUES (1, '2024-01-01 05:00:00')`,
    );
    expect((await readAll('ts'))[0]).toStrictEqual([1, '2024-01-01 00:00:00']);
  });
});
