import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/config.js';
import { BinlakeError } from '../../../src/core/errors.js';
import { tempFile } from '../../harness/cli.js';

const head = `source: { host: 127.0.0.1, user: root, serverId: 4242 }
destination: { type: duckdb, path: ./warehouse.duckdb }
`;

/** The error a YAML config gets from loadConfig: `code` and the message's lines. */
function failure(yaml: string): { code: string; lines: string[] } {
  try {
    loadConfig(tempFile('c.yaml', yaml), {});
  } catch (error) {
    if (!(error instanceof BinlakeError)) throw error;
    return { code: error.code, lines: error.message.split('\n') };
  }
  throw new Error('expected a config error');
}

const objects = (text: string) => failure(`${head}objects:\n${text}`);

describe('config errors inside objects name the key and the value', () => {
  it('a table mapping with wrong value types: each key, expected and got', () => {
    expect(
      objects(`  - database: shop
    tables: [{ name: customer, target: 5, allowNoKey: "yes" }]
`),
    ).toEqual({
      code: 'BLK_C0003',
      lines: [
        'objects[0].tables[0].target: expected a string, got 5 (put it in quotes)',
        'objects[0].tables[0].allowNoKey: expected true or false, got "yes"',
      ],
    });
  });

  it('a string where the list of tables belongs', () => {
    expect(objects(`  - { database: shop, tables: customer }\n`).lines).toEqual([
      'objects[0].tables: expected a list of table names or "*", got the string "customer" (a list of one is written ["customer"])',
    ]);
  });

  it('a misspelled tables: required, and the unknown key with the likely one', () => {
    expect(objects(`  - { database: shop, tabels: [customer] }\n`).lines).toEqual([
      'objects[0].tables: is required (expected a list of table names or "*")',
      'objects[0].tabels: unknown key (did you mean tables?)',
    ]);
  });

  it('table entries: neither a name nor a mapping, an empty list, an empty name, a misspelled key', () => {
    expect(objects(`  - { database: shop, tables: [customer, 5] }\n`).lines).toEqual([
      'objects[0].tables[1]: expected a table name or { name, target, columns, allowNoKey }, got 5',
    ]);
    expect(objects(`  - { database: shop, tables: [] }\n`).lines).toEqual([
      'objects[0].tables: must not be empty',
    ]);
    expect(objects(`  - { database: shop, tables: [""] }\n`).lines).toEqual([
      'objects[0].tables[0]: must not be empty',
    ]);
    expect(objects(`  - { database: shop, tables: [{ name: a, allownokey: true }] }\n`).lines).toEqual([
      'objects[0].tables[0].allownokey: unknown key (did you mean allowNoKey?)',
    ]);
    expect(objects(`  - { database: shop, tables: [{ name: a, columns: { x: 5 } }] }\n`).lines).toEqual([
      'objects[0].tables[0].columns.x: expected a string, got 5 (put it in quotes)',
    ]);
    expect(objects(`  - { database: shop, tables: }\n`).lines).toEqual([
      'objects[0].tables: expected a list of table names or "*", got an empty value',
    ]);
  });
});

