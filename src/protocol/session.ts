import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import mysql from 'mysql2/promise';
import { BinlakeError } from '../core/errors.js';
import { isMariadbGtidPosition } from './commands.js';
import { connectError } from './errors.js';

/**
 * Opens the SQL half of a replication session: mysql2 does the handshake, authentication
 * (mysql_native_password, caching_sha2_password, ed25519 through its plugins) and TLS, then
 * binlake sets the session variables the dump thread reads, and finally takes the socket away
 * from mysql2. From then on only our own packets go over it (see replication-stream.ts).
 */

export type TlsOption = boolean | { ca?: string; rejectUnauthorized?: boolean };

export interface SessionTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  tls?: TlsOption;
  connectTimeoutMs?: number;
}

export type Flavor = 'mysql' | 'mariadb';

export interface SessionSetup {
  /** Ask for HEARTBEAT events when the source is idle this long. */
  heartbeatSeconds?: number;
  /** MariaDB only: start after this GTID position (`@slave_connect_state`). */
  mariadbGtid?: string;
  /** Read `SHOW MASTER STATUS` (the current end) before taking the socket. */
  readEnd?: boolean;
}

export interface OpenSession {
  socket: Duplex;
  flavor: Flavor;
  version: string;
  /** The source's `@@global.binlog_checksum` is CRC32 (else NONE). */
  checksum: boolean;
  /** The server's connection id of this session (`KILL` target, `SHOW PROCESSLIST` Id). */
  connectionId: number;
  /** The end of the binlog when `readEnd` was asked. */
  end: { file: string; position: number } | null;
}

/** The structural part of mysql2's connection we rely on: its socket. */
interface Mysql2Internals {
  connection: { stream: Duplex; _closing?: boolean };
}

function sslOption(tls: TlsOption | undefined): mysql.ConnectionOptions['ssl'] {
  if (!tls) return undefined;
  if (tls === true) return {};
  const ca = tls.ca
    ? tls.ca.includes('-----BEGIN')
      ? tls.ca
      : readFileSync(tls.ca, 'utf8') // a file name
    : undefined;
  return { ...(ca ? { ca } : {}), rejectUnauthorized: tls.rejectUnauthorized ?? true };
}

/** `SHOW MASTER STATUS`, or its MySQL 8.2+ name `SHOW BINARY LOG STATUS`. */
export async function readBinlogEnd(conn: mysql.Connection): Promise<{ file: string; position: number }> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  } catch (error) {
    if ((error as { errno?: number }).errno !== 1064) throw error; // ER_PARSE_ERROR: MySQL 8.4 renamed it
    [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOG STATUS');
  }
  const row = rows[0];
  if (!row) {
    throw new BinlakeError('BLK_S1201', 'the source has no binlog (SHOW MASTER STATUS is empty)', {
      remedy: 'turn the binlog on: log_bin=ON (and binlog_format=ROW) in my.cnf, then restart the server',
    });
  }
  return { file: String(row.File), position: Number(row.Position) };
}

/** mysql2 options for a connection to `target`: address, credentials, TLS and timeout. */
function connectOptions(target: SessionTarget) {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ssl: sslOption(target.tls),
    connectTimeout: target.connectTimeoutMs ?? 10_000,
  };
}

