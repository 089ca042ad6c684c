import type { RawEvent } from '../../../src/binlog/raw-event.js';
import {
  openReplicationStream,
  type ReplicationStream,
  type ReplicationStreamOptions,
} from '../../../src/protocol/replication-stream.js';
import type { SqlServer } from '../../harness/server.js';

/** Event type codes the tests look at (MySQL `Log_event_type`, MariaDB additions). */
export const T = {
  QUERY: 2,
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  HEARTBEAT: 27,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  WRITE_ROWS: 30,
  UPDATE_ROWS: 31,
  DELETE_ROWS: 32,
  ANNOTATE_ROWS: 160,
  BINLOG_CHECKPOINT: 161,
  GTID: 162,
  GTID_LIST: 163,
} as const;

export interface Seen {
  file: string;
  position: number;
  type: number;
  size: number;
  logPos: number;
  bytes: Buffer;
}

export function describeEvent(e: RawEvent): Seen {
  return {
    file: e.file,
    position: e.position,
    type: e.bytes[4],
    size: e.bytes.readUInt32LE(9),
    logPos: e.bytes.readUInt32LE(13),
    bytes: e.bytes,
  };
}

/** A real event stored in the binlog (not made up by the dump thread). */
export function isStored(e: Seen): boolean {
  return (
    e.logPos !== 0 &&
    e.type !== T.HEARTBEAT &&
    (e.bytes.readUInt16LE(17) & 0x20) === 0 &&
    e.bytes.readUInt32LE(0) !== 0
  );
}

export function streamOptions(
  server: SqlServer,
  extra: Partial<ReplicationStreamOptions>,
): ReplicationStreamOptions {
  const a = server.address;
  return {
    host: a.host,
    port: a.port,
    user: a.user,
    password: a.password,
    serverId: 1_000_000_000 + Math.floor(Math.random() * 1e9),
    start: 'end',
    // Without ANNOTATE_ROWS MariaDB skips those events, leaving holes in the positions.
    annotateRows: true,
    ...extra,
  };
}

/** Reads a stream to its end (stopAtEnd) and returns every event. */
export async function readAll(
  options: ReplicationStreamOptions,
): Promise<{ events: Seen[]; stream: ReplicationStream }> {
  const stream = await openReplicationStream({ stopAtEnd: true, ...options });
  const events: Seen[] = [];
  for await (const e of stream) events.push(describeEvent(e));
  return { events, stream };
}

/**
 * Checks that stored events follow each other without gap or repeat: within a file each starts
 * where the previous one ended; a ROTATE ends its file and the next file starts at 4 (its
 * FORMAT_DESCRIPTION) or where the rotate said.
 */
export function assertContiguous(events: Seen[]): void {
  let expectFile: string | null = null;
  let expectPosition = 0;
  for (const e of events.filter(isStored)) {
    if (expectFile !== null) {
      // A file also ends without a ROTATE when the server stops (its STOP event is not sent
      // to replicas); the next file then starts at 4.
      const restarted = e.file > expectFile && e.position === 4;
      if (!restarted && (e.file !== expectFile || e.position !== expectPosition)) {
        throw new Error(
          `gap or repeat: expected ${expectFile}:${expectPosition}, got ${e.file}:${e.position} (type ${e.type})`,
        );
      }
    }
    if (e.logPos !== e.position + e.size)
      throw new Error(`event at ${e.file}:${e.position} has log_pos ${e.logPos}`);
    if (e.type === T.ROTATE) {
      expectFile = null;
    } else {
      expectFile = e.file;
      expectPosition = e.logPos;
    }
  }
}

export const isWrite = (e: Seen) => e.type === T.WRITE_ROWS || e.type === T.WRITE_ROWS_V1;
export const isUpdate = (e: Seen) => e.type === T.UPDATE_ROWS || e.type === T.UPDATE_ROWS_V1;
