import type { Connection } from 'mysql2/promise';
import { MariadbSandbox } from '../../src/sandbox/mariadb-sandbox.js';
import type { SqlServer } from '../../src/sandbox/sql-server.js';

/** The database every scenario works in. */
export const DB = 'bench';

/**
 * The benchmark's own server: the test harness's private mariadbd, with the binlog carrying
 * full row metadata (what both binlake and zongji prefer) and a buffer pool large enough that
 * the source reads a 2M-row table from memory, so the figures measure the tools, not the disk.
 */
export async function startBenchServer(): Promise<MariadbSandbox> {
  const server = await MariadbSandbox.start({
    extraArgs: [
      '--binlog-row-metadata=FULL',
      '--innodb-buffer-pool-size=1G',
      '--max-connections=300',
      '--innodb-doublewrite=0',
    ],
  });
  await server.query(`CREATE DATABASE IF NOT EXISTS \`${DB}\` CHARACTER SET utf8mb4`);
  return server;
}

/** A small deterministic PRNG (mulberry32), so every run loads the same rows. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUPS = 4096;
const digitGroups: string[] = (() => {
  const rand = prng(7);
  const out: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    let s = '';
    for (let j = 0; j < 11; j++) s += Math.floor(rand() * 10);
    out.push(s);
  }
  return out;
})();

/** sysbench's string shape: `n` groups of 11 digits joined by '-' (c: 10 groups = 119 chars, pad: 5 = 59). */
export function sysbenchString(rand: () => number, groups: number): string {
  let s = digitGroups[Math.floor(rand() * GROUPS)];
  for (let i = 1; i < groups; i++) s += `-${digitGroups[Math.floor(rand() * GROUPS)]}`;
  return s;
}

/** The table sysbench's oltp_* scripts create and use, so `sysbench oltp_write_only run` works on it. */
export function sysbenchDdl(table: string): string {
  return (
    `CREATE TABLE \`${table}\` (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL DEFAULT 0, ` +
    `c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', PRIMARY KEY (id), KEY k_1 (k)) ENGINE=InnoDB`
  );
}

export function sysbenchRowSql(id: number, rand: () => number, tableSize: number): string {
  return `(${id},${1 + Math.floor(rand() * tableSize)},'${sysbenchString(rand, 10)}','${sysbenchString(rand, 5)}')`;
}

/** Rows of the loader are inserted with the binlog off: the load is setup, not part of any scenario. */
async function loaderConnection(server: SqlServer): Promise<Connection> {
  const conn = await server.connect(DB);
  await conn.query('SET SESSION sql_log_bin = 0, unique_checks = 0, foreign_key_checks = 0');
  return conn;
}

/**
 * Loads rows `from..to` (inclusive) with multi-row INSERTs over `parallel` connections.
 * `rowSql(id, rand)` gives one parenthesized row.
 */