describe('config errors elsewhere', () => {
  it('types, quotes, bounds, choices and unions outside objects', () => {
    const { code, lines } = failure(`source: { host: h, user: u, serverId: 1.5, port: "3306", tls: "yes" }
destination: { type: oracle, path: x }
objects: [{ database: shop, tables: "*" }]
partitions: modifytime_year
naming: x
snapshot: { chunkSize: 0, parallelism: 0 }
sourc: {}
`);
    expect(code).toBe('BLK_C0003');
    expect(lines).toEqual([
      'source.port: expected a number, got "3306" (remove the quotes)',
      'source.serverId: expected a whole number, got 1.5',
      'source.tls: expected true, false or { ca, rejectUnauthorized }, got "yes"',
      'destination.type: expected "duckdb", got "oracle"',
      'partitions: expected a list, got the string "modifytime_year" (a list of one is written ["modifytime_year"])',
      'naming: expected "classic" or "new", got "x"',
      'snapshot.chunkSize: must be greater than 0, got 0',
      'snapshot.parallelism: must be at least 1, got 0',
      'sourc: unknown key (did you mean source?)',
    ]);
  });

  it('never quotes a secret or a substituted value', () => {
    const { lines } = failure(`source: { host: h, user: u, serverId: 1, password: 123456 }
destination: { type: duckdb, path: x }
objects: [{ database: shop, tables: "*" }]
api: { token: 98765 }
`);
    expect(lines.join('\n')).not.toMatch(/123456|98765/);
    expect(lines).toContain('source.password: expected a string, got a number (put it in quotes)');
    expect(() =>
      parseConfig(
        {
          source: { host: 'h', user: 'u', serverId: 1, port: '${PORT}' },
          destination: { type: 'duckdb', path: 'x' },
          objects: [{ database: 'shop', tables: '*' }],
        },
        { PORT: 'hunter2' },
      ),
    ).toThrow('source.port: expected a number, got "${PORT}"');
  });

  it('an unset environment variable names the key path', () => {
    expect(() =>
      parseConfig(
        {
          source: { host: 'h', user: 'u', serverId: 1 },
          destination: { type: 'duckdb', path: 'x' },
          objects: [{ database: 'shop', tables: [{ name: '${T}' }] }],
        },
        {},
      ),
    ).toThrow('objects[0].tables[0].name: environment variable T is not set');
  });
});

describe('each table once in objects', () => {
  it('the same table twice in one list', () => {
    expect(objects(`  - { database: shop, tables: [customer, customer] }\n`)).toEqual({
      code: 'BLK_C0005',
      lines: [
        'objects[0].tables[1]: shop.customer is already listed at objects[0].tables[0]; remove one of them',
      ],
    });
  });

  it('the same database twice with overlapping lists, renamed or not', () => {
    expect(
      objects(`  - { database: shop, tables: [customer, orders] }
  - { database: shop, tables: [orders, { name: customer, target: customer2 }] }
  - { database: crm, tables: [customer] }
`).lines,
    ).toEqual([
      'objects[1].tables[0]: shop.orders is already listed at objects[0].tables[1]; remove one of them',
      'objects[1].tables[1]: shop.customer is already listed at objects[0].tables[0]; remove one of them',
    ]);
  });

  it('"*" beside a list of the same database, before or after it, and "*" twice', () => {
    expect(
      objects(`  - { database: shop, tables: [customer] }\n  - { database: shop, tables: "*" }\n`),
    ).toEqual({
      code: 'BLK_C0005',
      lines: [
        `objects[1].tables: "*" for database shop repeats the tables listed at objects[0]; remove objects[0], or remove objects[1] and list all of shop's tables there`,
      ],
    });
    expect(
      objects(`  - { database: shop, tables: "*" }
  - { database: shop, tables: [customer] }
  - { database: shop, tables: "*" }
`).lines,
    ).toEqual([
      `objects[1].tables: "*" at objects[0] already takes every table of shop; remove objects[1], or replace that "*" by the list of shop's tables`,
      'objects[2]: database shop already has "*" at objects[0]; remove one of them',
    ]);
  });

  it('distinct tables and "*" for distinct databases pass; one table to two targets does not', () => {
    const config = parseConfig(
      {
        source: { host: 'h', user: 'u', serverId: 1 },
        destination: { type: 'duckdb', path: 'x' },
        objects: [
          { database: 'shop', tables: ['customer', { name: 'orders', target: 'shop_orders' }] },
          { database: 'shop', tables: ['items'] },
          { database: 'crm', tables: '*' },
        ],
      },
      {},
    );
    expect(config.objects).toHaveLength(3);
    expect(objects(`  - { database: shop, tables: [customer, { name: customer, target: c2 }] }\n`).code).toBe(
      'BLK_C0005',
    );
  });
});
