import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { freePort } from '../../src/sandbox/mariadb-sandbox.js';
import type { ServerAddress } from '../../src/sandbox/sql-server.js';
import { runCli, tempFile } from '../harness/cli.js';
import { sharedServer } from '../harness/server.js';

/** `binlake precheck` as a user runs it: the table or JSON, exit 0 / 1 / 2. */
describe('binlake precheck', () => {
  const server = sharedServer();
  let db: string;
  const suffix = `${process.pid}_${Math.floor(Math.random() * 1e5)}`;

  beforeAll(async () => {
    db = await server.freshDatabase('e2e_pre');
    await server.query(`
      CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, note VARCHAR(10));
      CREATE TABLE \`${db}\`.heap (a INT);
      CREATE TABLE \`${db}\`.parent (id INT PRIMARY KEY);
      CREATE TABLE \`${db}\`.child (id INT PRIMARY KEY, parent_id INT,
        CONSTRAINT fk_e2e_cascade FOREIGN KEY (parent_id) REFERENCES \`${db}\`.parent (id) ON DELETE CASCADE);`);
  });

  function configFile(address: ServerAddress, tables: string, passwordEnv = false, folder = ''): string {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'binlake-pre-')), folder);
    const password = passwordEnv ? '"${BINLAKE_TEST_PW}"' : JSON.stringify(address.password);
    return tempFile(
      'task.yaml',
      `source: { host: ${address.host}, port: ${address.port}, user: ${address.user}, password: ${password}, serverId: 4242, connectTimeoutMs: 5000 }
destination: { type: duckdb, path: ${JSON.stringify(path.join(dir, 'warehouse.duckdb'))} }
objects:
  - database: ${db}
    tables: ${tables}
`,
    );
  }

  const json = (stdout: string) => JSON.parse(stdout) as { ok: boolean; findings: Finding[] };
  const item = (findings: Finding[], name: string) => findings.find((f) => f.item === name);

  it('exit 0 and a readable table when nothing fails (warnings allowed)', async () => {
    const r = await runCli(['precheck', '--config', configFile(server.source, '[orders, parent, child]')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ITEM\s+RESULT\s+FOUND \/ REMEDY/);
    expect(r.stdout).toMatch(/binlog\.format\s+pass\s+binlog_format=ROW/);
    expect(r.stdout).toMatch(/destination\.writable\s+pass/);
    // The cascade is a warning naming the constraint, not a failure.
    expect(r.stdout).toMatch(new RegExp(`table\\.cascade:${db}\\.child\\.fk_e2e_cascade\\s+WARN`));
    expect(r.stdout).toMatch(/\d+ passed, \d+ warning\(s\), 0 failed/);
  });

  it('a destination folder that does not exist yet passes and sync creates it; one under a file fails', async () => {
    const config = configFile(server.source, '[orders]', false, 'new/deeper');
    const r = await runCli(['precheck', '--json', '--config', config]);
    expect(item(json(r.stdout).findings, 'destination.writable')?.found).toMatch(
      /new\/deeper does not exist yet; sync creates it in /,
    );
    const sync = await runCli(['sync', '--config', config, '--until-caught-up']);
    expect(sync.code, sync.stderr).toBe(0);
    const { loadConfig } = await import('../../src/config/config.js');
    expect(existsSync(loadConfig(config).destination.path)).toBe(true);

    const underFile = configFile(server.source, '[orders]', false, 'blocker/x');
    // `blocker` is a regular file: nothing can be created under it.
    writeFileSync(path.dirname(path.dirname(loadConfig(underFile).destination.path)), 'not a folder');
    const bad = await runCli(['sync', '--config', underFile, '--until-caught-up']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/BLK_T6004|BLK_D4004/);
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });

  it('--json prints { ok, findings }; a table without a key and a missing table fail with exit 1', async () => {
    const r = await runCli([
      'precheck',
      '--json',
      '--config',
      configFile(server.source, '[orders, heap, no_such_table]'),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).not.toBe('');
    const out = json(r.stdout);
    expect(out.ok).toBe(false);
    expect(item(out.findings, `table.key:${db}.heap`)).toMatchObject({ result: 'fail' });
    expect(item(out.findings, `table.exists:${db}.no_such_table`)).toMatchObject({ result: 'fail' });
    expect(item(out.findings, `table.key:${db}.orders`)).toMatchObject({ result: 'pass' });
    for (const f of out.findings)
      expect(Object.keys(f).sort()).toEqual(['found', 'item', 'remedy', 'result']);
  });

  it('a user without REPLICATION SLAVE fails with exit 1 and the GRANT to run', async () => {
    const user = await server.createUser(`e2e_sel_${suffix}`.slice(0, 32), 'pw-e2e-sel', [
      { privileges: 'SELECT', on: `\`${db}\`.*` },
    ]);
    const r = await runCli(['precheck', '--json', '--config', configFile(user, '[orders]')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).not.toBe('');
    const slave = item(json(r.stdout).findings, 'privilege.replication-slave');
    expect(slave).toMatchObject({ result: 'fail' });
    expect(slave?.remedy).toContain('GRANT REPLICATION SLAVE ON *.*');
  });

  it('a wrong password: exit 1, its own finding, and the password appears nowhere', async () => {
    const secret = 'Wr0ng-Pa55word-E2E';
    const user = await server.createUser(`e2e_pw_${suffix}`.slice(0, 32), 'the-right-one', [
      { privileges: 'SELECT', on: '*.*' },
    ]);
    const r = await runCli(['precheck', '--config', configFile(user, '[orders]', true)], {
      env: { BINLAKE_TEST_PW: secret },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).not.toBe('');
    expect(r.stdout).toMatch(/source\.authentication\s+FAIL\s+the server at .* refused user/);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('a refused port: exit 1 with the connectivity finding', async () => {
    const port = await freePort();
    const r = await runCli(['precheck', '--config', configFile({ ...server.source, port }, '[orders]')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).not.toBe('');
    expect(r.stdout).toMatch(/source\.connectivity\s+FAIL\s+nothing accepts connections/);
    expect(r.stdout).toMatch(/binlog\.format\s+SKIP\s+not checked/);
    expect(r.stdout).toMatch(/\d+ not checked \(they need the failed items fixed first\)/);
    // sync runs the same precheck: it names the failed item and counts the rest as not checked.
    const config = configFile({ ...server.source, port }, '[orders]');
    const sync = await runCli(['sync', '--config', config, '--until-caught-up']);
    expect(sync.code, sync.stderr).not.toBe(0);
    expect(sync.stderr).toMatch(/BLK_T6004/);
    // …and leaves no empty warehouse behind, while status still tells why.
    const { loadConfig } = await import('../../src/config/config.js');
    expect(existsSync(loadConfig(config).destination.path)).toBe(false);
    const status = await runCli(['status', '--config', config, '--json']);
    expect(JSON.parse(status.stdout).state).toBe('PrecheckFailed');
    expect(sync.stderr).toMatch(
      /precheck failed: source\.connectivity \(\d+ more items not checked until these are fixed\)/,
    );
  });

  it('a config error: exit 2, nothing checked', async () => {
    const r = await runCli(['precheck', '--config', tempFile('bad.yaml', 'source: { host: x }\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BLK_C0003');
    expect(r.stdout).toBe('');
  });
});
