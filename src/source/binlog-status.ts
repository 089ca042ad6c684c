import { BinlakeError } from '../core/errors.js';
import type { SourceConnection } from './connection.js';
import { versionAtLeast } from './flavor.js';

/**
 * Where the source's binlog stands, read with SQL. The pipeline takes `currentBinlogEnd` before
 * the first snapshot chunk (capture starts there) and checks `binlogFileAvailable` before
 * resuming from a checkpoint (a purged file means the full sync must run again).
 */
export interface BinlogEnd {
  file: string;
  position: number;
  /** MariaDB `@@gtid_binlog_pos` / MySQL `@@gtid_executed`; null when the server has none. */
  gtid: string | null;
}

export interface BinlogFile {
  file: string;
  size: number;
}

/** `SHOW MASTER STATUS`, or `SHOW BINARY LOG STATUS` on MySQL ≥ 8.2 (where the old name is deprecated, removed in 8.4). */
export function binlogStatusStatement(conn: SourceConnection): string {
  const f = conn.flavor;
  return f.flavor === 'mysql' && versionAtLeast(f, 8, 2) ? 'SHOW BINARY LOG STATUS' : 'SHOW MASTER STATUS';
}

/** The GTID state after the last binlogged transaction, or null (no GTIDs / not readable). */
export async function currentGtid(conn: SourceConnection): Promise<string | null> {
  const sql =
    conn.flavor.flavor === 'mariadb'
      ? 'SELECT @@global.gtid_binlog_pos AS g'
      : 'SELECT @@global.gtid_executed AS g';
  try {
    const [row] = await conn.query<{ g: string | null }>(sql);
    const g = row?.g === null || row?.g === undefined ? '' : String(row.g).replace(/\s+/g, '');
    return g === '' ? null : g;
  } catch {
    return null;
  }
}

/**
 * The current end of the binlog. Throws BLK_S1201 when the binlog is off (the status statement
 * returns no row) and BLK_S1003 when the user may not run it.
 */
export async function currentBinlogEnd(conn: SourceConnection): Promise<BinlogEnd> {
  const sql = binlogStatusStatement(conn);
  let rows: Record<string, unknown>[];
  try {
    rows = await conn.query(sql);
  } catch (error) {
    const errno = ((error as BinlakeError).details?.errno as number | undefined) ?? 0;
    if (errno === 1227 || errno === 1142 || errno === 1044) {
      throw new BinlakeError('BLK_S1003', `user may not run ${sql}`, {
        remedy:
          conn.flavor.flavor === 'mariadb' && versionAtLeast(conn.flavor, 10, 5, 2)
            ? "GRANT BINLOG MONITOR ON *.* TO '<user>'@'<host>'"
            : "GRANT REPLICATION CLIENT ON *.* TO '<user>'@'<host>'",
        cause: error,
      });
    }
    throw error;
  }
  const row = rows[0];
  if (!row) {
    throw new BinlakeError('BLK_S1201', `${sql} returned nothing: log_bin is off on the source`, {
      remedy: 'set log_bin=ON (log-bin=mysql-bin in my.cnf) and restart the server',
    });
  }
  const fromStatus = row.Executed_Gtid_Set;
  const gtid =
    conn.flavor.flavor === 'mysql' && typeof fromStatus === 'string'
      ? fromStatus.replace(/\s+/g, '') || null
      : await currentGtid(conn);
  return { file: String(row.File), position: Number(row.Position), gtid };
}

/** `SHOW BINARY LOGS`: the binlog files the server still has, oldest first. */
export async function listBinlogFiles(conn: SourceConnection): Promise<BinlogFile[]> {
  const rows = await conn.query<{ Log_name: string; File_size: number | string }>('SHOW BINARY LOGS');
  return rows.map((r) => ({ file: r.Log_name, size: Number(r.File_size) }));
}

/** True when a checkpoint's file is still on the server (not purged) and the position is inside it. */
export function binlogFileAvailable(
  files: BinlogFile[],
  checkpoint: { file: string; position: number },
): boolean {
  const found = files.find((f) => f.file === checkpoint.file);
  if (!found) return false;
  // The last file grows, so only an earlier file's size bounds the position.
  const isLast = files[files.length - 1]?.file === found.file;
  return isLast || checkpoint.position <= found.size;
}
