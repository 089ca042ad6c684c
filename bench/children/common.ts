import mysql from 'mysql2';
import { openReplicationStream, type ReplicationStream } from '../../src/protocol/replication-stream.js';

/** Input every bench child gets as its one JSON argument. */
export interface ServerInput {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function input<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: node <child>.js <json input>');
  return JSON.parse(raw) as T;
}

/** Prints the result as the last stdout line (the parent parses it) and exits. */
export function output(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A mysql2 connection with the exactness options a user copying a table would set. */
export function mysqlConnection(server: ServerInput, database: string): mysql.Connection {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    timezone: 'Z',
  });
}

export function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

export function fail(error: unknown): void {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

/** Input of the children that read a binlog range from `start` to the current end. */
export interface BinlogRangeInput {
  server: ServerInput;
  serverId: number;
  start: { file: string; position: number };
}

/** binlake's replication stream over that range (stops at the binlog's end at that moment). */
export function openBinlogRange({ server, serverId, start }: BinlogRangeInput): Promise<ReplicationStream> {
  return openReplicationStream({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    serverId,
    start,
    stopAtEnd: true,
  });
}
