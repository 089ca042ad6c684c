import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BINLAKE_BIN, runCli, tempFile } from '../harness/cli.js';

const valid = `source: { host: 127.0.0.1, port: 1, user: root, password: "", serverId: 4242 }
destination: { type: duckdb, path: ./warehouse.duckdb }
objects:
  - database: shop
    tables: [customer, orders]
`;

describe('config errors exit 2 with a message naming the path', () => {
  it('missing key', async () => {
    const file = tempFile('c.yaml', valid.replace('serverId: 4242', ''));
    const r = await runCli(['status', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('source.serverId: is required');
  });

  it('wrong type', async () => {
    const file = tempFile('c.yaml', valid.replace('port: 1', 'port: "abc"'));
    const r = await runCli(['precheck', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('source.port: expected a number');
  });

  it('unknown destination type', async () => {
    const file = tempFile('c.yaml', valid.replace('type: duckdb', 'type: oracle'));
    const r = await runCli(['sync', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destination.type');
    expect(r.stderr).toContain('duckdb');
  });

  it('unreadable file', async () => {
    const file = tempFile('c.yaml', valid);
    chmodSync(file, 0o000);
    const r = await runCli(['status', '--config', `${file}.missing`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[BLK_C0001\] config file .* does not exist/);
  });

  it('invalid YAML', async () => {
    const file = tempFile('c.yaml', 'source: [unclosed');
    const r = await runCli(['status', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BLK_C0002');
  });

  it('unset environment variable for a secret: an error where the source is used, none where it is not', async () => {
    const file = tempFile(
      'c.yaml',
      valid
        .replace('password: ""', 'password: "${BINLAKE_NO_SUCH_VAR}"')
        .replace('user: root', 'user: "${BINLAKE_NO_USER}"'),
    );
    const r = await runCli(['precheck', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environment variable BINLAKE_NO_(USER|SUCH_VAR) is not set/);
    // status never contacts the source: it needs no password.
    const status = await runCli(['status', '--config', file]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('NotStarted');
  });

  it('two sources mapped to one target', async () => {
    const file = tempFile(
      'c.yaml',
      valid.replace('tables: [customer, orders]', 'tables: [customer, { name: orders, target: customer }]'),
    );
    const r = await runCli(['status', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BLK_C0005');
  });

  it('a wrong value inside a table entry names its key', async () => {
    const file = tempFile(
      'c.yaml',
      valid.replace('tables: [customer, orders]', 'tables: [customer, { name: orders, allowNoKey: "yes" }]'),
    );
    const r = await runCli(['precheck', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('objects[0].tables[1].allowNoKey: expected true or false, got "yes"');
  });

  it('a table listed twice', async () => {
    const file = tempFile(
      'c.yaml',
      valid.replace('tables: [customer, orders]', 'tables: [customer, customer]'),
    );
    const r = await runCli(['sync', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '[BLK_C0005] objects[0].tables[1]: shop.customer is already listed at objects[0].tables[0]',
    );
  });

  it('a usage mistake is exit 2, --help and --version exit 0', async () => {
    expect((await runCli(['merge', '--config', 'x.yaml'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['precheck', 'sync', 'status', 'merge', 'verify', 'binlog', 'console']) {
      expect(help.stdout).toContain(command);
    }
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a reader that goes away (| head) ends the command quietly, exit 0', () => {
    // The reader closes its end before binlake writes: the write fails with EPIPE.
    const command = `set -o pipefail; "${process.execPath}" "${BINLAKE_BIN}" --help | (exec 0<&-; true)`;
    const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).toBe('');
  });
});
