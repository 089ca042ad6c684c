import mysql from 'mysql2/promise';

export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
}

/**
 * SQL helpers over any MySQL/MariaDB server binlake's tests, demo and benchmarks talk to:
 * the private sandbox or an external server given by URI. Each call uses a short-lived connection.
 */
export class SqlServer {
  constructor(readonly address: ServerAddress) {}

  /** `mysql://user:pass@host:port` → a SqlServer. */
  static fromUri(uri: string): SqlServer {
    const url = new URL(uri);
    return new SqlServer({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
    });
  }

  get host(): string {
    return this.address.host;
  }

  get port(): number {
    return this.address.port;
  }

  get uri(): string {
    const a = this.address;
    return `mysql://${encodeURIComponent(a.user)}${a.password ? `:${encodeURIComponent(a.password)}` : ''}@${a.host}:${a.port}`;
  }

  /** Source settings in binlake's config shape. */
  get source(): ServerAddress {
    return { ...this.address };
  }

  /** A new connection; the caller ends it. Dates stay strings and big numbers stay exact. */
  async connect(database?: string): Promise<mysql.Connection> {
    const a = this.address;
    const conn = await mysql.createConnection({
      host: a.host,
      port: a.port,
      user: a.user,
      password: a.password,
      database,
      multipleStatements: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      timezone: 'Z',
    });
    await conn.query("SET time_zone = '+00:00'");
    return conn;
  }

  /** Runs SQL on a short-lived connection and returns the rows. */
  async query<T = Record<string, unknown>[]>(sql: string, params: unknown[] = []): Promise<T> {
    const conn = await this.connect();
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T;
    } finally {
      await conn.end();
    }
  }

  async masterStatus(): Promise<{ file: string; position: number }> {
    const rows = await this.query<{ File: string; Position: number | string }[]>('SHOW MASTER STATUS');
    if (!rows[0]) throw new Error('SHOW MASTER STATUS returned nothing: is the binlog on?');
    return { file: rows[0].File, position: Number(rows[0].Position) };
  }

  async setGlobal(name: string, value: string | number): Promise<void> {
    if (!/^[a-z_]+$/i.test(name)) throw new Error(`bad variable name ${name}`);
    await this.query(`SET GLOBAL ${name} = ?`, [value]);
  }

  /** Creates a user reachable from 127.0.0.1 with exactly the given privileges. */
  async createUser(
    name: string,
    password: string,
    grants: { privileges: string; on: string }[],
  ): Promise<ServerAddress> {
    await this.query('DROP USER IF EXISTS ?@?', [name, '127.0.0.1']);
    await this.query('CREATE USER ?@? IDENTIFIED BY ?', [name, '127.0.0.1', password]);
    for (const grant of grants) {
      await this.query(`GRANT ${grant.privileges} ON ${grant.on} TO ?@?`, [name, '127.0.0.1']);
    }
    return { host: this.host, port: this.port, user: name, password };
  }

  /** Drops and creates a database with a unique name starting with `prefix`; tests share one server. */
  async freshDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e6)}`.slice(0, 64);
    await this.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await this.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    return name;
  }
}