export async function openSession(target: SessionTarget, setup: SessionSetup): Promise<OpenSession> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({
      ...connectOptions(target),
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  } catch (error) {
    throw connectError(error, target);
  }
  // mysql2 reports a network failure of an idle connection as an 'error' event; until the
  // socket is ours, a failure is caught by the awaited queries below.
  conn.on('error', () => {});
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT VERSION() AS version, @@global.binlog_checksum AS checksum, CONNECTION_ID() AS id',
    );
    const version = String(rows[0].version);
    const flavor: Flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    const algorithm = String(rows[0].checksum).toUpperCase();
    if (algorithm !== 'CRC32' && algorithm !== 'NONE') {
      throw new BinlakeError('BLK_P3005', `the source's binlog_checksum is ${algorithm}`, {
        remedy: 'set binlog_checksum to CRC32 (or NONE) on the source',
      });
    }
    // The dump thread sends checksummed events only to a replica that announces it can verify
    // them (MySQL `get_slave_util_checksum` reads @master_binlog_checksum; 8.0.26+ also reads
    // @source_binlog_checksum). The decoder verifies every CRC.
    await conn.query('SET @master_binlog_checksum = @@global.binlog_checksum');
    if (flavor === 'mysql') {
      await conn.query('SET @source_binlog_checksum = @@global.binlog_checksum');
      // A dump thread with the same replica UUID as an older one replaces it.
      await conn.query('SET @slave_uuid = UUID(), @replica_uuid = @slave_uuid');
    } else {
      // MARIA_SLAVE_CAPABILITY_GTID (4): send GTID events as they are, and skip holes
      // instead of faking events for them (MariaDB `sql/log_event.h`).
      await conn.query('SET @mariadb_slave_capability = 4');
    }
    if (setup.heartbeatSeconds && setup.heartbeatSeconds > 0) {
      const nanos = BigInt(Math.round(setup.heartbeatSeconds * 1e9));
      await conn.query(`SET @master_heartbeat_period = ${nanos}`);
      if (flavor === 'mysql') await conn.query(`SET @source_heartbeat_period = ${nanos}`);
    }
    if (setup.mariadbGtid !== undefined) {
      if (!isMariadbGtidPosition(setup.mariadbGtid)) {
        throw new BinlakeError(
          'BLK_C0006',
          `not a MariaDB GTID position: ${JSON.stringify(setup.mariadbGtid)}`,
          {
            remedy:
              'give it as @@gtid_binlog_pos prints it, e.g. 0-1-42 (domain-server-sequence, comma-separated)',
          },
        );
      }
      await conn.query('SET @slave_connect_state = ?', [setup.mariadbGtid.replace(/\s+/g, '')]);
      await conn.query('SET @slave_gtid_strict_mode = 0');
      await conn.query('SET @slave_gtid_ignore_duplicates = 0');
    }
    const end = setup.readEnd ? await readBinlogEnd(conn) : null;
    const socket = takeSocket(conn);
    return {
      socket,
      flavor,
      version,
      checksum: algorithm === 'CRC32',
      connectionId: Number(rows[0].id),
      end,
    };
  } catch (error) {
    conn.destroy();
    if (error instanceof BinlakeError) throw error;
    throw connectError(error, target);
  }
}

/**
 * Detaches the (possibly TLS) socket from mysql2: its listeners go, so mysql2 neither parses
 * our replication packets nor reports the socket's close as its own error.
 */
function takeSocket(conn: mysql.Connection): Duplex {
  const base = (conn as unknown as Mysql2Internals).connection;
  base._closing = true;
  const socket = base.stream;
  for (const event of ['data', 'error', 'end', 'close', 'timeout', 'drain']) socket.removeAllListeners(event);
  return socket;
}

/** The binlog files the server has (`SHOW BINARY LOGS`), oldest first; empty when the binlog is off. */
export async function binlogFiles(target: SessionTarget): Promise<string[]> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection(connectOptions(target));
  } catch (error) {
    throw connectError(error, target);
  }
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
    return rows.map((row) => String(row.Log_name));
  } catch (error) {
    // ER_NO_BINARY_LOGGING (1381): "You are not using binary logging"
    if ((error as { errno?: number }).errno === 1381) return [];
    throw connectError(error, target);
  } finally {
    conn.destroy();
  }
}

/** The oldest binlog file the server still has (`SHOW BINARY LOGS`), for "dump everything". */
export async function firstBinlogFile(target: SessionTarget): Promise<string> {
  const files = await binlogFiles(target);
  if (!files[0]) {
    throw new BinlakeError('BLK_S1201', 'the source has no binlog files', {
      remedy: 'turn the binlog on: log_bin=ON (and binlog_format=ROW) in my.cnf, then restart the server',
    });
  }
  return files[0];
}
