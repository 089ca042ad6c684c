import type { SqlServer } from '../../src/sandbox/sql-server.js';

/**
 * A steady, deterministic write load on `db.tbl (a INT, b INT, v VARCHAR, n BIGINT, PRIMARY KEY (a, b))`:
 * inserts, updates (primary-key changes included), deletes and multi-row transactions.
 * Stops by itself after `maxStatements` or when `stop()` is called.
 */
export class WriteLoad {
  private running = true;
  private done: Promise<void>;
  statements = 0;

  constructor(
    server: SqlServer,
    db: string,
    table: string,
    options: { seed?: number; maxStatements?: number; keySpace?: number } = {},
  ) {
    let seed = options.seed ?? 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const keys = options.keySpace ?? 2000;
    const max = options.maxStatements ?? 100_000;
    this.done = (async () => {
      const conn = await server.connect(db);
      try {
        while (this.running && this.statements < max) {
          const a = rand(keys);
          const b = rand(3);
          switch (rand(6)) {
            case 0:
            case 1:
              await conn.query(`INSERT IGNORE INTO \`${table}\` (a, b, v, n) VALUES (?, ?, ?, ?)`, [
                a,
                b,
                `ins-${this.statements}`,
                a * 1000 + b,
              ]);
              break;
            case 2:
              await conn.query(`UPDATE \`${table}\` SET v = ?, n = n + 1 WHERE a = ? AND b = ?`, [
                `upd-${this.statements}`,
                a,
                b,
              ]);
              break;
            case 3:
              // A primary-key change: the old key must disappear from the merge.
              await conn.query(`UPDATE IGNORE \`${table}\` SET a = a + ? WHERE a = ? AND b = ?`, [
                keys,
                a,
                b,
              ]);
              break;
            case 4:
              await conn.query(`DELETE FROM \`${table}\` WHERE a = ? AND b = ?`, [a, b]);
              break;
            case 5: {
              await conn.beginTransaction();
              await conn.query(`UPDATE \`${table}\` SET n = (n * 2) % 1000000007 WHERE a BETWEEN ? AND ?`, [
                a,
                a + 5,
              ]);
              await conn.query(`DELETE FROM \`${table}\` WHERE a = ? AND b = ?`, [a + 7, b]);
              await conn.query(`INSERT IGNORE INTO \`${table}\` (a, b, v, n) VALUES (?, ?, 'txn', 0)`, [
                a + 7,
                b,
              ]);
              await conn.commit();
              break;
            }
          }
          this.statements++;
        }
      } finally {
        await conn.end();
      }
    })();
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.done;
    return this.statements;
  }
}
