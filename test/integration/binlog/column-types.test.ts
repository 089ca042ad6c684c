import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowsEventBase } from '../../../src/binlog/events/rows.js';
import type { BinlogEvent } from '../../../src/binlog/events/types.js';
import type { ColumnKind, ColumnSchema, TableSchema } from '../../../src/core/table-schema.js';
import type { Row, Value } from '../../../src/core/values.js';
import { MariadbSandbox } from '../../harness/server.js';
import { decodeAll, printRowsEvents } from './binlog-files.js';

/**
 * One table per column type family: edge values written with SQL, decoded from the sandbox's
 * binlog files, compared with the canonical values of what SELECT returns. Runs once with
 * binlog_row_metadata=FULL (no hint) and once with MINIMAL plus a hand-built schema hint.
 */
interface Col {
  name: string;
  def: string;
  kind: ColumnKind;
  unsigned?: boolean;
  charset?: string | null;
  members?: string[];
  length?: number;
}

interface Family {
  name: string;
  cols: Col[];
  rows: string[][];
  sqlMode?: string;
}

const utf8 = 'utf8mb4';
const FAMILIES: Family[] = [
  {
    name: 'integers',
    cols: [
      { name: 'ti', def: 'TINYINT', kind: 'tinyint' },
      { name: 'tiu', def: 'TINYINT UNSIGNED', kind: 'tinyint', unsigned: true },
      { name: 'si', def: 'SMALLINT', kind: 'smallint' },
      { name: 'siu', def: 'SMALLINT UNSIGNED', kind: 'smallint', unsigned: true },
      { name: 'mi', def: 'MEDIUMINT', kind: 'mediumint' },
      { name: 'miu', def: 'MEDIUMINT UNSIGNED', kind: 'mediumint', unsigned: true },
      { name: 'i', def: 'INT', kind: 'int' },
      { name: 'iu', def: 'INT UNSIGNED', kind: 'int', unsigned: true },
      { name: 'bi', def: 'BIGINT', kind: 'bigint' },
      { name: 'biu', def: 'BIGINT UNSIGNED', kind: 'bigint', unsigned: true },
    ],
    rows: [
      [
        '-128',
        '255',
        '-32768',
        '65535',
        '-8388608',
        '16777215',
        '-2147483648',
        '4294967295',
        '-9223372036854775808',
        '18446744073709551615',
      ],
      ['127', '0', '32767', '0', '8388607', '0', '2147483647', '0', '9223372036854775807', '0'],
      ['-1', '128', '-1', '32768', '-1', '8388608', '-1', '2147483648', '-1', '9223372036854775808'],
      ['NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
    ],
  },
  {
    name: 'reals',
    cols: [
      { name: 'f', def: 'FLOAT', kind: 'float' },
      { name: 'fu', def: 'FLOAT UNSIGNED', kind: 'float', unsigned: true },
      { name: 'd', def: 'DOUBLE', kind: 'double' },
      { name: 'y', def: 'YEAR', kind: 'year' },
      { name: 'ti', def: 'TINYINT UNSIGNED', kind: 'tinyint', unsigned: true },
    ],
    rows: [
      ['1.5', '3.14159', '1.7976931348623157e308', '1901', '200'],
      ['-3.25', '0', '-2.5e-300', '2155', '0'],
      ['0.1', '100000', '0.1', '0', '255'],
    ],
  },
  {
    name: 'decimals',
    cols: [
      { name: 'd1', def: 'DECIMAL(65,30)', kind: 'decimal' },
      { name: 'd2', def: 'DECIMAL(10,2)', kind: 'decimal' },
      { name: 'd3', def: 'DECIMAL(5,0) UNSIGNED', kind: 'decimal', unsigned: true },
      { name: 'd4', def: 'DECIMAL(30,25)', kind: 'decimal' },
      { name: 'd5', def: 'DECIMAL(1,1)', kind: 'decimal' },
    ],
    rows: [
      [
        '-99999999999999999999999999999999999.999999999999999999999999999999',
        '-12345678.99',
        '99999',
        '-12345.1234567890123456789012345',
        '-0.9',
      ],
      [
        '99999999999999999999999999999999999.999999999999999999999999999999',
        '0',
        '0',
        '0.0000000000000000000000001',
        '0.5',
      ],
      ['-0.000000000000000000000000000001', '-0.01', '1', '-1', '0'],
      ['1234567890.123456789', '1.10', '10', '12345.0', '-0.1'],
    ],
  },
  {
    name: 'bits',
    cols: [
      { name: 'b1', def: 'BIT(1)', kind: 'bit' },
      { name: 'b9', def: 'BIT(9)', kind: 'bit' },
      { name: 'b17', def: 'BIT(17)', kind: 'bit' },
      { name: 'b64', def: 'BIT(64)', kind: 'bit' },
    ],
    rows: [
      [
        "b'1'",
        "b'100000001'",
        "b'10000000000000001'",
        "b'1111111111111111111111111111111111111111111111111111111111111111'",
      ],
      ["b'0'", "b'0'", "b'1'", "b'1000000000000000000000000000000000000000000000000000000000000001'"],
      ['NULL', "b'11111111'", "b'0'", "b'0'"],
    ],
  },
  {
    name: 'temporals',
    sqlMode: '',
    cols: [
      { name: 'dt', def: 'DATE', kind: 'date' },
      { name: 't0', def: 'TIME', kind: 'time' },
      { name: 't3', def: 'TIME(3)', kind: 'time' },
      { name: 't6', def: 'TIME(6)', kind: 'time' },
      { name: 't1', def: 'TIME(1)', kind: 'time' },
      { name: 'dt0', def: 'DATETIME', kind: 'datetime' },
      { name: 'dt2', def: 'DATETIME(2)', kind: 'datetime' },
      { name: 'dt6', def: 'DATETIME(6)', kind: 'datetime' },
      { name: 'ts0', def: 'TIMESTAMP NULL', kind: 'timestamp' },
      { name: 'ts4', def: 'TIMESTAMP(4) NULL', kind: 'timestamp' },
      { name: 'ts6', def: 'TIMESTAMP(6) NULL', kind: 'timestamp' },
    ],
    rows: [
      [
        "'2020-02-29'",
        "'-838:59:59'",
        "'-838:59:59.999'",
        "'-838:59:59.999999'",
        "'-00:00:00.1'",
        "'1000-01-01 00:00:00'",
        "'2020-02-29 23:59:59.99'",
        "'9999-12-31 23:59:59.999999'",
        "'1970-01-01 00:00:01'",
        "'2038-01-19 03:14:07.9999'",
        "'2001-02-03 04:05:06.000007'",
      ],
      [
        "'0000-00-00'",
        "'838:59:59'",
        "'838:59:59.999'",
        "'838:59:59.999999'",
        "'-01:00:00.5'",
        "'0000-00-00 00:00:00'",
        "'2020-00-15 00:00:00.01'",
        "'0000-00-00 00:00:00.000000'",
        "'0000-00-00 00:00:00'",
        "'0000-00-00 00:00:00'",
        "'2024-06-30 12:00:00.5'",
      ],
      [
        "'2020-00-15'",
        "'00:00:00'",
        "'-00:00:00.001'",
        "'-12:34:56.000001'",
        "'23:59:59.9'",
        "'2020-00-00 10:20:30'",
        "'2021-12-31 00:00:00'",
        "'2020-02-29 12:34:56.123456'",
        'NULL',
        'NULL',
        'NULL',
      ],
    ],
  },
  {
    name: 'strings',
    cols: [
      { name: 'c', def: 'CHAR(10) CHARACTER SET utf8mb4', kind: 'char', charset: utf8 },
      { name: 'vc', def: 'VARCHAR(300) CHARACTER SET utf8mb4', kind: 'varchar', charset: utf8 },
      { name: 'l1', def: 'VARCHAR(20) CHARACTER SET latin1', kind: 'varchar', charset: 'latin1' },
      { name: 'lc', def: 'CHAR(5) CHARACTER SET latin1', kind: 'char', charset: 'latin1' },
      { name: 'bn', def: 'BINARY(4)', kind: 'binary', charset: null, length: 4 },
      { name: 'vb', def: 'VARBINARY(10)', kind: 'varbinary', charset: null },
      {
        name: 'cb',
        def: 'VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
        kind: 'varchar',
        charset: utf8,
      },
      { name: 'c3', def: 'CHAR(100) CHARACTER SET utf8mb3', kind: 'char', charset: 'utf8mb3' },
      { name: 'big', def: 'CHAR(255) CHARACTER SET utf8mb4', kind: 'char', charset: utf8 },
    ],
    rows: [
      [
        "'héllo😀'",
        "REPEAT('😀', 300)",
        "'café € Œ'",
        "'ñ'",
        "X'61620000'",
        "X'00ff00'",
        "'Bin'",
        "'ü3'",
        "REPEAT('é', 255)",
      ],
      ["''", "''", "''", "''", "X'00'", "X''", "''", "''", "''"],
      ["'a  '", "' x '", "'Ä'", "'abcde'", "X'ffffffff'", "X'20'", "'b '", "'z'", "'end'"],
      ['NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
    ],
  },
  {
    name: 'blobs',
    cols: [
      { name: 'tb', def: 'TINYBLOB', kind: 'blob', charset: null },
      { name: 'b', def: 'BLOB', kind: 'blob', charset: null },
      { name: 'mb', def: 'MEDIUMBLOB', kind: 'blob', charset: null },
      { name: 'lb', def: 'LONGBLOB', kind: 'blob', charset: null },
      { name: 'tt', def: 'TINYTEXT CHARACTER SET utf8mb4', kind: 'text', charset: utf8 },
      { name: 'tx', def: 'TEXT CHARACTER SET latin1', kind: 'text', charset: 'latin1' },
      { name: 'mt', def: 'MEDIUMTEXT CHARACTER SET utf8mb4', kind: 'text', charset: utf8 },
      { name: 'lt', def: 'LONGTEXT CHARACTER SET utf8mb4', kind: 'text', charset: utf8 },
    ],
    rows: [
      [
        "X'00010203'",
        "REPEAT(X'ab', 70000 DIV 2)",
        "REPEAT(X'cd', 70000)",
        "REPEAT(X'ef', 100000)",
        "'tiny😀'",
        "'Grüße'",
        "REPEAT('ü', 40000)",
        "REPEAT('x', 70000)",
      ],
      ["X''", "X''", "X''", "X''", "''", "''", "''", "''"],
      ['NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
    ],
  },
  {
    name: 'enums',
    cols: [
      { name: 'e', def: "ENUM('a','b','c d','😀')", kind: 'enum', members: ['a', 'b', 'c d', '😀'] },
      { name: 's', def: "SET('x','y','z')", kind: 'set', members: ['x', 'y', 'z'] },
      {
        name: 'e2',
        def: `ENUM(${Array.from({ length: 300 }, (_, i) => `'m${i}'`).join(',')})`,
        kind: 'enum',
        members: Array.from({ length: 300 }, (_, i) => `m${i}`),
      },
      {
        name: 's64',
        def: `SET(${Array.from({ length: 64 }, (_, i) => `'s${i}'`).join(',')})`,
        kind: 'set',
        members: Array.from({ length: 64 }, (_, i) => `s${i}`),
      },
      {
        name: 'el',
        def: "ENUM('é','ü') CHARACTER SET latin1",
        kind: 'enum',
        members: ['é', 'ü'],
        charset: 'latin1',
      },
    ],
    rows: [
      ["'c d'", "'x,z'", "'m299'", "'s0,s63'", "'ü'"],
      ["'😀'", "''", "'m0'", "''", "'é'"],
      ['NULL', "'x,y,z'", "'m255'", "'s1,s2,s3'", 'NULL'],
    ],
  },
  {
    name: 'json_geometry',
    cols: [
      { name: 'j', def: 'JSON', kind: 'json', charset: utf8 },
      { name: 'g', def: 'GEOMETRY', kind: 'geometry', charset: null },
      { name: 'p', def: 'POINT', kind: 'geometry', charset: null },
    ],
    rows: [
      [
        `'{"a": 1, "b": [true, null], "c": "😀"}'`,
        "ST_GeomFromText('POINT(1 2)')",
        "ST_GeomFromText('POINT(-1.5 2.25)', 4326)",
      ],
      ["'[]'", "ST_GeomFromText('LINESTRING(0 0,1 1,2 2)')", "ST_GeomFromText('POINT(0 0)')"],
      ['NULL', 'NULL', 'NULL'],
    ],
  },
];

function hintOf(database: string, f: Family): TableSchema {
  const columns: ColumnSchema[] = [
    {
      name: 'id',
      kind: 'int',
      columnType: 'int',
      unsigned: false,
      nullable: false,
      length: null,
      scale: null,
      fsp: null,
      charset: null,
      members: null,
      defaultSql: null,
    },
    ...f.cols.map(
      (c): ColumnSchema => ({
        name: c.name,
        kind: c.kind,
        columnType: c.def.toLowerCase(),
        unsigned: c.unsigned ?? false,
        nullable: true,
        length: c.length ?? null,
        scale: null,
        fsp: null,
        charset: c.charset === undefined ? null : c.charset,
        members: c.members ?? null,
        defaultSql: null,
      }),
    ),
  ];
  return { database, table: f.name, columns, key: ['id'], keySource: 'primary' };
}

/** A SELECT expression that yields a text we can turn into the canonical Value. */
function selectExpr(c: Col): string {
  const n = `\`${c.name}\``;
  switch (c.kind) {
    case 'bit':
      return `CAST(${n} AS UNSIGNED)`;
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return `HEX(${n})`;
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set':
      return n;
    case 'json':
      return `CAST(${n} AS CHAR)`;
    default:
      return `CAST(${n} AS CHAR)`;
  }
}

function canonical(c: Col, text: string | null): Value {
  if (text === null) return null;
  switch (c.kind) {
    case 'bigint':
    case 'bit':
      return BigInt(text);
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'year':
    case 'double':
      return Number(text);
    case 'float':
      return Math.fround(Number(text));
    case 'binary':
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return new Uint8Array(Buffer.from(text, 'hex'));
    default:
      return String(text);
  }
}

function rowsOf(events: BinlogEvent[], database: string, table: string): Row[] {
  const out: Row[] = [];
  for (const e of events) {
    if (e.type === 'write_rows' && e.table.database === database && e.table.table === table)
      out.push(...e.rows);
  }
  return out;
}

for (const mode of ['FULL', 'NO_LOG+hint'] as const) {
  describe(`column types from the binlog (${mode})`, () => {
    let sandbox: MariadbSandbox;
    let database: string;
    let events: BinlogEvent[];
    let printed: string[];
    const hints = new Map<string, TableSchema>();

    beforeAll(async () => {
      sandbox = await MariadbSandbox.start({
        extraArgs: [`--binlog-row-metadata=${mode === 'FULL' ? 'FULL' : 'NO_LOG'}`],
      });
      database = await sandbox.freshDatabase('types');
      for (const f of FAMILIES) {
        const cols = f.cols.map((c) => `\`${c.name}\` ${c.def}`).join(', ');
        await sandbox.query(`CREATE TABLE \`${database}\`.\`${f.name}\` (id INT PRIMARY KEY, ${cols})`);
        const values = f.rows.map((r, i) => `(${i + 1}, ${r.join(', ')})`).join(', ');
        await sandbox.query(
          `SET SESSION sql_mode='${f.sqlMode ?? 'STRICT_TRANS_TABLES'}'; INSERT INTO \`${database}\`.\`${f.name}\` VALUES ${values}`,
        );
        hints.set(f.name, hintOf(database, f));
      }
      const options = {
        schemaFor: mode === 'FULL' ? undefined : (_db: string, table: string) => hints.get(table),
      };
      events = await decodeAll(sandbox.dir, options);
      printed = await printRowsEvents(sandbox.dir, options);
    });
    afterAll(async () => sandbox?.stop());

    for (const f of FAMILIES) {
      it(`${f.name}: decoded rows equal SELECT`, async () => {
        const exprs = f.cols.map((c) => `${selectExpr(c)} AS \`${c.name}\``).join(', ');
        const selected = await sandbox.query<Record<string, string | null>[]>(
          `SELECT id, ${exprs} FROM \`${database}\`.\`${f.name}\` ORDER BY id`,
        );
        const expected = selected.map((r) => [Number(r.id), ...f.cols.map((c) => canonical(c, r[c.name]))]);
        const decoded = rowsOf(events, database, f.name);
        expect(decoded).toEqual(expected);
        const write = events.find((e) => e.type === 'write_rows' && e.table.table === f.name);
        expect(write?.type === 'write_rows' && write.columnNames).toEqual([
          'id',
          ...f.cols.map((c) => c.name),
        ]);
      });
    }

    it("every family's rows events print by the dump's direct path exactly as decoded", () => {
      const decoded = events.filter((e) => e instanceof RowsEventBase).map((e) => e.toJson());
      expect(decoded.length).toBeGreaterThanOrEqual(FAMILIES.length);
      expect(printed).toEqual(decoded);
    });
  });
}
