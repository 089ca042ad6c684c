import { BinlogDecoder } from '../../src/binlog/decoder.js';
import { openReplicationStream } from '../../src/protocol/replication-stream.js';
import { fail, input, output, type ServerInput, seconds } from './common.js';

/**
 * cdc-catchup, for diagnosis: binlake's replication stream and its `BinlogDecoder` from `start`
 * to the current end, counting decoded row changes — what `binlake binlog dump --rows-only` does
 * minus the JSON printing, and what `binlake sync` does minus capture and the sink.
 */
interface Input {
  server: ServerInput;
  serverId: number;
  start: { file: string; position: number };
}

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
  const decoder = new BinlogDecoder({ initialChecksum: stream.checksum ? 'crc32' : 'none' });
  let rowChanges = 0;
  let events = 0;
  for await (const raw of stream) {
    const event = decoder.decode(raw);
    events++;
    if (event.type === 'write_rows' || event.type === 'update_rows' || event.type === 'delete_rows') {
      rowChanges += event.rows.length;
    }
  }
  const s = seconds(started);
  await stream.close();
  output({ rowChanges, events, seconds: s });
}

main().catch(fail);
