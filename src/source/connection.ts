import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import mysql from 'mysql2/promise';
import type { Config } from '../config/config.js';
import type { CellColumn, CellRows } from '../core/cell-rows.js';
import { BinlakeError } from '../core/errors.js';
import { comQueryPacket, type ResultSize, TextResultReader } from '../protocol/text-result.js';
import { parseServerVersion, type ServerFlavor } from './flavor.js';

/**
 * binlake's own view of a SQL connection to the source. Only this file imports mysql2; the rest
 * of `source/` (and the pipeline) sees these structural interfaces.
 *
 * Every connection is set up the same way: `time_zone='+00:00'` (TIMESTAMP values print in UTC),
 * utf8mb4, and an `sql_mode` without ANSI_QUOTES, NO_BACKSLASH_ESCAPES (our quoting relies on
 * backticks and backslashes) and PAD_CHAR_TO_FULL_LENGTH (CHAR values must read as the binlog
 * stores them, without trailing spaces). Results keep values exact: BIGINT as text (converted
 * to bigint by the row reader), DECIMAL as text, dates as the text the server prints, JSON as text.
 */
export type SourceSettings = Config['source'];

export interface QueryArraysOptions {
  /** Return GEOMETRY cells as the stored bytes (SRID + WKB) instead of mysql2's parsed object. */
  geometryAsBytes?: boolean;
}

export interface SourceConnection {
  readonly flavor: ServerFlavor;
  /** The server's connection id (for KILL and logs). */
  readonly threadId: number;
  /** Rows as objects keyed by column name; for metadata queries, not for data. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Rows as arrays in select-list order; the fast path for data. */
  queryArrays(sql: string, params?: unknown[], options?: QueryArraysOptions): Promise<unknown[][]>;
  /**
   * Streams rows as arrays with backpressure (one statement, for a table read in one pass).
   * Breaking out of the loop ends the statement by closing the connection.
   */
  streamArrays(sql: string, params?: unknown[], options?: QueryArraysOptions): AsyncIterable<unknown[]>;
  /**
   * Runs one SELECT whose result has `columns` and returns its rows as cells (the full sync's
   * read: no JavaScript value per cell, see core/cell-rows.ts). Parameters are formatted into
   * the text as `queryArrays` does.
   */
  queryCells(
    sql: string,
    params: unknown[],
    columns: readonly CellColumn[],
    expected?: ResultSize,
  ): Promise<CellRows>;
  /** False once the server closed it or a fatal error happened. */
  readonly usable: boolean;
  close(): Promise<void>;
}

