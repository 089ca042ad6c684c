import { EventType } from '../../src/binlog/event-type.js';
import { type BinlogRangeInput, fail, input, openBinlogRange, output, seconds } from './common.js';

/**
 * cdc-catchup transport ceiling: binlake's replication connection (register, dump, packet
 * framing, positions) from `start` to the binlog's current end, counting events and bytes and
 * recognising row events by their type byte, without decoding a single row.
 */
// WRITE/UPDATE/DELETE_ROWS v1 and v2, and MariaDB's compressed v1 and v2.
const ROW_TYPES = new Set<number>(
  Object.entries(EventType)
    .filter(([name]) => /^(WRITE|UPDATE|DELETE)_ROWS_(COMPRESSED_)?V[12]$/.test(name))
    .map(([, code]) => code),
);

async function main(): Promise<void> {
  const range = input<BinlogRangeInput>();
  const stream = await openBinlogRange(range);
  // Timed from the running dump: connecting and registering are in the dump's start-up figure.
  const started = process.hrtime.bigint();
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
