import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli.js';
import { MariadbSandbox } from '../../harness/server.js';
import { mergedRows, sourceRows, writeTaskConfig } from '../../harness/sync-fixtures.js';

const SAKILA = path.resolve(import.meta.dirname, '../../../../shared/data/sakila');

function load(server: MariadbSandbox, file: string): void {
  const r = spawnSync('mariadb', ['-h127.0.0.1', `-P${server.port}`, '-uroot'], {
    stdio: [openSync(path.join(SAKILA, file), 'r'), 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr}`);
}

describe('the Sakila sample database', () => {
  let server: MariadbSandbox;
  afterAll(async () => server?.stop());

  it('syncs all 16 tables and merges each equal to the source after live changes', async () => {
    server = await MariadbSandbox.start();
    load(server, 'sakila-schema.sql');
    load(server, 'sakila-data.sql');
    const { configPath } = writeTaskConfig(server, [{ database: 'sakila', tables: '*' }], {
      snapshot: { chunkSize: 5000, parallelism: 2 },
    });
    const precheck = await runCli(['precheck', '--config', configPath]);
    // Sakila's ON UPDATE CASCADE foreign keys are a warning, not a failure.
    expect(precheck.code, precheck.stdout).toBe(0);
    expect(precheck.stdout).toMatch(/cascade/i);

    const first = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(first.code, first.stderr).toBe(0);
    const conn = await server.connect('sakila');
    await conn.query(`
      UPDATE actor SET last_name = 'GUINESS-ÄÖÜ' WHERE actor_id = 1;
      UPDATE film SET title = 'ACADEMY DINOSAUR II', rental_rate = 5.99 WHERE film_id = 1;
      DELETE FROM payment WHERE payment_id BETWEEN 100 AND 150;
      INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id) VALUES ('2026-01-02 03:04:05', 10, 5, 1);
      UPDATE customer SET active = 0, email = NULL WHERE customer_id % 50 = 0;
      INSERT INTO film (title, language_id, special_features, rating) VALUES ('NEW ✨ FILM', 1, 'Trailers,Deleted Scenes', 'PG-13');`);
    await conn.end();
    const second = await runCli(['sync', '--config', configPath, '--until-caught-up']);
    expect(second.code, second.stderr).toBe(0);

    const tables = (
      await server.query<{ t: string }[]>(
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'sakila' AND table_type = 'BASE TABLE' ORDER BY 1",
      )
    ).map((r) => r.t);
    expect(tables).toHaveLength(16);
    for (const table of tables) {
      expect(await mergedRows(configPath, table), table).toEqual(await sourceRows(server, 'sakila', table));
    }
    const verify = await runCli(['verify', '--config', configPath]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 300_000);
});