/** A small set of source connections, each set up like `openSourceConnection`'s. */
export interface SourcePool {
  readonly size: number;
  acquire(): Promise<SourceConnection>;
  /** Gives a connection back; a broken one is closed and replaced on the next acquire. */
  release(conn: SourceConnection): void;
  withConnection<T>(fn: (conn: SourceConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Why a connection attempt failed, in the terms a precheck item needs. */
export type ConnectFailure = 'refused' | 'unknown-host' | 'timeout' | 'credentials' | 'tls' | 'other';

const SQL_MODES_REMOVED = new Set(['ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES', 'PAD_CHAR_TO_FULL_LENGTH']);

/** Replaces the password in a server or driver message; a password never reaches output. */
export function redactSecret(text: string, secret: string): string {
  if (!secret || secret.length < 3) return text;
  return text.split(secret).join('***');
}

function tlsOptions(tls: SourceSettings['tls']): mysql.SslOptions | undefined {
  if (!tls) return undefined;
  if (tls === true) return { rejectUnauthorized: true };
  let ca: string | undefined;
  if (tls.ca) {
    try {
      ca = readFileSync(tls.ca, 'utf8');
    } catch (error) {
      throw new BinlakeError('BLK_S1006', `source.tls.ca file ${tls.ca} cannot be read`, {
        remedy: 'point source.tls.ca at the PEM file of the CA that signed the server certificate',
        cause: error,
      });
    }
  }
  return { ...(ca ? { ca } : {}), rejectUnauthorized: tls.rejectUnauthorized !== false };
}

/** Maps a mysql2/Node connection error to a typed BinlakeError whose message never has the password. */
export function connectError(error: unknown, source: SourceSettings): BinlakeError {
  const e = error as { code?: string; errno?: number; message?: string };
  const where = `${source.host}:${source.port}`;
  const raw = redactSecret(String(e?.message ?? error), source.password);
  let reason: ConnectFailure = 'other';
  let code: 'BLK_S1001' | 'BLK_S1002' | 'BLK_S1006' = 'BLK_S1001';
  let message: string;
  let remedy: string;
  switch (e?.code) {
    case 'ECONNREFUSED':
      reason = 'refused';
      message = `nothing accepts connections at ${where} (connection refused)`;
      remedy = 'check source.host and source.port, and that the server is running and listens on TCP';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      reason = 'unknown-host';
      message = `host ${source.host} cannot be resolved (${e.code})`;
      remedy = 'check source.host: the name must resolve from this machine (or use an IP address)';
      break;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      reason = 'timeout';
      message = `no answer from ${where} within ${source.connectTimeoutMs} ms (${e.code})`;
      remedy = 'check network routes and firewalls between binlake and the source';
      break;
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      reason = 'credentials';
      code = 'BLK_S1002';
      message = `the server at ${where} refused user '${source.user}': ${raw}`;
      remedy = 'check source.user and source.password, and that the user may connect from this host';
      break;
    case 'HANDSHAKE_NO_SSL_SUPPORT':
    case 'HANDSHAKE_SSL_ERROR':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'CERT_HAS_EXPIRED':
      reason = 'tls';
      code = 'BLK_S1006';
      message = `TLS to ${where} failed: ${raw}`;
      remedy =
        'enable TLS on the server (have_ssl=YES), or give source.tls.ca, or set source.tls.rejectUnauthorized: false for a self-signed certificate';
      break;
    default:
      if (e?.errno === 1045) {
        reason = 'credentials';
        code = 'BLK_S1002';
        message = `the server at ${where} refused user '${source.user}': ${raw}`;
        remedy = 'check source.user and source.password, and that the user may connect from this host';
      } else {
        message = `cannot connect to ${where}: ${raw}`;
        remedy = 'check source.host, source.port and the server log';
      }
  }
  return new BinlakeError(code, message, {
    remedy,
    details: { reason, host: source.host, port: source.port, user: source.user, driverCode: e?.code ?? null },
  });
}

/** A query error with the SQL (never parameters, which may hold data) and the server's message. */
export function queryError(error: unknown, sql: string): BinlakeError {
  const e = error as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  return new BinlakeError(
    'BLK_S1101',
    `source query failed: ${e?.sqlMessage ?? e?.message ?? String(error)}`,
    {
      details: {
        sql: sql.length > 300 ? `${sql.slice(0, 300)}…` : sql,
        errno: e?.errno ?? null,
        driverCode: e?.code ?? null,
      },
      cause: error,
    },
  );
}

type RawConnection = mysql.Connection;

/** The part of mysql2's callback connection used for streaming. */
interface CoreConnection {
  query(
    options: object,
    params: unknown[],
  ): { stream(options: { highWaterMark: number }): AsyncIterable<unknown> };
}

/** The parts of mysql2's connection that `queryCells` relies on (mysql2 3.x, lib/base/connection.js). */
interface CoreInternals {
  stream: Duplex;
  _command?: unknown;
  _commands: { length: number };
  config: { clientFlags: number };
  serverCapabilityFlags: number;
}

/** As mysql2 reports it (a transient error: the full sync retries from its last chunk). */
const connectionLost = () =>
  Object.assign(new Error('Connection lost: the server closed the connection'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });

/** CLIENT_QUERY_ATTRIBUTES: when both sides have it, COM_QUERY carries a parameter count first. */
const CLIENT_QUERY_ATTRIBUTES = 1 << 27;

const geometryTypeCast = (field: { type: string; buffer(): Buffer | null }, next: () => unknown) =>
  field.type === 'GEOMETRY' ? field.buffer() : next();

class MysqlSourceConnection implements SourceConnection {
  private broken = false;

  constructor(
    private readonly raw: RawConnection,
    readonly flavor: ServerFlavor,
  ) {
    raw.on('error', () => {
      this.broken = true;
    });
  }

  get threadId(): number {
    return this.raw.threadId;
  }

  get usable(): boolean {
    return !this.broken;
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      const [rows] = await this.raw.query(sql, params);
      return rows as T[];
    } catch (error) {
      this.noteFatal(error);
      throw queryError(error, sql);
    }
  }

  async queryArrays(
    sql: string,
    params: unknown[] = [],
    options: QueryArraysOptions = {},
  ): Promise<unknown[][]> {
    try {
      const [rows] = await this.raw.query(
        options.geometryAsBytes
          ? { sql, rowsAsArray: true, typeCast: geometryTypeCast as never }
          : { sql, rowsAsArray: true },
        params,
      );
      return rows as unknown[][];
    } catch (error) {
      this.noteFatal(error);
      throw queryError(error, sql);
    }
  }

  async *streamArrays(
    sql: string,
    params: unknown[] = [],
    options: QueryArraysOptions = {},
  ): AsyncIterable<unknown[]> {
    const core = (this.raw as unknown as { connection: CoreConnection }).connection;
    const stream = core
      .query(
        options.geometryAsBytes
          ? { sql, rowsAsArray: true, typeCast: geometryTypeCast }
          : { sql, rowsAsArray: true },
        params,
      )
      .stream({ highWaterMark: 2048 });
    let finished = false;
    try {
      for await (const row of stream) yield row as unknown[];
      finished = true;
    } catch (error) {
      this.noteFatal(error);
      throw queryError(error, sql);
    } finally {
      if (!finished) {
        // The rest of the result would still arrive on this connection: drop it.
        this.broken = true;
        this.raw.destroy();
      }
    }
  }

  /**
   * mysql2 has no way to hand out a result's raw bytes, so while the connection is idle (no
   * command running or queued: the pool lends it to one caller) its socket's 'data' listener is
   * set aside, the COM_QUERY is written and its result read here, and the listener comes back
   * once the result ended. mysql2's own 'close' and 'error' listeners stay: a connection lost
   * meanwhile is marked broken as always. A malformed result or a lost connection leaves the
   * connection broken (closed and replaced by the pool).
   */
  async queryCells(
    sql: string,
    params: unknown[],
    columns: readonly CellColumn[],
    expected?: ResultSize,
  ): Promise<CellRows> {
    const core = (this.raw as unknown as { connection: CoreInternals }).connection;
    if (this.broken || core.stream.destroyed) {
      this.broken = true;
      throw queryError(connectionLost(), sql);
    }
    if (core._command || core._commands.length > 0) {
      throw queryError(new Error('queryCells on a connection that is running another statement'), sql);
    }
    const text = params.length > 0 ? this.raw.format(sql, params) : sql;
    const attributes = (core.config.clientFlags & core.serverCapabilityFlags & CLIENT_QUERY_ATTRIBUTES) !== 0;
    const stream = core.stream;
    const listeners = stream.listeners('data') as ((chunk: Buffer) => void)[];
    let packet: Buffer;
    let reader: TextResultReader;
    try {
      // Before the listeners are touched: a failure here leaves the connection as it was.
      packet = comQueryPacket(text, attributes);
      reader = new TextResultReader(columns, expected);
    } catch (error) {
      throw queryError(error, sql);
    }
    try {
      return await new Promise<CellRows>((resolve, reject) => {
        const finish = (error: unknown, unfinished = false) => {
          stream.off('data', onData);
          stream.off('close', onClose);
          if (error) {
            // A result left unfinished still arrives: the connection cannot serve another
            // statement, and its socket is closed at once so the server stops sending the rest
            // (mysql2's destroy only half-closes it).
            if (unfinished) stream.destroy();
            this.broken = this.broken || unfinished || (error as { fatal?: boolean }).fatal === true;
            reject(error);
          } else {
            try {
              resolve(reader.result());
            } catch (serverError) {
              reject(serverError);
            }
          }
        };
        const onData = (chunk: Buffer) => {
          let done: boolean;
          try {
            done = reader.push(chunk);
          } catch (error) {
            finish(error, true);
            return;
          }
          if (done) finish(null);
        };
        const onClose = () => finish(connectionLost(), true);
        for (const listener of listeners) stream.off('data', listener);
        stream.on('data', onData);
        stream.on('close', onClose);
        stream.write(packet);
      });
    } catch (error) {
      throw queryError(error, sql);
    } finally {
      if (this.broken) this.raw.destroy();
      else for (const listener of listeners) stream.on('data', listener);
    }
  }

  private noteFatal(error: unknown): void {
    if ((error as { fatal?: boolean })?.fatal) this.broken = true;
  }

  async close(): Promise<void> {
    this.broken = true;
    try {
      await this.raw.end();
    } catch {
      this.raw.destroy();
    }
  }
}

/**
 * Opens one source connection, sets up the session and detects the flavor. Throws BLK_S1001
 * (unreachable), BLK_S1002 (credentials) or BLK_S1006 (TLS); `details.reason` says which case.
 */
export async function openSourceConnection(source: SourceSettings): Promise<SourceConnection> {
  let raw: RawConnection;
  try {
    raw = await mysql.createConnection({
      host: source.host,
      port: source.port,
      user: source.user,
      password: source.password,
      connectTimeout: source.connectTimeoutMs,
      ssl: tlsOptions(source.tls),
      charset: 'UTF8MB4_GENERAL_CI',
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      decimalNumbers: false,
      timezone: 'Z',
      multipleStatements: false,
    });
  } catch (error) {
    if (error instanceof BinlakeError) throw error;
    throw connectError(error, source);
  }
  try {
    const [rows] = await raw.query(
      'SELECT VERSION() AS version, @@version_comment AS comment, @@session.sql_mode AS sql_mode',
    );
    const info = (rows as { version: string; comment: string | null; sql_mode: string }[])[0];
    const modes = String(info.sql_mode ?? '')
      .split(',')
      .filter((m) => m && !SQL_MODES_REMOVED.has(m.toUpperCase()));
    await raw.query("SET NAMES utf8mb4, time_zone = '+00:00', sql_mode = ?", [modes.join(',')]);
    return new MysqlSourceConnection(raw, parseServerVersion(info.version, info.comment ?? ''));
  } catch (error) {
    raw.destroy();
    throw queryError(error, 'session setup');
  }
}

/** A pool of at most `size` connections, opened lazily. Safe for concurrent chunk readers. */
export function openSourcePool(source: SourceSettings, size: number): SourcePool {
  const idle: SourceConnection[] = [];
  const waiters: ((conn: SourceConnection | null) => void)[] = [];
  let open = 0;
  let closed = false;

  const pool: SourcePool = {
    size,
    async acquire() {
      if (closed) throw new BinlakeError('BLK_S1101', 'source pool is closed');
      for (;;) {
        const conn = idle.pop();
        if (!conn) break;
        if (conn.usable) return conn;
        open--;
        void conn.close();
      }
      if (open < size) {
        open++;
        try {
          return await openSourceConnection(source);
        } catch (error) {
          open--;
          throw error;
        }
      }
      const conn = await new Promise<SourceConnection | null>((resolve) => waiters.push(resolve));
      return conn ?? pool.acquire();
    },
    release(conn) {
      if (closed || !conn.usable) {
        open--;
        void conn.close();
        const waiter = waiters.shift();
        waiter?.(null);
        return;
      }
      const waiter = waiters.shift();
      if (waiter) waiter(conn);
      else idle.push(conn);
    },
    async withConnection(fn) {
      const conn = await pool.acquire();
      try {
        return await fn(conn);
      } finally {
        pool.release(conn);
      }
    },
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter(null);
      await Promise.all(idle.splice(0).map((c) => c.close()));
    },
  };
  return pool;
}

/** Quotes an identifier with backticks (the session never runs with ANSI_QUOTES). */
export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export function quoteTable(database: string, table: string): string {
  return `${quoteId(database)}.${quoteId(table)}`;
}
