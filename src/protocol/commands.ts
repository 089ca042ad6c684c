import { isGtidTag } from '../binlog/events/gtid.js';
import { encodeVarUint } from '../binlog/mysql-serialization.js';
import { BinlakeError } from '../core/errors.js';

/**
 * The client → server packets of a replication session, built by hand (mysql2 knows none of
 * them). Layouts follow the MySQL client/server protocol manual ("Replication Protocol":
 * COM_REGISTER_SLAVE, COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID) and MariaDB `sql/sql_repl.cc`.
 * Every multi-byte integer is little-endian.
 */

export const COM_BINLOG_DUMP = 0x12;
export const COM_REGISTER_SLAVE = 0x15;
export const COM_BINLOG_DUMP_GTID = 0x1e;

/** COM_BINLOG_DUMP flag: at the end of the binlog send an EOF packet instead of waiting. */
export const BINLOG_DUMP_NON_BLOCK = 0x01;
/** MariaDB COM_BINLOG_DUMP flag: also send ANNOTATE_ROWS events (the SQL text of row events). */
export const BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02;
/** COM_BINLOG_DUMP_GTID flag: the packet carries a GTID set (`data`). */
export const BINLOG_THROUGH_GTID = 0x04;

/** Wraps a command payload into one wire packet: 3-byte length, sequence id 0 (a new command). */
export function commandPacket(payload: Buffer): Buffer {
  if (payload.length >= 0xffffff) throw new Error('replication command too large');
  const packet = Buffer.allocUnsafe(4 + payload.length);
  packet.writeUIntLE(payload.length, 0, 3);
  packet[3] = 0;
  payload.copy(packet, 4);
  return packet;
}

function lengthPrefixed1(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) throw new Error(`${what} is longer than 255 bytes`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/**
 * COM_REGISTER_SLAVE: server_id(4), hostname(1+n), user(1+n), password(1+n), port(2),
 * replication_rank(4, ignored), master_id(4, 0). The report user/password are what
 * `SHOW SLAVE HOSTS` may show, so binlake never puts the real password here.
 */
export function registerSlavePacket(serverId: number, reportHost: string): Buffer {
  const fixedHead = Buffer.allocUnsafe(5);
  fixedHead[0] = COM_REGISTER_SLAVE;
  fixedHead.writeUInt32LE(serverId >>> 0, 1);
  const tail = Buffer.alloc(10); // port 0, rank 0, master id 0
  return commandPacket(
    Buffer.concat([
      fixedHead,
      lengthPrefixed1(reportHost, 'report host'),
      lengthPrefixed1('', 'report user'),
      lengthPrefixed1('', 'report password'),
      tail,
    ]),
  );
}

/** COM_BINLOG_DUMP: position(4), flags(2), server_id(4), file name (rest of packet). */
export function binlogDumpPacket(options: {
  serverId: number;
  file: string;
  position: number;
  flags: number;
}): Buffer {
  if (options.position > 0xffffffff || options.position < 0) {
    throw new BinlakeError('BLK_C0006', `binlog position ${options.position} is out of range`, {
      remedy: 'give a position from 4 to 4294967295, as SHOW BINARY LOGS or SHOW BINLOG EVENTS lists it',
    });
  }
  const name = Buffer.from(options.file, 'utf8');
  const payload = Buffer.allocUnsafe(11 + name.length);
  payload[0] = COM_BINLOG_DUMP;
  payload.writeUInt32LE(options.position >>> 0, 1);
  payload.writeUInt16LE(options.flags, 5);
  payload.writeUInt32LE(options.serverId >>> 0, 7);
  name.copy(payload, 11);
  return commandPacket(payload);
}

/**
 * COM_BINLOG_DUMP_GTID (MySQL 5.6+): flags(2), server_id(4), name_size(4), name,
 * position(8), then with BINLOG_THROUGH_GTID data_size(4) and the encoded GTID set.
 */
export function binlogDumpGtidPacket(options: {
  serverId: number;
  gtidSet: Buffer;
  flags: number;
  file?: string;
  position?: number;
}): Buffer {
  const name = Buffer.from(options.file ?? '', 'utf8');
  const flags = options.flags | BINLOG_THROUGH_GTID;
  const payload = Buffer.allocUnsafe(1 + 2 + 4 + 4 + name.length + 8 + 4 + options.gtidSet.length);
  let at = 0;
  payload[at++] = COM_BINLOG_DUMP_GTID;
  payload.writeUInt16LE(flags, at);
  at += 2;
  payload.writeUInt32LE(options.serverId >>> 0, at);
  at += 4;
  payload.writeUInt32LE(name.length, at);
  at += 4;
  name.copy(payload, at);
  at += name.length;
  payload.writeBigUInt64LE(BigInt(options.position ?? 4), at);
  at += 8;
  payload.writeUInt32LE(options.gtidSet.length, at);
  at += 4;
  options.gtidSet.copy(payload, at);
  return commandPacket(payload);
}

/** The largest GNO MySQL hands out: `GNO_END - 1`, where GNO_END is the signed 64-bit maximum. */
const MAX_GNO = 2n ** 63n - 2n;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Encodes a MySQL GTID set (`uuid:1-5:7,uuid2:1-3`, as `@@gtid_executed` prints it) in the
 * binary form of `Gtid_set::encode` (MySQL `sql/rpl_gtid_set.cc`): n_sids(8), then per SID the
 * 16 UUID bytes, n_intervals(8) and each interval as start(8), end(8) with `end` exclusive.
 * A set with tags (MySQL 8.3+, `uuid:1-5:mytag:1-3`: a tag applies to the intervals after it)
 * uses the tagged form: the first 8 bytes are `01, n(6), 01` and each entry has its tag (varlen
 * length + bytes, empty for none) after the UUID. An empty string is the empty set (start from
 * the oldest binlog).
 */
export function encodeMysqlGtidSet(text: string): Buffer {
  const entries: { uuid: Buffer; tag: string; intervals: [bigint, bigint][] }[] = [];
  const cleaned = text.replace(/\s+/g, '');
  for (const part of cleaned ? cleaned.split(',') : []) {
    const [uuid, ...items] = part.split(':');
    if (!UUID.test(uuid) || items.length === 0) {
      throw new BinlakeError('BLK_C0006', `not a MySQL GTID set: ${JSON.stringify(text)}`, {
        remedy: 'give it as @@gtid_executed prints it, e.g. 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77',
      });
    }
    const sid = Buffer.from(uuid.replaceAll('-', ''), 'hex');
    let entry = { uuid: sid, tag: '', intervals: [] as [bigint, bigint][] };
    entries.push(entry);
    for (const item of items) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(item);
      if (!match) {
        if (!isGtidTag(item)) {
          throw new BinlakeError(
            'BLK_C0006',
            `${JSON.stringify(item)} in ${part} is neither a GTID interval (n or n-m) nor a tag`,
            { remedy: 'write intervals as n or n-m, and tags as letters, digits and _ (up to 32)' },
          );
        }
        entry = { uuid: sid, tag: item.toLowerCase(), intervals: [] };
        entries.push(entry);
        continue;
      }
      const start = BigInt(match[1]);
      const end = BigInt(match[2] ?? match[1]);
      if (start < 1n || end < start || end > MAX_GNO) {
        throw new BinlakeError(
          'BLK_C0006',
          `GTID interval ${item} in ${part} is empty, starts below 1 or ends above ${MAX_GNO}`,
          {
            remedy: `write each interval as n or n-m with 1 ≤ n ≤ m ≤ ${MAX_GNO}, as @@gtid_executed prints it`,
          },
        );
      }
      entry.intervals.push([start, end + 1n]);
    }
  }
  const bare = entries.find((e) => e.tag !== '' && e.intervals.length === 0);
  if (bare) {
    throw new BinlakeError('BLK_C0006', `GTID tag ${bare.tag} in ${JSON.stringify(text)} has no intervals`, {
      remedy: 'follow each tag with its intervals, e.g. uuid:mytag:1-5',
    });
  }
  const sets = mergeGtidEntries(entries.filter((e) => e.intervals.length > 0));
  const tagged = sets.some((e) => e.tag !== '');
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  if (tagged) {
    header[0] = 1;
    header.writeUIntLE(sets.length, 1, 6);
    header[7] = 1;
  } else {
    header.writeBigUInt64LE(BigInt(sets.length));
  }
  parts.push(header);
  for (const set of sets) {
    parts.push(set.uuid);
    if (tagged) parts.push(encodeVarUint(BigInt(set.tag.length)), Buffer.from(set.tag, 'latin1'));
    const intervals = Buffer.alloc(8 + 16 * set.intervals.length);
    let at = intervals.writeBigUInt64LE(BigInt(set.intervals.length), 0);
    for (const [start, end] of set.intervals) {
      at = intervals.writeBigUInt64LE(start, at);
      at = intervals.writeBigUInt64LE(end, at);
    }
    parts.push(intervals);
  }
  return Buffer.concat(parts);
}

