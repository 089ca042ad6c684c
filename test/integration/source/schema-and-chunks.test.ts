import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../../src/config/config.js';
import { batchRows } from '../../../src/core/cell-rows.js';
import { isBinlakeError } from '../../../src/core/errors.js';
import type { Row } from '../../../src/core/values.js';
import { rowText } from '../../../src/core/values.js';
import {
  openSourceConnection,
  openSourcePool,
  type SourceConnection,
  type SourcePool,
} from '../../../src/source/connection.js';
import { type ResolvedTable, readTableSchema, resolveObjects } from '../../../src/source/schema-reader.js';
import {
  approximateRowsBytes,
  CHUNK_BYTES,
  chunkSql,
  estimateRows,
  readChunks,
} from '../../../src/source/snapshot/read-chunks.js';
import { sharedServer } from '../../harness/server.js';

describe('schema reader and chunked snapshot', () => {
  const server = sharedServer();
  let db: string;
  let conn: SourceConnection;
  let pool: SourcePool;
  let config: Config;

  beforeAll(async () => {
    db = await server.freshDatabase('chunks');
    const source = {
      host: server.host,
      port: server.port,
      user: server.address.user,
      password: server.address.password,
      serverId: 4242,
    };
    config = parseConfig({
      source,
      destination: { type: 'duckdb', path: '/tmp/unused.duckdb' },
      objects: [{ database: db, tables: '*' }],
    });
    conn = await openSourceConnection(config.source);
    pool = openSourcePool(config.source, 3);
  });
  afterAll(async () => {
    await conn?.close();
    await pool?.close();
  });

  it('reads every column field of every type family and a composite primary key', async () => {
    await server.query(`
      CREATE TABLE \`${db}\`.every (
        region CHAR(2) NOT NULL,
        id BIGINT UNSIGNED NOT NULL,
        ti TINYINT(1) DEFAULT 1,
        si SMALLINT UNSIGNED ZEROFILL,
        mi MEDIUMINT NOT NULL DEFAULT -5,
        i INT(11) UNSIGNED,
        f FLOAT DEFAULT 1.5,
        d DOUBLE,
        dec1 DECIMAL(65,30) NOT NULL DEFAULT '-1.5',
        b BIT(12) DEFAULT b'101',
        y YEAR,
        dt DATE DEFAULT '2020-01-02',
        tm TIME(3),
        dtm DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
        ts TIMESTAMP(2) NULL,
        vc VARCHAR(20) CHARACTER SET latin1 DEFAULT 'it''s',
        tx TEXT,
        bn BINARY(16),
        vb VARBINARY(255),
        bl BLOB,
        cbin CHAR(3) CHARACTER SET binary,
        e ENUM('a','b''c','d,e') NOT NULL DEFAULT 'a',
        s SET('x','y'),
        j JSON,
        g POINT,
        PRIMARY KEY (region, id)
      ) DEFAULT CHARSET=utf8mb4`);
    const schema = await readTableSchema(conn, db, 'every');
    expect(schema).toMatchObject({
      database: db,
      table: 'every',
      key: ['region', 'id'],
      keySource: 'primary',
    });
    const col = Object.fromEntries(schema.columns.map((c) => [c.name, c]));
    expect(schema.columns.map((c) => c.name)).toEqual([
      'region',
      'id',
      'ti',
      'si',
      'mi',
      'i',
      'f',
      'd',
      'dec1',
      'b',
      'y',
      'dt',
      'tm',
      'dtm',
      'ts',
      'vc',
      'tx',
      'bn',
      'vb',
      'bl',
      'cbin',
      'e',
      's',
      'j',
      'g',
    ]);
    expect(col.region).toMatchObject({
      kind: 'char',
      length: 2,
      charset: 'utf8mb4',
      nullable: false,
      defaultSql: null,
    });
    expect(col.id).toMatchObject({ kind: 'bigint', unsigned: true, nullable: false, length: null });
    expect(col.ti).toMatchObject({ kind: 'tinyint', unsigned: false, nullable: true, defaultSql: '1' });
    expect(col.si).toMatchObject({ kind: 'smallint', unsigned: true, defaultSql: 'NULL' });
    expect(col.mi).toMatchObject({ kind: 'mediumint', defaultSql: '-5' });
    expect(col.i).toMatchObject({ kind: 'int', unsigned: true });
    expect(col.f).toMatchObject({ kind: 'float', defaultSql: '1.5' });
    expect(col.d).toMatchObject({ kind: 'double' });
    expect(col.dec1).toMatchObject({ kind: 'decimal', length: 65, scale: 30, nullable: false });
    expect(col.dec1.defaultSql).toMatch(/^-1\.50*$/);
    expect(col.b).toMatchObject({ kind: 'bit', length: 12, charset: null, defaultSql: "b'101'" });
    expect(col.y).toMatchObject({ kind: 'year' });
    expect(col.dt).toMatchObject({ kind: 'date', defaultSql: "'2020-01-02'", fsp: null });
    expect(col.tm).toMatchObject({ kind: 'time', fsp: 3 });
    expect(col.dtm).toMatchObject({ kind: 'datetime', fsp: 6 });
    expect(col.dtm.defaultSql?.toLowerCase()).toMatch(/^current_timestamp\(6\)$/);
    expect(col.ts).toMatchObject({ kind: 'timestamp', fsp: 2, nullable: true });
    expect(col.vc).toMatchObject({ kind: 'varchar', length: 20, charset: 'latin1', defaultSql: "'it''s'" });
    expect(col.tx).toMatchObject({ kind: 'text', charset: 'utf8mb4' });
    expect(col.bn).toMatchObject({ kind: 'binary', length: 16, charset: null });
    expect(col.vb).toMatchObject({ kind: 'varbinary', length: 255, charset: null });
    expect(col.bl).toMatchObject({ kind: 'blob', charset: null });
    expect(col.cbin).toMatchObject({ kind: 'binary', charset: null });
    expect(col.e).toMatchObject({
      kind: 'enum',
      members: ['a', "b'c", 'd,e'],
      defaultSql: "'a'",
      charset: 'utf8mb4',
    });
    expect(col.s).toMatchObject({ kind: 'set', members: ['x', 'y'] });
    // MariaDB stores JSON as LONGTEXT with a JSON_VALID check; MySQL has a real JSON type.
    expect(['json', 'text']).toContain(col.j.kind);
    expect(col.g).toMatchObject({ kind: 'geometry', charset: null, columnType: 'point' });
  });

  it('picks the first unique NOT NULL key when there is no primary key, and none for a nullable one', async () => {
    await server.query(`
      CREATE TABLE \`${db}\`.uq (a INT NULL, b INT NOT NULL, c INT NOT NULL, UNIQUE KEY ua (a), UNIQUE KEY ubc (b, c));
      CREATE TABLE \`${db}\`.nk (a INT, b INT, KEY (a))`);
    expect(await readTableSchema(conn, db, 'uq')).toMatchObject({ key: ['b', 'c'], keySource: 'unique' });
    expect(await readTableSchema(conn, db, 'nk')).toMatchObject({ key: [], keySource: 'none' });
    const missing = await readTableSchema(conn, db, 'nope').catch((e: unknown) => e);
    expect(isBinlakeError(missing, 'BLK_S1004')).toBe(true);
  });

  async function composite(): Promise<ResolvedTable> {
    await server.query(`CREATE TABLE IF NOT EXISTS \`${db}\`.comp (
      a VARCHAR(8) NOT NULL, b BIGINT UNSIGNED NOT NULL, c DECIMAL(10,2) NOT NULL, v INT, PRIMARY KEY (a, b, c))`);
    const values: string[] = [];
    for (const a of ['', 'A', 'b', "it's", 'zz']) {
      for (const b of ['0', '1', '9007199254740993', '18446744073709551615']) {
        for (const c of ['-1.50', '0.00', '2.25']) values.push(`('${a.replace(/'/g, "''")}', ${b}, ${c}, 1)`);
      }
    }
    await server.query(`INSERT IGNORE INTO \`${db}\`.comp VALUES ${values.join(',')}`);
    const config2 = { ...config, objects: [{ database: db, tables: ['comp'] as string[] }] };
    const [table] = await resolveObjects(conn, config2 as Config);
    return table;
  }

  it('composite keys: chunks return every row exactly once, in key order, and resume after a cursor', async () => {
    const table = await composite();
    expect(chunkSql(table, ['A', 1n, '0.00'], 7)).toContain(
      "`a` >= 'A' AND ((`a` > 'A') OR (`a` = 'A' AND `b` > 1) OR (`a` = 'A' AND `b` = 1 AND `c` > 0.00))",
    );
    const expected = await conn.queryArrays(
      `SELECT a, CAST(b AS CHAR), c, v FROM \`${db}\`.comp ORDER BY a, b, c`,
    );
    const all: Row[] = [];
    const cursors: (Row | null)[] = [];
    for await (const chunk of readChunks(pool, table, { chunkSize: 7, cursor: null })) {
      all.push(...chunk.rows);
      cursors.push(chunk.cursor);
    }
    expect(all.length).toBe(60);
    expect(all.map((r) => rowText(r).join('|'))).toEqual(expected.map((r) => (r as string[]).join('|')));
    expect(cursors.length).toBe(9);

    // Resume after the 3rd chunk: the rest, nothing twice.
    const resumed: Row[] = [];
    for await (const chunk of readChunks(pool, table, { chunkSize: 7, cursor: cursors[2] }))
      resumed.push(...chunk.rows);
    expect([...all.slice(0, 21), ...resumed]).toEqual(all);
    expect(await estimateRows(conn, table)).toBe(60);

    // Chunks gathered from smaller statements: the same rows, chunks never above chunkSize.
    const gathered: Row[] = [];
    const sizes: number[] = [];
    for await (const chunk of readChunks(pool, table, { chunkSize: 7, statementRows: 3, cursor: null })) {
      const rows = batchRows(chunk.rows);
      gathered.push(...rows);
      sizes.push(rows.length);
      expect(chunk.cursor).toEqual([rows.at(-1)?.[0], rows.at(-1)?.[1], rows.at(-1)?.[2]]);
    }
    expect(gathered).toEqual(all);
    expect(sizes).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);

    // With boundaries every 16 rows: no chunk crosses one, the chunk reaching one (or the end)
    // says so, and the rows are the same.
    const bounded: Row[] = [];
    const marks: [number, boolean][] = [];
    for await (const chunk of readChunks(pool, table, {
      chunkSize: 7,
      statementRows: 3,
      boundaryRows: 16,
      cursor: null,
    })) {
      bounded.push(...chunk.rows);
      marks.push([chunk.rows.length, chunk.atBoundary]);
    }
    expect(bounded).toEqual(all);
    expect(marks).toEqual([
      [7, false],
      [7, false],
      [2, true],
      [7, false],
      [7, false],
      [2, true],
      [7, false],
      [7, false],
      [2, true],
      [7, false],
      [5, true],
    ]);
  });

  it('several tables read at once on one pool, and a stopped reader gives its connection back', async () => {
    const table = await composite();
    const readAll = async (size: number) => {
      let n = 0;
      for await (const chunk of readChunks(pool, table, { chunkSize: size, cursor: null }))
        n += chunk.rows.length;
      return n;
    };
    expect(await Promise.all([readAll(5), readAll(11), readAll(60), readAll(1000)])).toEqual([
      60, 60, 60, 60,
    ]);
    for await (const chunk of readChunks(pool, table, { chunkSize: 3, cursor: null })) {
      expect(chunk.rows.length).toBe(3);
      break;
    }
    expect(await readAll(13)).toBe(60);
    const controller = new AbortController();
    controller.abort();
    await expect(async () => {
      for await (const _ of readChunks(pool, table, {
        chunkSize: 3,
        cursor: null,
        signal: controller.signal,
      })) {
      }
    }).rejects.toThrow();
  });

  it('a table without a key is read in one pass with a null cursor', async () => {
    await server.query(`CREATE TABLE \`${db}\`.heap (a INT, b VARCHAR(5), g GEOMETRY)`);
    await server.query(
      `INSERT INTO \`${db}\`.heap VALUES ${Array.from({ length: 25 }, (_, i) => `(${i % 4}, 'x${i}', ${i === 0 ? "ST_GeomFromText('POINT(0 0)')" : 'NULL'})`).join(',')}`,
    );
    const config2 = { ...config, objects: [{ database: db, tables: ['heap'] as string[] }] };
    const [table] = await resolveObjects(conn, config2 as Config);
    const chunks = [];
    for await (const chunk of readChunks(pool, table, { chunkSize: 10, cursor: null })) chunks.push(chunk);
    expect(chunks.map((c) => c.rows.length)).toEqual([10, 10, 5]);
    expect(chunks.every((c) => c.cursor === null)).toBe(true);
    const bounded = [];
    for await (const chunk of readChunks(pool, table, { chunkSize: 10, boundaryRows: 12, cursor: null }))
      bounded.push([chunk.rows.length, chunk.atBoundary]);
    expect(bounded).toEqual([
      [10, false],
      [2, true],
      [10, false],
      [2, true],
      [1, true],
    ]);
    const rows = chunks.flatMap((c) => batchRows(c.rows));
    expect(new Set(rows.map((r) => r[1])).size).toBe(25);
    expect(rows.find((r) => r[1] === 'x0')?.[2]).toBeInstanceOf(Uint8Array);

    // Stopping a one-pass read early drops its connection; a pool of one opens a fresh one.
    const single = openSourcePool(config.source, 1);
    try {
      for await (const chunk of readChunks(single, table, { chunkSize: 10, cursor: null })) {
        expect(chunk.rows.length).toBe(10);
        break;
      }
      let n = 0;
      for await (const chunk of readChunks(single, table, { chunkSize: 10, cursor: null }))
        n += chunk.rows.length;
      expect(n).toBe(25);
    } finally {
      await single.close();
    }
  });

  it('wide rows make smaller chunks: about CHUNK_BYTES each, keyed or not, every row once', async () => {
    // 3,000 rows of ~20 KB: far below chunkSize rows, far above CHUNK_BYTES per 10,000.
    for (const [name, key] of [
      ['wide_keyed', 'PRIMARY KEY'],
      ['wide_heap', ''],
    ]) {
      await server.query(`CREATE TABLE \`${db}\`.${name} (id INT ${key}, t MEDIUMTEXT)`);
      for (let from = 0; from < 3000; from += 500) {
        await server.query(
          `INSERT INTO \`${db}\`.${name} SELECT seq, REPEAT(CHAR(65 + seq % 26), 20000) FROM \`${db}\`.seq_${from}_to_${from + 499}`,
        );
      }
      const [table] = await resolveObjects(conn, {
        ...config,
        objects: [{ database: db, tables: [name] }],
      } as Config);
      const sizes: number[] = [];
      const ids = new Set<unknown>();
      for await (const chunk of readChunks(pool, table, { chunkSize: 10_000, cursor: null })) {
        const rows = batchRows(chunk.rows);
        sizes.push(rows.length);
        // What the chunk holds (its cells' bytes and their places), at most one row past CHUNK_BYTES.
        const bytes = approximateRowsBytes(chunk.rows);
        expect(bytes, name).toBeLessThanOrEqual(CHUNK_BYTES + bytes / rows.length);
        for (const row of rows) ids.add(row[0]);
      }
      expect(ids.size, name).toBe(3000);
      expect(sizes.length, name).toBeGreaterThanOrEqual(Math.floor((3000 * 20_000) / CHUNK_BYTES));
    }
  });

  it('rows far wider than the ones before: a statement over its byte limit is asked again for fewer rows', async () => {
    await server.query(`CREATE TABLE \`${db}\`.width_jump (id INT PRIMARY KEY, t MEDIUMTEXT)`);
    await server.query(`INSERT INTO \`${db}\`.width_jump SELECT seq, 'x' FROM \`${db}\`.seq_1_to_2000`);
    await server.query(
      `INSERT INTO \`${db}\`.width_jump SELECT seq, REPEAT(CHAR(65 + seq % 26), 5000) FROM \`${db}\`.seq_2001_to_2200`,
    );
    const [table] = await resolveObjects(conn, {
      ...config,
      objects: [{ database: db, tables: ['width_jump'] }],
    } as Config);
    // Whether each refused statement's connection was left unusable (so the pool replaced it).
    const refusedUsable: boolean[] = [];
    const counting: SourcePool = {
      ...pool,
      withConnection: async (fn) => {
        let used: SourceConnection | null = null;
        try {
          return await pool.withConnection((c) => {
            used = c;
            return fn(c);
          });
        } catch (error) {
          refusedUsable.push((used as SourceConnection | null)?.usable ?? true);
          throw error;
        }
      },
    };
    const read: Row[] = [];
    for await (const chunk of readChunks(counting, table, {
      chunkSize: 10_000,
      cursor: null,
      maxResultBytes: 200_000,
    })) {
      read.push(...batchRows(chunk.rows));
    }
    expect(read.map((r) => r[0])).toEqual(Array.from({ length: 2200 }, (_, i) => i + 1));
    for (const [id, t] of read) {
      expect(t).toBe(
        (id as number) <= 2000 ? 'x' : String.fromCharCode(65 + ((id as number) % 26)).repeat(5000),
      );
    }
    // Some statements were refused and asked again with fewer rows; their connections (the rest
    // of the result still on the way) were not left usable, and the pool still serves.
    expect(refusedUsable.length).toBeGreaterThan(0);
    expect(refusedUsable.every((usable) => !usable)).toBe(true);
    expect(await pool.withConnection((c) => c.query<{ n: number }>('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
  });

  it('resolveObjects applies name mapping and rejects a missing table', async () => {
    await composite();
    const mapped = parseConfig({
      source: config.source,
      destination: config.destination,
      objects: [{ database: db, tables: [{ name: 'comp', target: 'composite', columns: { v: 'value' } }] }],
    });
    const [t] = await resolveObjects(conn, mapped);
    expect(t).toMatchObject({
      source: { database: db, table: 'comp' },
      target: 'composite',
      columnRenames: { v: 'value' },
      allowNoKey: false,
    });
    const missing = parseConfig({ ...mapped, objects: [{ database: db, tables: ['nope'] }] });
    expect(isBinlakeError(await resolveObjects(conn, missing).catch((e: unknown) => e), 'BLK_S1004')).toBe(
      true,
    );
  });
});
