import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CellColumn, type CellForm, CellRows } from '../../../src/core/cell-rows.js';
import type { ColumnSchema } from '../../../src/core/table-schema.js';
import { COLUMN_KINDS } from '../../../src/core/table-schema.js';
import type { Row, Value } from '../../../src/core/values.js';
import { DuckDbSink } from '../../../src/sink/duckdb/duckdb-sink.js';
import { checkpoint, col, schema, target, tempDir } from './helpers.js';

/** Every ColumnKind (signed and unsigned where it matters) and the exact DuckDB type it must get. */
const COLUMNS: [ColumnSchema, string][] = [
  [col('id', 'int', { nullable: false }), 'INTEGER'],
  [col('ti', 'tinyint'), 'TINYINT'],
  [col('tiu', 'tinyint', { unsigned: true }), 'UTINYINT'],
  [col('si', 'smallint'), 'SMALLINT'],
  [col('siu', 'smallint', { unsigned: true }), 'USMALLINT'],
  [col('mi', 'mediumint'), 'INTEGER'],
  [col('miu', 'mediumint', { unsigned: true }), 'UINTEGER'],
  [col('iu', 'int', { unsigned: true }), 'UINTEGER'],
  [col('bi', 'bigint'), 'BIGINT'],
  [col('biu', 'bigint', { unsigned: true }), 'UBIGINT'],
  [col('f', 'float'), 'FLOAT'],
  [col('d', 'double'), 'DOUBLE'],
  [col('dec38', 'decimal', { length: 38, scale: 10 }), 'DECIMAL(38,10)'],
  [col('dec65', 'decimal', { length: 65, scale: 30 }), 'VARCHAR'],
  [col('dec52', 'decimal', { length: 5, scale: 2, unsigned: true }), 'DECIMAL(5,2)'],
  [col('dec41', 'decimal', { length: 4, scale: 1 }), 'DECIMAL(4,1)'],
  [col('dec184', 'decimal', { length: 18, scale: 4 }), 'DECIMAL(18,4)'],
  [col('b', 'bit', { length: 64 }), 'UBIGINT'],
  [col('y', 'year'), 'USMALLINT'],
  [col('dt', 'date'), 'VARCHAR'],
  [col('tm', 'time', { fsp: 6 }), 'VARCHAR'],
  [col('dtm', 'datetime', { fsp: 3 }), 'VARCHAR'],
  [col('ts', 'timestamp', { fsp: 0 }), 'VARCHAR'],
  [col('c', 'char', { length: 10 }), 'VARCHAR'],
  [col('cb', 'char', { length: 4, charset: 'binary' }), 'BLOB'],
  [col('vc', 'varchar', { length: 100 }), 'VARCHAR'],
  [col('tx', 'text'), 'VARCHAR'],
  [col('bn', 'binary', { length: 4 }), 'BLOB'],
  [col('vb', 'varbinary', { length: 10 }), 'BLOB'],
  [col('bl', 'blob'), 'BLOB'],
  [col('en', 'enum', { members: ['a', 'b'] }), 'VARCHAR'],
  [col('st', 'set', { members: ['x', 'y'] }), 'VARCHAR'],
  [col('js', 'json'), 'VARCHAR'],
  [col('geo', 'geometry'), 'BLOB'],
];

const S = schema(
  'every_type',
  COLUMNS.map(([c]) => c),
  ['id'],
);

/** Two rows with the edge values of every canonical Value kind, one row of NULLs. */
const ROWS: Row[] = [
  [
    1,
    -128,
    255,
    -32768,
    65535,
    -8388608,
    16777215,
    4294967295,
    -9223372036854775808n,
    18446744073709551615n,
    Math.fround(0.1),
    0.1,
    '-1234567890123456789012345678.0123456789',
    '-12345678901234567890123456789012345.012345678901234567890123456789',
    '999.99',
    '-999.9',
    '-99999999999999.9999',
    18446744073709551615n,
    2155,
    '0000-00-00',
    '-838:59:59.000000',
    '2020-00-15 00:00:00.000',
    '1970-01-01 00:00:01',
    '😀 ünï',
    new Uint8Array([0, 0, 1, 0]),
    'x\u0000y',
    'long text 🎉'.repeat(50),
    new Uint8Array([0, 0, 0, 0]),
    new Uint8Array([]),
    new Uint8Array([0, 255, 0, 1, 0]),
    'b',
    'x,y',
    '{"a": [1, 2.50, "🙂"]}',
    new Uint8Array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 0, 64]),
  ],
  [
    2,
    127,
    0,
    32767,
    0,
    8388607,
    0,
    0,
    9223372036854775807n,
    0n,
    Math.fround(3.4028234663852886e38),
    -1.7976931348623157e308,
    '0.0000000001',
    '0.000000000000000000000000000001',
    '0.00',
    '0.5',
    '99999999999999.9999',
    1n,
    0,
    '2024-02-29',
    '838:59:59.999999',
    '9999-12-31 23:59:59.999',
    '2038-01-19 03:14:07',
    '',
    new Uint8Array([255, 255, 255, 255]),
    '',
    '',
    new Uint8Array([1, 2, 3, 4]),
    new Uint8Array([0]),
    new Uint8Array(70_000).fill(7),
    'a',
    '',
    'null',
    new Uint8Array([1]),
  ],
  [3, ...COLUMNS.slice(1).map(() => null)],
];