/**
 * One entry per uuid and tag, in the order first written, each with its intervals sorted and
 * overlapping or touching ones joined: the server reads a set's intervals in ascending order
 * only (`1-5:3-9:11` is sent as [1,10), [11,12)).
 */
function mergeGtidEntries<T extends { uuid: Buffer; tag: string; intervals: [bigint, bigint][] }>(
  entries: T[],
): T[] {
  const byKey = new Map<string, T>();
  for (const entry of entries) {
    const key = `${entry.uuid.toString('hex')}:${entry.tag}`;
    const seen = byKey.get(key);
    if (seen) seen.intervals.push(...entry.intervals);
    else byKey.set(key, { ...entry, intervals: [...entry.intervals] });
  }
  for (const entry of byKey.values()) {
    const sorted = entry.intervals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const [start, end] of sorted) {
      const last = merged[merged.length - 1];
      if (!last || start > last[1]) merged.push([start, end]);
      else if (end > last[1]) last[1] = end; // bigint: no Math.max
    }
    entry.intervals = merged;
  }
  return [...byKey.values()];
}

/** A MariaDB GTID position: comma-separated `domain-server-sequence` triples (or empty). */
export function isMariadbGtidPosition(text: string): boolean {
  return /^\s*(\d+-\d+-\d+(\s*,\s*\d+-\d+-\d+)*)?\s*$/.test(text);
}

/** The server's answer in an ERR packet (0xFF, code(2), ['#' + sqlstate(5)], message). */
export interface ServerError {
  code: number;
  sqlState: string | null;
  message: string;
}

export function parseErrPacket(payload: Buffer): ServerError {
  const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
  let at = 3;
  let sqlState: string | null = null;
  if (payload[at] === 0x23 && payload.length >= at + 6) {
    sqlState = payload.toString('latin1', at + 1, at + 6);
    at += 6;
  }
  return { code, sqlState, message: payload.toString('utf8', Math.min(at, payload.length)) };
}
