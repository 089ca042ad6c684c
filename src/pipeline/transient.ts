import { isBinlakeError } from '../core/errors.js';

/** Driver codes and server errnos that mean "the connection went away", not "the query is wrong". */
const TRANSIENT_DRIVER_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);
// 1053 server shutdown, 1927 connection killed, 2006 gone away, 2013 lost during query, 1040 too many connections.
const TRANSIENT_ERRNOS = new Set([1053, 1927, 2006, 2013, 1040]);

/**
 * True for a source error that a retry after reconnecting can fix: the server restarted, the
 * network dropped, the connection was killed. Wrong SQL, privileges and bad data are not.
 */
export function isTransientSourceError(error: unknown): boolean {
  if (isBinlakeError(error)) {
    if (error.code === 'BLK_S1001' || error.code === 'BLK_P3001') return true;
    if (error.code !== 'BLK_S1101') return false;
    const { driverCode, errno } = error.details as { driverCode?: string | null; errno?: number | null };
    return (
      (driverCode != null && TRANSIENT_DRIVER_CODES.has(driverCode)) ||
      (errno != null && TRANSIENT_ERRNOS.has(errno))
    );
  }
  const e = error as { code?: string; errno?: number } | null;
  return (
    (e?.code != null && TRANSIENT_DRIVER_CODES.has(e.code)) ||
    (e?.errno != null && TRANSIENT_ERRNOS.has(e.errno))
  );
}
