import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunningFile } from '../../src/pipeline/running-file.js';
import { runCli } from '../harness/cli.js';
import { SyncProcess, sleep } from '../harness/crash.js';
import { sharedServer } from '../harness/server.js';
import { writeTaskConfig } from '../harness/sync-fixtures.js';

/**
 * The local API beyond loopback needs its token (and refuses requests without it), and the
 * source password never shows up in logs, status, errors, metrics or the files binlake writes.
 * The API is bound to 0.0.0.0 only to test the refusal; every request goes to 127.0.0.1.
 */
describe('hostile config: API token and secrets', () => {
  it('api.host beyond loopback requires api.token, and requests without it get 401', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('apitoken');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    const noToken = writeTaskConfig(server, [{ database: db, tables: ['t'] }], { api: { host: '0.0.0.0' } });
    const refused = await runCli(['sync', '--config', noToken.configPath, '--until-caught-up']);
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/api\.token/);

    const token = `tok-${Math.random().toString(36).slice(2)}-${'z'.repeat(20)}`;
    const { configPath, warehouse } = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      api: { host: '0.0.0.0', token },
    });
    const sync = SyncProcess.start(configPath);
    try {
      expect(await sync.waitForOutput('task state Synchronizing', 60_000), sync.output).toBe(true);
      const info = readRunningFile(warehouse);
      expect(info?.port).toBeGreaterThan(0);
      const url = (p: string) => `http://127.0.0.1:${info!.port}${p}`;
      for (const [method, p] of [
        ['GET', '/status'],
        ['GET', '/metrics'],
        ['POST', '/merge'],
        ['POST', '/verify'],
      ] as const) {
        const none = await fetch(url(p), { method });
        expect(none.status, `${method} ${p} without a token`).toBe(401);
        const wrong = await fetch(url(p), { method, headers: { authorization: `Bearer ${token}x` } });
        expect(wrong.status, `${method} ${p} with a wrong token`).toBe(401);
        const basic = await fetch(url(p), { method, headers: { authorization: token } });
        expect(basic.status, `${method} ${p} with the token but no Bearer`).toBe(401);
      }
      const ok = await fetch(url('/status'), { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      const body = await ok.text();
      expect(body).not.toContain(token);
      // The CLI reads the token from the running file and goes through.
      const status = await runCli(['status', '--config', configPath, '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).not.toContain(token);
    } finally {
      await sync.stop();
    }
  }, 180_000);

  it('never prints or stores the source password (right or wrong)', async () => {
    const server = sharedServer();
    const db = await server.freshDatabase('secret');
    await server.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY, v VARCHAR(10))`);
    await server.query(`INSERT INTO \`${db}\`.t VALUES (1, 'a')`);
    const password = `Pw-Z3cr3t-${process.pid}-QXJ!'"`;
    const wrongPassword = `Wr0ng-Pw-${process.pid}-KLM`;
    const user = `bl_secret_${process.pid}`;
    const address = await server.createUser(user, password, [
      { privileges: 'SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT', on: '*.*' },
    ]);
    const secrets = [password, wrongPassword, encodeURIComponent(password)];
    const outputs: string[] = [];

    // The password literally in the config, and through ${NAME} from the environment.
    const literal = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      source: { ...address, serverId: 7900 + (process.pid % 90) },
    });
    const fromEnv = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      source: { ...address, password: '${BINLAKE_TEST_SECRET}', serverId: 7990 + (process.pid % 9) },
    });
    const env = { BINLAKE_TEST_SECRET: password };
    for (const { configPath } of [literal, fromEnv]) {
      const pre = await runCli(['precheck', '--config', configPath, '--json'], { env });
      outputs.push(pre.stdout, pre.stderr);
      const sync = await runCli(
        ['sync', '--config', configPath, '--until-caught-up', '--log-level', 'debug'],
        {
          env,
        },
      );
      outputs.push(sync.stdout, sync.stderr);
      expect(sync.code, sync.stderr).toBe(0);
      const st = await runCli(['status', '--config', configPath, '--json'], { env });
      outputs.push(st.stdout, st.stderr);
      const verify = await runCli(['verify', '--config', configPath], { env });
      outputs.push(verify.stdout, verify.stderr);
    }
    // Metrics, status and a verify through the API of a running sync.
    const running = SyncProcess.start(literal.configPath, ['--log-level', 'debug']);
    try {
      expect(await running.waitForOutput('task state Synchronizing', 60_000), running.output).toBe(true);
      const info = readRunningFile(literal.warehouse)!;
      outputs.push(await (await fetch(`http://127.0.0.1:${info.port}/metrics`)).text());
      outputs.push(await (await fetch(`http://127.0.0.1:${info.port}/status`)).text());
      const st = await runCli(['status', '--config', literal.configPath, '--json']);
      outputs.push(st.stdout, st.stderr);
      await sleep(1200); // the status file is rewritten every second
    } finally {
      await running.stop();
      outputs.push(running.output);
    }

    // A wrong password: precheck, sync and status fail — without echoing either password.
    const wrong = writeTaskConfig(server, [{ database: db, tables: ['t'] }], {
      source: { ...address, password: wrongPassword, serverId: 7800 + (process.pid % 90) },
    });
    for (const args of [
      ['precheck', '--config', wrong.configPath],
      ['precheck', '--config', wrong.configPath, '--json'],
      ['sync', '--config', wrong.configPath, '--until-caught-up', '--log-format', 'json'],
      ['status', '--config', wrong.configPath, '--json'],
      ['verify', '--config', wrong.configPath],
      ['binlog', 'dump', '--config', wrong.configPath, '--rows-only'],
    ]) {
      const r = await runCli(args);
      outputs.push(r.stdout, r.stderr);
      if (args[0] !== 'status') expect(r.code, `${args.join(' ')} with a wrong password`).not.toBe(0);
    }

    // Everything binlake wrote next to the warehouses (status and running files, the DuckDB file itself).
    const files: string[] = [];
    for (const dir of [literal.dir, fromEnv.dir, wrong.dir]) {
      for (const name of readdirSync(dir)) {
        if (name === 'binlake.yaml') continue; // the user's own config holds the literal password
        files.push(path.join(dir, name));
      }
    }
    expect(files.some((f) => f.endsWith('.binlake-status.json'))).toBe(true);
    const leaks: string[] = [];
    outputs.forEach((text, i) => {
      for (const s of secrets)
        if (text.includes(s))
          leaks.push(
            `output #${i} contains ${JSON.stringify(s)}: …${text.slice(Math.max(0, text.indexOf(s) - 200), text.indexOf(s) + 50)}`,
          );
    });
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const s of secrets)
        if (bytes.includes(Buffer.from(s))) leaks.push(`${file} contains ${JSON.stringify(s)}`);
    }
    expect(leaks).toEqual([]);
    await server.query('DROP USER IF EXISTS ?@?', [user, '127.0.0.1']);
  }, 400_000);
});