describe('DuckDB type mapping and value round trip', () => {
  const tmp = tempDir();
  let sink: DuckDbSink;

  beforeAll(async () => {
    sink = await DuckDbSink.create({ path: tmp.file(), partitions: ['modifytime_year'] });
    await sink.ensureTables([target(S)], {});
  });
  afterAll(async () => {
    await sink.close();
    tmp.cleanup();
  });

  it('covers every ColumnKind', () => {
    expect(new Set(COLUMNS.map(([c]) => c.kind))).toEqual(new Set(COLUMN_KINDS));
  });

  it('creates _base and _log with the exact DuckDB types', async () => {
    for (const table of ['every_type_base', 'every_type_log']) {
      const rows = await sink.sqlRows(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      const types = rows.map((r) => [r[0], r[1]]);
      const source = COLUMNS.map(([c, t]) => [c.name, t]);
      if (table.endsWith('_base')) expect(types).toEqual(source);
      else
        expect(types).toEqual([
          ['record_id', 'BIGINT'],
          ['operation_flag', 'VARCHAR'],
          ['utc_timestamp', 'BIGINT'],
          ['before_flag', 'VARCHAR'],
          ['after_flag', 'VARCHAR'],
          ...source,
          ['modifytime_year', 'VARCHAR'],
        ]);
    }
  });

  it('round-trips every canonical Value through appendBaseChunk', async () => {
    await sink.appendBaseChunk('every_type', ROWS, { cursor: [3], rowsTotal: 3 });
    expect(await sink.readRows('every_type')).toEqual(ROWS);
  });

  it('round-trips every canonical Value through commitBatch (_log)', async () => {
    const ref = { database: 'shop', table: 'every_type' };
    await sink.commitBatch({
      firstRecordId: 1n,
      checkpoint: checkpoint(4n, 100, 1_700_000_000),
      transactions: [
        {
          timestamp: 1_700_000_000,
          end: { file: 'mysql-bin.000001', position: 100 },
          gtid: null,
          schemaChanges: [],
          changes: [
            { op: 'I', table: ref, after: ROWS[0] },
            { op: 'U', table: ref, before: ROWS[0], after: ROWS[1] },
            { op: 'D', table: ref, before: ROWS[2] },
          ],
        },
      ],
    });
    const log = await sink.readLog('every_type');
    expect(log.map((r) => r.row)).toEqual([ROWS[0], ROWS[0], ROWS[1], ROWS[2]]);
    expect(log.map((r) => r.partitions)).toEqual(Array(4).fill({ modifytime_year: '2023' }));
  });

  it('stores FLOAT as the exact float32 and reads DECIMAL back with exactly s decimals', async () => {
    const rows = await sink.sqlRows(
      `SELECT CAST(f AS DOUBLE), CAST(dec38 AS VARCHAR), dec65 FROM every_type_base WHERE id = 1`,
    );
    expect(rows[0][0]).toBe(Math.fround(0.1));
    expect(rows[0][1]).toBe('-1234567890123456789012345678.0123456789');
    expect(rows[0][2]).toBe('-12345678901234567890123456789012345.012345678901234567890123456789');
  });

  it('refuses values it would have to change, naming table, row and column', async () => {
    const row = [...ROWS[2]];
    row[0] = 10;
    row[COLUMNS.findIndex(([c]) => c.name === 'dec38')] = '1.00000000001';
    await expect(sink.appendBaseChunk('every_type', [row], { cursor: [10] })).rejects.toThrow(
      /every_type_base: row 1 of the rows written, column dec38: '1.00000000001' has more than 10 decimals/,
    );
    row[COLUMNS.findIndex(([c]) => c.name === 'dec38')] = null;
    row[COLUMNS.findIndex(([c]) => c.name === 'tiu')] = -1;
    await expect(sink.appendBaseChunk('every_type', [row], { cursor: [10] })).rejects.toThrow(/column tiu/);
    for (const [name, value] of [
      ['ti', 128],
      ['si', 1.5],
      ['iu', 4294967296],
      ['bi', 9223372036854775808n],
      ['biu', -1n],
      ['dec41', '1000.0'],
      ['dec184', '100000000000000.0000'],
      ['c', new Uint8Array([1])],
      ['bl', 'text'],
    ] as const) {
      const bad = [...ROWS[2]];
      bad[0] = 10;
      bad[COLUMNS.findIndex(([c]) => c.name === name)] = value;
      await expect(sink.appendBaseChunk('every_type', [bad], { cursor: [10] }), name).rejects.toThrow(
        new RegExp(`column ${name}:`),
      );
    }
    expect((await sink.readRows('every_type')).length).toBe(3);
  });

  /**
   * 5000 rows from id `first`: chunk 1 without NULLs, chunk 2 with NULLs in every column, chunk 3
   * without again (a NULL mask of one chunk must not stay on the next), and short (inline) and
   * long strings alternate.
   */
  function chunkRows(first: number): Row[] {
    const rows: Row[] = [];
    for (let i = 0; i < 5000; i++) {
      const from = i >= 2048 && i < 4096 && i % 7 === 0 ? ROWS[2] : ROWS[i % 2];
      const row = [...from];
      row[0] = first + i;
      // Short values live inside DuckDB's 16-byte entries: a shorter one after a longer one in
      // the same entry must compare equal to its literal (DuckDB compares inline entries whole);
      // long ASCII ones share one copy, long non-ASCII ones go one by one, and both must compare
      // equal too (DuckDB compares the 4-byte prefix in the entry first).
      const short = i < 2048 ? 'twelve-chars' : 'ab';
      row[COLUMNS.findIndex(([c]) => c.name === 'vc')] =
        i % 3 === 0 ? short : `value number ${i}${i % 2 ? ' é' : ''}`;
      // Short DECIMALs take the number path, long ones the BigInt path (ROWS' values)
      if (i % 3 === 1) {
        row[COLUMNS.findIndex(([c]) => c.name === 'dec41')] = `${i % 2 ? '-' : ''}${i % 1000}.${i % 10}`;
        row[COLUMNS.findIndex(([c]) => c.name === 'dec184')] =
          `${i % 2 ? '-' : ''}${i * 1_000_003}.${String(i % 10_000).padStart(4, '0')}`;
      }
      // ROWS[1]'s 70 kB blob in every other row would be 175 MB; keep a few
      if (row[COLUMNS.findIndex(([c]) => c.name === 'bl')] !== null && i % 1000 !== 1) {
        row[COLUMNS.findIndex(([c]) => c.name === 'bl')] = new Uint8Array([i & 255, 0, i >> 8]);
      }
      rows.push(row);
    }
    return rows;
  }

  it('keeps values and NULLs exact across data chunks of 2048 rows', async () => {
    const rows = chunkRows(100);
    await sink.appendBaseChunk('every_type', rows, { cursor: [5099], rowsTotal: 5003 });
    const stored = (await sink.readRows('every_type')).filter((r) => (r[0] as number) >= 100);
    expect(stored.length).toBe(rows.length);
    for (let i = 0; i < rows.length; i++) expect(stored[i], `row ${i}`).toEqual(rows[i]);
    const counts = await sink.sqlRows(
      `SELECT vc, count(*) FROM every_type_base
       WHERE vc IN ('ab', 'twelve-chars', 'value number 4', 'value number 4001 é') GROUP BY vc ORDER BY vc`,
    );
    const expected = (v: string) =>
      rows.filter((r) => r[COLUMNS.findIndex(([c]) => c.name === 'vc')] === v).length;
    expect(counts).toEqual([
      ['ab', BigInt(expected('ab'))],
      ['twelve-chars', BigInt(expected('twelve-chars'))],
      ['value number 4', 1n],
      ['value number 4001 é', 1n],
    ]);
  });

  it('stores rows given as cells (a full-sync read) exactly as the same rows given as Values', async () => {
    // Integers as digits, text as UTF-8 and binary as bytes take the columns' cell paths; every
    // other kind goes through its Value (here a tagged text form), as the source's cells do.
    const rows = chunkRows(10_000);
    const forms: CellForm[] = COLUMNS.map(([c], i) => {
      const values = rows.map((r) => r[i]).filter((v) => v !== null);
      if (['tinyint', 'smallint', 'mediumint', 'int', 'year'].includes(c.kind)) return 'integer';
      if (values.every((v) => typeof v === 'string')) return 'utf8';
      if (values.every((v) => v instanceof Uint8Array)) return 'bytes';
      return 'value';
    });
    const tagged = (v: Exclude<Value, null>): string =>
      typeof v === 'bigint'
        ? `b${v}`
        : typeof v === 'number'
          ? `n${v}`
          : typeof v === 'string'
            ? `s${v}`
            : `x${Buffer.from(v).toString('hex')}`;
    const untag = (t: string): Exclude<Value, null> =>
      t[0] === 'b'
        ? BigInt(t.slice(1))
        : t[0] === 'n'
          ? Number(t.slice(1))
          : t[0] === 's'
            ? t.slice(1)
            : new Uint8Array(Buffer.from(t.slice(1), 'hex'));
    const columns: CellColumn[] = forms.map((form) => ({
      form,
      value: (b, start, end) =>
        form === 'integer'
          ? Number(b.toString('latin1', start, end))
          : form === 'utf8'
            ? b.toString('utf8', start, end)
            : form === 'bytes'
              ? new Uint8Array(b.subarray(start, end))
              : untag(b.toString('utf8', start, end)),
    }));
    // The cells one after another with a byte between them, as in a packet.
    const parts: Buffer[] = [];
    const cells = new Int32Array(rows.length * COLUMNS.length * 2);
    let at = 0;
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < COLUMNS.length; c++) {
        const v = rows[r][c];
        const k = 2 * (r * COLUMNS.length + c);
        if (v === null) {
          cells[k] = -1;
          cells[k + 1] = -1;
          continue;
        }
        const bytes =
          forms[c] === 'bytes'
            ? Buffer.from(v as Uint8Array)
            : Buffer.from(forms[c] === 'value' ? tagged(v) : String(v), 'utf8');
        parts.push(Buffer.from([0xfe]), bytes);
        cells[k] = at + 1;
        cells[k + 1] = at + 1 + bytes.length;
        at += 1 + bytes.length;
      }
    }
    const batch = new CellRows(columns, Buffer.concat(parts), cells, rows.length);
    expect(forms.filter((f) => f === 'value').length).toBeGreaterThan(3);
    await sink.appendBaseChunk('every_type', batch, { cursor: [14_999], rowsTotal: 10_003 });
    const stored = (await sink.readRows('every_type')).filter((r) => (r[0] as number) >= 10_000);
    expect(stored.length).toBe(rows.length);
    for (let i = 0; i < rows.length; i++) expect(stored[i], `row ${i}`).toEqual(rows[i]);

    // A cell the column cannot hold is refused like a Value, naming the row and the column.
    const ti = COLUMNS.findIndex(([c]) => c.name === 'ti');
    const bad = new Int32Array(cells.subarray(0, 3 * COLUMNS.length * 2));
    const digits = Buffer.from('300');
    const badBytes = Buffer.concat([batch.bytes, digits]);
    bad[2 * (2 * COLUMNS.length + ti)] = batch.bytes.length;
    bad[2 * (2 * COLUMNS.length + ti) + 1] = batch.bytes.length + digits.length;
    await expect(
      sink.appendBaseChunk('every_type', new CellRows(columns, badBytes, bad, 3), {
        cursor: [20_002],
      }),
    ).rejects.toThrow(
      /every_type_base: row 3 of the rows written, column ti: TINYINT cannot hold number 300/,
    );

    // Text cells that are not valid UTF-8 (a source storing unchecked bytes) are stored as the
    // Value path decodes them, U+FFFD for each bad sequence; DuckDB's VARCHAR never gets them raw
    // (given raw, DuckDB refuses the whole append: "Invalid unicode … in segment statistics").
    expect(forms[COLUMNS.findIndex(([c]) => c.name === 'vc')]).toBe('utf8');
    const vc = COLUMNS.findIndex(([c]) => c.name === 'vc');
    const id = COLUMNS.findIndex(([c]) => c.name === 'id');
    const texts = [
      Buffer.from([0x61, 0xff, 0x62]), // short: an inline entry
      Buffer.concat([Buffer.from('é'.repeat(10)), Buffer.from([0xc3])]), // long, cut in a sequence
      Buffer.from('ok, and long enough to point into the cells'),
    ];
    const oddBytes = Buffer.concat([Buffer.from('300013000230003'), ...texts]);
    const odd = new Int32Array(3 * COLUMNS.length * 2).fill(-1);
    let p = 15;
    for (let r = 0; r < 3; r++) {
      odd[2 * (r * COLUMNS.length + id)] = 5 * r;
      odd[2 * (r * COLUMNS.length + id) + 1] = 5 * r + 5;
      odd[2 * (r * COLUMNS.length + vc)] = p;
      odd[2 * (r * COLUMNS.length + vc) + 1] = p + texts[r].length;
      p += texts[r].length;
    }
    await sink.appendBaseChunk('every_type', new CellRows(columns, oddBytes, odd, 3), { cursor: [30_003] });
    const oddStored = (await sink.readRows('every_type')).filter((r) => (r[0] as number) >= 30_000);
    expect(oddStored.map((r) => [r[id], r[vc]])).toEqual([
      [30_001, 'a\ufffdb'],
      [30_002, `${'é'.repeat(10)}\ufffd`],
      [30_003, 'ok, and long enough to point into the cells'],
    ]);
  });
});
