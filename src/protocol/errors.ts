import { BinlakeError } from '../core/errors.js';
import type { ServerError } from './commands.js';

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the dump thread could not serve the requested position. */
export const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
const ER_ACCESS_DENIED_ERROR = 1045;
const ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
const ER_DBACCESS_DENIED_ERROR = 1044;

/**
 * Server errors that say "not now" rather than "never": ER_CON_COUNT_ERROR (1040),
 * ER_SERVER_SHUTDOWN (1053), ER_QUERY_INTERRUPTED (1317), ER_CONNECTION_KILLED (1927, MariaDB),
 * ER_SERVER_OFFLINE_MODE (3032, MySQL).
 */
const BUSY_SERVER_ERRORS = new Set([1040, 1053, 1317, 1927, 3032]);

/** An ERR on the replication connection that means the dump was stopped (shutdown, KILL), not refused. */
export function isInterruption(code: number): boolean {
  return BUSY_SERVER_ERRORS.has(code);
}

/** Error codes of Node's net layer that mean "the server is not (or no longer) reachable". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * Whether a failure is worth a reconnect: the network failed, not the server's judgement.
 * A server ERR (bad credentials, missing privilege, purged position) never is.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof BinlakeError) return error.code === 'BLK_S1001' || error.code === 'BLK_P3003';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * An ERR packet received on the replication connection, as a typed error. A position the
 * server no longer has (purged, or a GTID it never logged) is BLK_S1204; MariaDB and MySQL
 * say so in error 1236 with these words (`sql/sql_repl.cc`, `sql/rpl_binlog_sender.cc`).
 */
export function replicationServerError(
  error: ServerError,
  where: { file: string; position: number } | { gtid: string },
): BinlakeError {
  const at = 'gtid' in where ? `GTID position ${where.gtid}` : `${where.file}:${where.position}`;
  const details = {
    ...where,
    serverCode: error.code,
    sqlState: error.sqlState,
    serverMessage: error.message,
  };
  if (
    error.code === ER_MASTER_FATAL_ERROR_READING_BINLOG &&
    /could not find first log|purged|not in the master's binlog|which is not in|could not find gtid/i.test(
      error.message,
    )
  ) {
    return new BinlakeError(
      'BLK_S1204',
      `the source no longer has binlog position ${at}: ${error.message} (server error ${error.code})`,
      {
        remedy:
          'a position you gave (binlog dump --start-file/--gtid, a configured start): check it against SHOW BINARY ' +
          "LOGS or the server's gtid_binlog_pos; binlake's own checkpoint: the binlog was purged before binlake " +
          'read it, so run `binlake sync --resnapshot` to copy the tables again and keep binlogs longer ' +
          '(expire_logs_days / binlog_expire_logs_seconds)',
        details,
      },
    );
  }
  if (error.code === ER_SPECIFIC_ACCESS_DENIED_ERROR) {
    return new BinlakeError('BLK_S1003', `the source refused replication: ${error.message}`, {
      remedy: "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '<user>'@'<host>'",
      details,
    });
  }
  return new BinlakeError(
    'BLK_P3002',
    `the source ended replication at ${at} with error ${error.code}: ${error.message}`,
    { details },
  );
}

/**
 * A failure to connect or authenticate (thrown by mysql2), as a typed error. The message names
 * user, host and port but never the password.
 */
export function connectError(
  error: unknown,
  target: { host: string; port: number; user: string },
): BinlakeError {
  if (error instanceof BinlakeError) return error;
  const e = error as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  const where = `${target.user}@${target.host}:${target.port}`;
  if (e.errno === ER_ACCESS_DENIED_ERROR || e.code === 'ER_ACCESS_DENIED_ERROR') {
    return new BinlakeError('BLK_S1002', `the source refused the credentials of ${where}`, {
      remedy: 'check the user and password (source.user / source.password, --user / --password or MYSQL_PWD)',
      details: { serverMessage: e.sqlMessage ?? e.message, host: target.host, port: target.port },
    });
  }
  if (e.errno === ER_DBACCESS_DENIED_ERROR || e.errno === ER_SPECIFIC_ACCESS_DENIED_ERROR) {
    return new BinlakeError(
      'BLK_S1003',
      `the source user ${where} lacks a privilege: ${e.sqlMessage ?? e.message}`,
      {
        remedy: "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '<user>'@'<host>'",
      },
    );
  }
  if (e.code === 'HANDSHAKE_NO_SSL_SUPPORT' || /ssl|tls|certificate/i.test(e.message ?? '')) {
    return new BinlakeError(
      'BLK_S1006',
      `TLS with the source ${target.host}:${target.port} failed: ${e.message}`,
      {
        remedy: 'check source.tls (ca, rejectUnauthorized) and the server’s ssl settings',
        cause: error,
      },
    );
  }
  if (typeof e.errno === 'number' && BUSY_SERVER_ERRORS.has(e.errno)) {
    // The server is starting, stopping or full: worth another attempt.
    return new BinlakeError(
      'BLK_S1001',
      `the source ${target.host}:${target.port} is not available: ${e.sqlMessage ?? e.message}`,
      {
        details: { serverCode: e.errno },
        cause: error,
      },
    );
  }
  if (typeof e.errno === 'number' && e.sqlMessage !== undefined) {
    return new BinlakeError('BLK_S1101', `setting up replication on ${where} failed: ${e.sqlMessage}`, {
      details: { serverCode: e.errno },
      cause: error,
    });
  }
  return new BinlakeError(
    'BLK_S1001',
    `cannot connect to the source ${target.host}:${target.port}: ${e.message ?? String(error)}`,
    {
      remedy: 'check that the server runs and that host and port are right',
      details: { host: target.host, port: target.port, cause: e.code ?? null },
      cause: error,
    },
  );
}
