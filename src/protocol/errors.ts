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
 * ERR messages (code 1236, ER_MASTER_FATAL_ERROR_READING_BINLOG) that mean the dump could not
 * read an event at the requested position: the position is not where an event starts, lies
 * beyond the file's end, or the file is damaged there. MariaDB `sql/sql_repl.cc`
 * (`log_event_read_error`: "bogus data in log event", "binlog truncated in the middle of
 * event", "Client requested master to start replication from impossible position"), MySQL
 * `sql/rpl_binlog_sender.cc` and `Binlog_read_error::to_string` ("position > file size",
 * "corrupted data in log event", "Found invalid event in binary log").
 */
const BAD_POSITION =
  /bogus data in log event|corrupted data in log event|truncated in the middle of event|impossible position|start replication from position|invalid event in binary log/i;

/**
 * Another replica registered with the same server id (or MySQL server_uuid), so the source
 * dropped this dump: MariaDB error 4052 ER_SLAVE_SAME_ID "A slave with the same
 * server_uuid/server_id is already connected", MySQL 1236 "A replica (slave) with the same
 * server_uuid/server_id as this replica has connected to the source (master)".
 */
const ER_SLAVE_SAME_ID = 4052;
const SAME_SERVER_ID = /same server_uuid\/server_id/i;

/** What the stream was doing when the ERR came: where it read, and the server id it registered. */
export type ReplicationWhere = ({ file: string; position: number } | { gtid: string }) & {
  serverId?: number;
};

/**
 * An ERR packet received on the replication connection, as a typed error. A position the
 * server no longer has (purged, or a GTID it never logged) is BLK_S1204; MariaDB and MySQL
 * say so in error 1236 with these words (`sql/sql_repl.cc`, `sql/rpl_binlog_sender.cc`).
 * The mapping is shared by `binlake sync` (its own checkpoint) and `binlake binlog dump` (a
 * position the user gave); the dump refines BLK_S1204 with `missingStartFile`.
 */
export function replicationServerError(error: ServerError, where: ReplicationWhere): BinlakeError {
  const { serverId, ...position } = where;
  const at = 'gtid' in position ? `GTID position ${position.gtid}` : `${position.file}:${position.position}`;
  const details = {
    ...position,
    ...(serverId !== undefined ? { serverId } : {}),
    serverCode: error.code,
    sqlState: error.sqlState,
    serverMessage: error.message,
  };
  if (error.code === ER_SLAVE_SAME_ID || SAME_SERVER_ID.test(error.message)) {
    const id = serverId !== undefined ? `server id ${serverId}` : 'its server id';
    return new BinlakeError(
      'BLK_P3002',
      `the source dropped this replication connection at ${at}: another replica registered with ${id} (error ${error.code}: ${error.message})`,
      {
        remedy:
          `give each binlake task (source.serverId) and each binlog dump (--server-id) its own server id, ` +
          `different from ${serverId ?? 'the one in use'} and from every server and replica of the source ` +
          '(SHOW SLAVE HOSTS lists the registered replicas)',
        details,
      },
    );
  }
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
  if (error.code === ER_MASTER_FATAL_ERROR_READING_BINLOG && BAD_POSITION.test(error.message)) {
    const file = 'file' in position ? position.file : '<file>';
    return new BinlakeError(
      'BLK_P3002',
      `the source cannot read an event at ${at}: ${error.message} (server error ${error.code})`,
      {
        remedy:
          'a start position must be where an event starts: 4, or a position that ' +
          `SHOW BINLOG EVENTS IN '${file}' or an earlier binlog dump lists (and not beyond the file's end); ` +
          "if it is one (binlake's own checkpoint), the source's binlog file is damaged there or is not the " +
          'one binlake read (a restored or reset server): check it with mysqlbinlog, and run ' +
          '`binlake sync --resnapshot` if it cannot be repaired',
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
    {
      remedy:
        "the message is the source server's own: look its error code up in the MySQL/MariaDB manual and " +
        "the source's error log, and fix the cause there",
      details,
    },
  );
}

/** Where the numbered part of a binlog file name starts: `binlog.000012` → `binlog.`, 12. */
function splitBinlogName(name: string): { base: string; index: number | null } {
  const m = /^(.*\.)(\d+)$/.exec(name);
  return m ? { base: m[1], index: Number(m[2]) } : { base: name, index: null };
}

/**
 * `binlake binlog dump --start-file F` failed with BLK_S1204 ("could not find first log"):
 * tells a file that was purged (same base name, older than the oldest the server has) from
 * one that never existed there (newer than the newest, another base name, or a gap), using
 * `SHOW BINARY LOGS` (`files`, oldest first). Returns the original error when it is not
 * about a start file or the list does not help. Not for `binlake sync`: its checkpoint file
 * did exist, so "purged" (or a reset server) is the diagnosis there.
 */
export function missingStartFile(error: BinlakeError, files: string[]): BinlakeError {
  const file = error.details.file;
  if (error.code !== 'BLK_S1204' || typeof file !== 'string' || files.length === 0) return error;
  if (files.includes(file)) return error;
  const first = files[0];
  const last = files[files.length - 1];
  const range = files.length === 1 ? first : `${first} … ${last}`;
  const wanted = splitBinlogName(file);
  const oldest = splitBinlogName(first);
  const purged =
    wanted.base === oldest.base && wanted.index !== null && oldest.index !== null
      ? wanted.index < oldest.index
      : false;
  const details = { ...error.details, firstFile: first, lastFile: last };
  if (purged) {
    return new BinlakeError('BLK_S1204', `the source no longer has ${file} (purged; it has ${range})`, {
      remedy: `start at a file the source still has, e.g. --start-file ${first}, or leave --start-file out to start at the oldest`,
      details,
    });
  }
  return new BinlakeError(
    'BLK_C0006',
    `--start-file ${file} does not exist on the source (it has ${range})`,
    {
      remedy: `give a file SHOW BINARY LOGS lists (${range}), or leave --start-file out to start at the oldest`,
      details,
    },
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
        remedy:
          'the server is starting, shutting down, in offline mode or at max_connections: try again shortly ' +
          '(binlake sync retries by itself), or raise max_connections',
        details: { serverCode: e.errno },
        cause: error,
      },
    );
  }
  if (typeof e.errno === 'number' && e.sqlMessage !== undefined) {
    return new BinlakeError('BLK_S1101', `setting up replication on ${where} failed: ${e.sqlMessage}`, {
      remedy:
        "the source refused a statement binlake runs before replicating (the server's message says which): " +
        'check the user’s privileges (REPLICATION SLAVE, REPLICATION CLIENT) and the server variable it names',
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
