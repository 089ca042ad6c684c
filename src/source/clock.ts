import type { SourceConnection } from './connection.js';

/** The source's clock minus this machine's, in milliseconds (half a round trip of uncertainty). */
export async function sourceClockOffset(conn: SourceConnection): Promise<number> {
  const before = Date.now();
  const [row] = await conn.query<{ t: string }>('SELECT UNIX_TIMESTAMP(NOW(6)) AS t');
  const after = Date.now();
  const source = Number(row?.t) * 1000;
  return Number.isFinite(source) ? Math.round(source - (before + after) / 2) : 0;
}

/**
 * An instant as the wall clock of a session time zone ('YYYY-MM-DD HH:MM:SS.ffffff'), converted
 * by the source itself (FROM_UNIXTIME under that time_zone), so named zones and SYSTEM read as
 * the server reads them. Changes the connection's time_zone: use a connection of its own.
 */
export async function wallClockIn(
  conn: SourceConnection,
  timeZone: string,
  seconds: number,
  microseconds: number,
): Promise<string> {
  await conn.query('SET time_zone = ?', [timeZone]);
  const [row] = await conn.query<{ t: string }>(
    "SELECT DATE_FORMAT(FROM_UNIXTIME(CAST(? AS DECIMAL(20,6))), '%Y-%m-%d %H:%i:%s.%f') AS t",
    [`${seconds}.${String(microseconds).padStart(6, '0')}`],
  );
  if (!row?.t) throw new Error(`no wall clock for ${seconds} in ${timeZone}`);
  return String(row.t);
}