export async function loadRows(
  server: SqlServer,
  table: string,
  from: number,
  to: number,
  rowSql: (id: number, rand: () => number) => string,
  options: { parallel?: number; rowsPerStatement?: number; seed?: number; binlog?: boolean } = {},
): Promise<void> {
  const parallel = options.parallel ?? 3;
  const perStatement = options.rowsPerStatement ?? 2000;
  let next = from;
  const worker = async (w: number) => {
    const conn = options.binlog ? await server.connect(DB) : await loaderConnection(server);
    const rand = prng((options.seed ?? 1) * 1000 + w);
    try {
      while (next <= to) {
        const start = next;
        const end = Math.min(to, start + perStatement - 1);
        next = end + 1;
        const values: string[] = [];
        for (let id = start; id <= end; id++) values.push(rowSql(id, rand));
        await conn.query(`INSERT INTO \`${table}\` VALUES ${values.join(',')}`);
      }
    } finally {
      await conn.end();
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
}

/** Creates and fills a sysbench-shaped table of `rows` rows (ids 1..rows). */
export async function prepareSysbenchTable(server: SqlServer, table: string, rows: number): Promise<void> {
  await server.query(`DROP TABLE IF EXISTS \`${DB}\`.\`${table}\``);
  await server.query(`USE \`${DB}\`; ${sysbenchDdl(table)}`);
  await loadRows(server, table, 1, rows, (id, rand) => sysbenchRowSql(id, rand, rows));
}

// ---------------------------------------------------------------- wide-types

/** 30 columns, one or more per type family binlake maps (issue 6, scenario 2). */
export const WIDE_COLUMNS: [string, string][] = [
  ['id', 'INT NOT NULL'],
  ['c_tinyint', 'TINYINT'],
  ['c_usmallint', 'SMALLINT UNSIGNED'],
  ['c_mediumint', 'MEDIUMINT'],
  ['c_bigint', 'BIGINT'],
  ['c_ubigint', 'BIGINT UNSIGNED'],
  ['c_float', 'FLOAT'],
  ['c_double', 'DOUBLE'],
  ['c_dec10', 'DECIMAL(10,2)'],
  ['c_dec38', 'DECIMAL(38,10)'],
  ['c_dec65', 'DECIMAL(65,30)'],
  ['c_bit', 'BIT(10)'],
  ['c_year', 'YEAR'],
  ['c_date', 'DATE'],
  ['c_time', 'TIME(3)'],
  ['c_datetime', 'DATETIME(6)'],
  ['c_timestamp', 'TIMESTAMP(6) NULL'],
  ['c_char', 'CHAR(20)'],
  ['c_varchar', 'VARCHAR(100)'],
  ['c_text', 'TEXT'],
  ['c_latin1', 'VARCHAR(40) CHARACTER SET latin1'],
  ['c_binary', 'BINARY(16)'],
  ['c_varbinary', 'VARBINARY(64)'],
  ['c_blob', 'BLOB'],
  ['c_enum', "ENUM('red','green','blue','yellow')"],
  ['c_set', "SET('x','y','z')"],
  ['c_json', 'JSON'],
  ['c_nullable', 'INT NULL'],
  ['c_tinytext', 'TINYTEXT'],
  ['c_bool', 'TINYINT(1)'],
];

export function wideDdl(table: string): string {
  const cols = WIDE_COLUMNS.map(([n, t]) => `\`${n}\` ${t}`).join(', ');
  return `CREATE TABLE \`${table}\` (${cols}, PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

const WORDS = [
  'alpha',
  'Straße',
  'café',
  '数据',
  'ñandú',
  'こんにちは',
  'emoji🚀',
  "quote\\'s",
  'plain',
  'Ωmega',
];
const hex = (rand: () => number, bytes: number) => {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
};
const digits = (rand: () => number, n: number) => {
  let s = String(1 + Math.floor(rand() * 9));
  for (let i = 1; i < n; i++) s += Math.floor(rand() * 10);
  return s;
};
const pad2 = (n: number) => String(n).padStart(2, '0');

export function wideRowSql(id: number, rand: () => number): string {
  const r = (n: number) => Math.floor(rand() * n);
  const neg = () => (rand() < 0.5 ? '-' : '');
  const word = () => WORDS[r(WORDS.length)];
  const year = 1971 + r(60);
  const date = `${year}-${pad2(1 + r(12))}-${pad2(1 + r(28))}`;
  const clock = `${pad2(r(24))}:${pad2(r(60))}:${pad2(r(60))}`;
  const micros = String(r(1_000_000)).padStart(6, '0');
  const text = Array.from({ length: 3 + r(20) }, word).join(' ');
  const values = [
    id,
    r(256) - 128,
    r(65536),
    r(16_777_216) - 8_388_608,
    `${neg()}${digits(rand, 1 + r(18))}`,
    r(10) === 0 ? '18446744073709551615' : digits(rand, 1 + r(19)),
    `${neg()}${(rand() * 1e6).toFixed(3)}`,
    `${neg()}${rand() * 1e12}`,
    `${neg()}${digits(rand, 1 + r(8))}.${digits(rand, 2)}`,
    `${neg()}${digits(rand, 1 + r(28))}.${digits(rand, 10)}`,
    `${neg()}${digits(rand, 1 + r(35))}.${digits(rand, 30)}`,
    r(1024),
    1901 + r(255),
    `'${date}'`,
    `'${neg()}${r(839)}:${pad2(r(60))}:${pad2(r(60))}.${String(r(1000)).padStart(3, '0')}'`,
    `'${date} ${clock}.${micros}'`,
    `'${1971 + r(60)}-${pad2(1 + r(12))}-${pad2(1 + r(28))} ${clock}.${micros}'`,
    `'${word()}'`,
    `'${Array.from({ length: 1 + r(6) }, word).join(' ')}'`,
    `'${text}'`,
    `'${['café', 'naïve', 'über', 'plain'][r(4)]} ${id}'`,
    `X'${hex(rand, 16)}'`,
    `X'${hex(rand, 1 + r(64))}'`,
    `X'${hex(rand, 20 + r(200))}'`,
    `'${['red', 'green', 'blue', 'yellow'][r(4)]}'`,
    `'${['', 'x', 'y', 'x,z', 'x,y,z'][r(5)]}'`,
    `'{"id": ${id}, "name": "${word().replace("\\'", '')}", "tags": [${r(100)}, ${r(100)}], "ok": ${rand() < 0.5}}'`,
    id % 2 ? 'NULL' : r(1_000_000),
    `'${word()}'`,
    r(2),
  ];
  return `(${values.join(',')})`;
}

export async function prepareWideTable(server: SqlServer, table: string, rows: number): Promise<void> {
  await server.query(`DROP TABLE IF EXISTS \`${DB}\`.\`${table}\``);
  await server.query(`USE \`${DB}\`; ${wideDdl(table)}`);
  await loadRows(server, table, 1, rows, wideRowSql, { rowsPerStatement: 1000, seed: 3 });
}

/**
 * Bytes of the table as the text protocol carries them (sum of the values' lengths): the
 * denominator of every MB/s figure, the same for each tool.
 */
export async function tablePayloadBytes(server: SqlServer, table: string): Promise<number> {
  const cols = await server.query<{ COLUMN_NAME: string }[]>(
    'SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [DB, table],
  );
  const expr = cols.map((c) => `COALESCE(LENGTH(\`${c.COLUMN_NAME}\`), 0)`).join(' + ');
  const rows = await server.query<{ bytes: string | number }[]>(
    `SELECT SUM(${expr}) AS bytes FROM \`${DB}\`.\`${table}\``,
  );
  return Number(rows[0]?.bytes ?? 0);
}

export async function countRows(server: SqlServer, table: string): Promise<number> {
  const rows = await server.query<{ n: string | number }[]>(
    `SELECT COUNT(*) AS n FROM \`${DB}\`.\`${table}\``,
  );
  return Number(rows[0]?.n ?? 0);
}
