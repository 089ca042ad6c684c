import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, parseConfig } from '../../../src/config/config.js';
import type { Finding } from '../../../src/core/finding.js';
import { worstSeverity } from '../../../src/core/finding.js';
import { freePort } from '../../../src/sandbox/mariadb-sandbox.js';
import type { ServerAddress } from '../../../src/sandbox/sql-server.js';
import { formatFindings, runPrecheck } from '../../../src/source/precheck/index.js';
import { sharedServer } from '../../harness/server.js';

function configFor(
  address: ServerAddress,
  objects: unknown,
  extra: Record<string, unknown> = {},
  sourceExtra: Record<string, unknown> = {},
): Config {
  return parseConfig({
    source: {
      host: address.host,
      port: address.port,
      user: address.user,
      password: address.password,
      serverId: 4242,
      ...sourceExtra,
    },
    destination: { type: 'duckdb', path: '/tmp/binlake-precheck-unused.duckdb' },
    objects,
    ...extra,
  });
}

function find(findings: Finding[], item: string): Finding {
  const found = findings.find((f) => f.item === item);
  if (!found) throw new Error(`no finding ${item} in:\n${formatFindings(findings)}`);
  return found;
}

describe('precheck on the shared MariaDB', () => {
  const server = sharedServer();
  let db: string;
  let empty: string;
  const suffix = `${process.pid}_${Math.floor(Math.random() * 1e5)}`;
  let mariadb = true;

  beforeAll(async () => {
    const [version] = await server.query<{ v: string }[]>('SELECT VERSION() AS v');
    mariadb = /mariadb/i.test(version.v);
    db = await server.freshDatabase('pre');
    empty = await server.freshDatabase('pre_empty');
    await server.query(`
      CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, note VARCHAR(10));
      CREATE TABLE \`${db}\`.by_unique (a INT NOT NULL, b INT NOT NULL, c INT, UNIQUE KEY uk (a, b));
      CREATE TABLE \`${db}\`.nullable_unique (a INT NULL, UNIQUE KEY u (a));
      CREATE TABLE \`${db}\`.nokey (a INT, b TEXT);
      CREATE TABLE \`${db}\`.parent (id INT PRIMARY KEY);
      CREATE TABLE \`${db}\`.child (id INT PRIMARY KEY, parent_id INT,
        CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES \`${db}\`.parent (id) ON DELETE CASCADE);
      CREATE TABLE \`${db}\`.restricted_child (id INT PRIMARY KEY, parent_id INT,
        CONSTRAINT fk_restrict FOREIGN KEY (parent_id) REFERENCES \`${db}\`.parent (id));
      CREATE VIEW \`${db}\`.v AS SELECT id FROM \`${db}\`.orders;
    `);
  });

  it('passes a well-configured source and table', async () => {
    const findings = await runPrecheck(configFor(server.source, [{ database: db, tables: ['orders'] }]));
    expect(worstSeverity(findings), formatFindings(findings)).not.toBe('fail');
    for (const item of [
      'source.connectivity',
      'source.authentication',
      'server.version',
      'binlog.log_bin',
      'binlog.format',
      'binlog.row_image',
      'server.server_id',
      'binlog.retention',
      'privilege.select',
      'privilege.replication-slave',
      'privilege.replication-client',
      `table.exists:${db}.orders`,
      `table.key:${db}.orders`,
      `table.types:${db}.orders`,
    ]) {
      expect(find(findings, item).result, item).toBe('pass');
    }
    expect(find(findings, 'server.version').found).toMatch(/(MariaDB|MySQL) \d+\.\d+\.\d+.*supported/);
    expect(find(findings, `table.key:${db}.orders`).found).toBe('primary key (id)');
    // MariaDB's default binlog_row_metadata is NO_LOG: a warning, not a failure.
    expect(['pass', 'warn']).toContain(find(findings, 'binlog.row_metadata').result);
  });

  it('a table without any key fails unless allowNoKey; a unique NOT NULL key is enough', async () => {
    const findings = await runPrecheck(
      configFor(server.source, [
        {
          database: db,
          tables: ['nokey', 'by_unique', 'nullable_unique', { name: 'orders', allowNoKey: true }],
        },
      ]),
    );
    const nokey = find(findings, `table.key:${db}.nokey`);
    expect(nokey.result).toBe('fail');
    expect(nokey.remedy).toContain('allowNoKey');
    expect(find(findings, `table.key:${db}.nullable_unique`).result).toBe('fail');
    expect(find(findings, `table.key:${db}.by_unique`)).toMatchObject({
      result: 'pass',
      found: 'unique NOT NULL key (a, b)',
    });
    const allowed = await runPrecheck(
      configFor(server.source, [{ database: db, tables: [{ name: 'nokey', allowNoKey: true }] }]),
    );
    expect(find(allowed, `table.key:${db}.nokey`).result).toBe('warn');
    expect(worstSeverity(allowed)).toBe('warn');
    // Under "*" a table has no entry to set allowNoKey on: the remedy says to list them.
    const wildcard = await runPrecheck(configFor(server.source, [{ database: db, tables: '*' }]));
    expect(find(wildcard, `table.key:${db}.nokey`).remedy).toContain(
      `list the tables of ${db} instead of "*" and write this one as { name: nokey, allowNoKey: true }`,
    );
  });

  it('missing table, missing database, a view and an empty "*" each fail with their own item', async () => {
    const findings = await runPrecheck(
      configFor(server.source, [
        { database: db, tables: ['orders', 'no_such_table', 'v'] },
        { database: `${db}_missing`, tables: ['x'] },
        { database: empty, tables: '*' },
      ]),
    );
    expect(find(findings, `table.exists:${db}.no_such_table`).result).toBe('fail');
    expect(find(findings, `table.exists:${db}.v`)).toMatchObject({ result: 'fail' });
    expect(find(findings, `table.exists:${db}.v`).found).toContain('view');
    expect(find(findings, `objects.database:${db}_missing`).result).toBe('fail');
    expect(find(findings, `objects.tables:${empty}`)).toMatchObject({ result: 'fail' });
    expect(find(findings, `table.exists:${db}.orders`).result).toBe('pass');
    // Everything is reported, not only the first problem.
    expect(findings.filter((f) => f.result === 'fail').length).toBeGreaterThanOrEqual(4);
  });

  it('"*" expands to every base table', async () => {
    const findings = await runPrecheck(configFor(server.source, [{ database: db, tables: '*' }]));
    const star = find(findings, `objects.tables:${db}`);
    expect(star.result).toBe('pass');
    expect(star.found).toContain('orders');
    expect(star.found).not.toMatch(/\bv\b/);
  });

  it('column types binlake cannot copy fail table.types, naming every such column', async () => {
    if (!mariadb) return; // INET6 and UUID are MariaDB ≥ 10.7 types
    await server.query(`CREATE TABLE \`${db}\`.odd (id INT PRIMARY KEY, ip INET6, u UUID, ok VARCHAR(3))`);
    const findings = await runPrecheck(
      configFor(server.source, [{ database: db, tables: ['odd', 'orders'] }]),
    );
    const types = find(findings, `table.types:${db}.odd`);
    expect(types.result).toBe('fail');
    expect(types.found).toContain(`${db}.odd.ip`);
    expect(types.found).toContain('inet6');
    expect(types.found).toContain(`${db}.odd.u`);
    expect(types.found).not.toContain('.ok');
    expect(find(findings, `table.types:${db}.orders`).result).toBe('pass');
  });

  it('warns about an ON DELETE CASCADE foreign key into a synced table, naming the constraint', async () => {
    const findings = await runPrecheck(
      configFor(server.source, [{ database: db, tables: ['parent', 'child', 'restricted_child'] }]),
    );
    const cascade = find(findings, `table.cascade:${db}.child.fk_child_parent`);
    expect(cascade.result).toBe('warn');
    expect(cascade.found).toContain('fk_child_parent');
    expect(cascade.found).toContain('ON DELETE CASCADE');
    expect(findings.some((f) => f.item.includes('fk_restrict'))).toBe(false);
  });

  it('a user without REPLICATION SLAVE / BINLOG MONITOR fails those items with the GRANT to run', async () => {
    const user = await server.createUser(`pre_sel_${suffix}`.slice(0, 32), 'pw-sel-123', [
      { privileges: 'SELECT', on: `\`${db}\`.*` },
    ]);
    const findings = await runPrecheck(configFor(user, [{ database: db, tables: ['orders'] }]));
    expect(find(findings, 'privilege.select').result).toBe('pass');
    const slave = find(findings, 'privilege.replication-slave');
    expect(slave.result).toBe('fail');
    expect(slave.remedy).toMatch(/^GRANT REPLICATION SLAVE ON \*\.\* TO '.*'@'127\.0\.0\.1';$/);
    const client = find(findings, 'privilege.replication-client');
    expect(client.result).toBe('fail');
    expect(client.remedy).toContain(mariadb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT');
  });

  it('privileges through a wildcard database grant and a default role count', async () => {
    const role = `pre_role_${suffix}`.slice(0, 32);
    await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.query(`CREATE ROLE ${role}`);
    await server.query(`GRANT SELECT ON \`${db}\`.orders TO ${role}`);
    const roleUser = await server.createUser(`pre_role_u_${suffix}`.slice(0, 32), 'pw-role-123', [
      { privileges: 'REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    await server.query(`GRANT ${role} TO ?@?`, [roleUser.user, '127.0.0.1']);
    await server.query(`SET DEFAULT ROLE ${role} ${mariadb ? 'FOR' : 'TO'} ?@?`, [
      roleUser.user,
      '127.0.0.1',
    ]);
    const viaRole = await runPrecheck(configFor(roleUser, [{ database: db, tables: ['orders', 'parent'] }]));
    // orders through the role; parent not granted at all (and so not even visible).
    const select = find(viaRole, 'privilege.select');
    expect(select.result).toBe('fail');
    expect(select.found).toContain(`${db}.parent`);
    expect(select.found).not.toContain(`${db}.orders,`);
    expect(find(viaRole, 'privilege.replication-slave').result).toBe('pass');
    expect(find(viaRole, 'privilege.replication-client').result).toBe('pass');

    const pattern = `${db.replace(/_/g, '\\_').slice(0, -2)}%`;
    const wildUser = await server.createUser(`pre_wild_${suffix}`.slice(0, 32), 'pw-wild-123', [
      { privileges: 'SELECT', on: `\`${pattern}\`.*` },
      { privileges: 'REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    const viaWildcard = await runPrecheck(
      configFor(wildUser, [{ database: db, tables: ['orders', 'parent'] }]),
    );
    expect(worstSeverity(viaWildcard), formatFindings(viaWildcard)).not.toBe('fail');
  });

  it('a wrong password is its own finding and never appears in any output', async () => {
    const secret = 'Sup3r-Secret-Pw!';
    const user = await server.createUser(`pre_pw_${suffix}`.slice(0, 32), 'right-password', [
      { privileges: 'SELECT', on: '*.*' },
    ]);
    const findings = await runPrecheck(
      configFor({ ...user, password: secret }, [{ database: db, tables: ['orders'] }]),
    );
    expect(find(findings, 'source.connectivity').result).toBe('pass');
    const auth = find(findings, 'source.authentication');
    expect(auth.result).toBe('fail');
    expect(auth.found).toContain('refused user');
    expect(find(findings, 'binlog.format')).toMatchObject({ result: 'fail' });
    expect(find(findings, 'binlog.format').found).toMatch(/^not checked: /);
    const text = JSON.stringify(findings) + formatFindings(findings);
    expect(text).not.toContain(secret);
  });

  it('a refused port and an unknown host are their own findings; the rest is not checked', async () => {
    const port = await freePort();
    const refused = await runPrecheck(
      configFor({ ...server.source, port }, [{ database: db, tables: ['orders'] }]),
    );
    expect(find(refused, 'source.connectivity')).toMatchObject({ result: 'fail' });
    expect(find(refused, 'source.connectivity').found).toContain('connection refused');
    expect(find(refused, 'source.authentication').found).toMatch(/^not checked/);
    expect(find(refused, 'privilege.replication-slave').found).toMatch(/unreachable/);

    const unknown = await runPrecheck(
      configFor({ ...server.source, host: 'no-such-host.invalid' }, [{ database: db, tables: ['orders'] }]),
    );
    expect(find(unknown, 'source.connectivity').found).toContain('cannot be resolved');
  });

  it('TLS configured against a server without TLS is its own finding', async () => {
    const findings = await runPrecheck(
      configFor(server.source, [{ database: db, tables: ['orders'] }], {}, { tls: true }),
    );
    const tls = find(findings, 'source.tls');
    const [row] = await server.query<{ v: string }[]>('SELECT @@have_ssl AS v');
    if (row.v === 'YES') expect(tls.result).not.toBe('fail');
    else {
      expect(tls.result, formatFindings(findings)).toBe('fail');
      expect(find(findings, 'source.authentication').found).toMatch(/^not checked/);
    }
  });

  it('extra providers run after the source items, and a throwing one becomes a failed finding', async () => {
    const findings = await runPrecheck(configFor(server.source, [{ database: db, tables: ['orders'] }]), {
      extra: [
        async ({ tables }) => [
          { item: 'dest.x', result: 'pass', found: `${tables.length} table(s)`, remedy: '' },
        ],
        async () => {
          throw new Error('boom');
        },
      ],
    });
    expect(find(findings, 'dest.x').found).toBe('1 table(s)');
    expect(find(findings, 'extra.2')).toMatchObject({ result: 'fail' });
    expect(find(findings, 'extra.2').found).toContain('boom');
  });

  afterAll(async () => {
    // Users and the role are left to the throwaway server; the databases too.
  });
});
