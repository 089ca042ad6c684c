/**
 * `npm run demo`: binlake's main job on the embedded default, end to end.
 *
 * 1. starts a throwaway MariaDB (binlog on) and fills a small `shop` schema with generated data;
 * 2. runs the real `binlake sync` while a writer keeps inserting, updating and deleting;
 * 3. shows the full-sync progress, the changes arriving in `_log`, a merge at a past second,
 *    and the DuckDB queries to run next. Everything it makes stays in ./demo/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { stringify } from 'yaml';
import { MariadbSandbox } from '../src/sandbox/mariadb-sandbox.js';

const root = path.resolve(import.meta.dirname, '../..');
const demoDir = path.join(root, 'demo');
const bin = path.join(root, 'bin/binlake.js');

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function binlake(args: string[], options: { inherit?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    stdio: options.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
  });
}

async function output(args: string[]): Promise<string> {
  const child = binlake(args);
  let text = '';
  child.stdout?.on('data', (c) => {
    text += c;
  });
  child.stderr?.on('data', (c) => {
    text += c;
  });
  await new Promise((resolve) => child.on('close', resolve));
  return text;
}

async function main(): Promise<void> {
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });

  say('starting a private MariaDB with the binlog on (ROW, FULL, CRC32)');
  const server = await MariadbSandbox.start({ baseDir: demoDir });
  process.stdout.write(`MariaDB ${server.uri} (datadir ${server.datadir})\n`);
  let writer: Promise<void> | null = null;
  let writing = true;
  try {
    say('creating the demo schema `shop` with generated data');
    const conn = await server.connect();
    await conn.query(`CREATE DATABASE shop; USE shop;
      CREATE TABLE customer (id INT PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120), balance DECIMAL(12,2) NOT NULL,
        created_at DATETIME(6) NOT NULL, vip BOOLEAN NOT NULL DEFAULT 0);
      CREATE TABLE orders (customer_id INT NOT NULL, order_no INT NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
        amount DECIMAL(10,2) NOT NULL, note TEXT, placed_at TIMESTAMP(3) NOT NULL, PRIMARY KEY (customer_id, order_no));`);
    const customers = 20_000;
    for (let start = 0; start < customers; start += 2_000) {
      const rows = [];
      for (let id = start; id < start + 2_000; id++) {
        rows.push(
          `(${id}, 'Customer ${id} ${id % 7 === 0 ? 'Müller 😀' : ''}', 'c${id}@example.com', ${(id * 37) % 100000}.${id % 100}, '2024-01-01 00:00:00' + INTERVAL ${id} MINUTE, ${id % 10 === 0})`,
        );
      }
      await conn.query(`INSERT INTO customer VALUES ${rows.join(',')}`);
      const orders = [];
      for (let id = start; id < start + 2_000; id++) {
        for (let n = 1; n <= 3; n++)
          orders.push(`(${id}, ${n}, 'paid', ${(id * n) % 1000}.99, 'order ${n}', '2024-02-01 00:00:00')`);
      }
      await conn.query(`INSERT INTO orders VALUES ${orders.join(',')}`);
    }
    await conn.end();
    process.stdout.write(`shop.customer: ${customers} rows, shop.orders: ${customers * 3} rows\n`);

    const configPath = path.join(demoDir, 'binlake.yaml');
    const warehouse = path.join(demoDir, 'warehouse.duckdb');
    writeFileSync(
      configPath,
      stringify({
        source: { ...server.source, serverId: 4242 },
        destination: { type: 'duckdb', path: warehouse },
        objects: [{ database: 'shop', tables: ['customer', 'orders'] }],
        snapshot: { chunkSize: 5_000, parallelism: 2, maxRowsPerSecond: 40_000 },
        partitions: ['modifytime_year', 'modifytime_month', 'modifytime_day'],
      }),
    );
    process.stdout.write(`config: ${configPath}\n`);

    say('a writer keeps changing the source: inserts, updates (some change a primary key), deletes');
    writer = (async () => {
      const w = await server.connect('shop');
      let i = 0;
      while (writing) {
        const id = (i * 7919) % customers;
        await w.query('UPDATE customer SET balance = balance + 1.25, vip = NOT vip WHERE id = ?', [id]);
        await w.query("INSERT INTO orders VALUES (?, ?, 'new', 10.00, 'live', NOW(3))", [id, 100 + i]);
        if (i % 5 === 0)
          await w.query("UPDATE orders SET status = 'shipped' WHERE customer_id = ? AND order_no = 1", [id]);
        if (i % 7 === 0) await w.query('DELETE FROM orders WHERE customer_id = ? AND order_no = 2', [id]);
        if (i % 11 === 0)
          await w.query(
            'UPDATE orders SET order_no = order_no + 1000 WHERE customer_id = ? AND order_no = 3',
            [id],
          );
        i++;
        await sleep(20);
      }
      await w.end();
    })();

    say('binlake sync: precheck, schema sync, lock-free full sync (progress below), then the binlog');
    const sync = binlake(['sync', '--config', configPath], { inherit: true });
    const exited = new Promise<number | null>((resolve) => sync.on('close', (code) => resolve(code)));
    let status: { state: string; tables: { phase: string }[] } = { state: 'NotStarted', tables: [] };
    for (let i = 0; i < 240; i++) {
      await sleep(500);
      try {
        status = JSON.parse(await output(['status', '--config', configPath, '--json']));
      } catch {}
      if (status.state === 'Failed' || status.state === 'PrecheckFailed') break;
      if (status.tables.length && status.tables.every((t) => t.phase === 'incremental')) break;
    }
    if (status.state !== 'Synchronizing')
      throw new Error(`sync did not reach Synchronizing: ${JSON.stringify(status)}`);
    await sleep(2_500);
    const mergeAt = Math.floor(Date.now() / 1000) + 1;
    say(`changes keep arriving in _log; remembering second ${mergeAt} for a merge`);
    await sleep(4_000);
    writing = false;
    await writer;
    await sleep(1_500);
    process.stdout.write(await output(['status', '--config', configPath]));
    sync.kill('SIGTERM');
    process.stdout.write(
      `binlake sync exited with ${await exited} after SIGTERM (the batch in flight was committed)\n`,
    );

    say(`binlake merge --table orders --at ${mergeAt}: the table as it was at that second`);
    process.stdout.write(
      await output(['merge', '--config', configPath, '--table', 'orders', '--at', String(mergeAt)]),
    );
    process.stdout.write(
      await output(['merge', '--config', configPath, '--table', 'customer', '--at', String(mergeAt)]),
    );
    say('binlake verify: the merge of every committed change equals the source, value by value');
    process.stdout.write(await output(['verify', '--config', configPath]));

    say('what is in the warehouse (DuckDB)');
    const instance = await DuckDBInstance.create(warehouse);
    const db = await instance.connect();
    const queries = [
      'SELECT operation_flag, before_flag, after_flag, count(*) AS n FROM orders_log GROUP BY ALL ORDER BY ALL',
      'SELECT record_id, operation_flag, utc_timestamp, before_flag, after_flag, customer_id, order_no, status FROM orders_log ORDER BY record_id DESC, after_flag LIMIT 6',
      `SELECT status, count(*) AS orders, sum(amount) AS amount FROM "orders_${mergeAt}" GROUP BY status ORDER BY status`,
    ];
    for (const sql of queries) {
      process.stdout.write(`\nD ${sql};\n`);
      const reader = await db.runAndReadAll(sql);
      const rows = reader.getRowObjectsJson();
      console.table(rows);
    }
    db.closeSync();
    instance.closeSync();
    say('next steps');
    process.stdout.write(
      `warehouse: ${warehouse}\n` +
        `  duckdb ${path.relative(process.cwd(), warehouse)}   # then the queries above\n` +
        `  node bin/binlake.js status --config ${path.relative(process.cwd(), configPath)}\n` +
        `  node bin/binlake.js merge --config ${path.relative(process.cwd(), configPath)} --table customer --at <second> --print-sql --dialect maxcompute\n` +
        '(the demo MariaDB is stopped; its datadir stays in ./demo for inspection)\n',
    );
  } finally {
    writing = false;
    await writer?.catch(() => undefined);
    await server.halt();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
