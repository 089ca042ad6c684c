import { openReplicationStream } from '../../src/protocol/replication-stream.js';
import { fail, input, output, type ServerInput, seconds } from './common.js';

/**
 * cdc-catchup transport ceiling: binlake's replication connection (register, dump, packet
 * framing, positions) from `start` to the binlog's current end, counting events and bytes and
 * recognising row events by their type byte, without decoding a single row.
 */
interface Input {
  server: ServerInput;
  serverId: number;
  start: { file: string; position: number };
}

// WRITE/UPDATE/DELETE_ROWS v1 (23-25), v2 (30-32), MariaDB compressed v1 (166-168) and v2 (169-171)
const ROW_TYPES = new Set([23, 24, 25, 30, 31, 32, 166, 167, 168, 169, 170, 171]);

async function main(): Promise<void> {
  const { server, serverId, start } = input<Input>();
  const started = process.hrtime.bigint();
  const stream = await openReplicationStream({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    serverId,
    start,
    stopAtEnd: true,
  });
  let events = 0;
  let bytes = 0;
  let rowEvents = 0;
  for await (const event of stream) {
    events++;
    bytes += event.bytes.length;
    if (ROW_TYPES.has(event.bytes[4])) rowEvents++;
  }
  const s = seconds(started);
  await stream.close();
  output({ events, bytes, rowEvents, seconds: s });
}

main().catch(fail);
