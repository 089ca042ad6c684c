import { BinlogDecoder } from '../../src/binlog/decoder.js';
import type { RawEvent } from '../../src/binlog/raw-event.js';
import { type BinlogRangeInput, fail, input, openBinlogRange, output, seconds } from './common.js';

/**
 * cdc-catchup, for diagnosis: binlake's replication stream and its `BinlogDecoder` from `start`
 * to the current end, counting decoded row changes — what `binlake binlog dump --rows-only` does
 * minus the JSON printing, and what `binlake sync` does minus capture and the sink.
 */
async function main(): Promise<void> {
  const range = input<BinlogRangeInput>();
  const started = process.hrtime.bigint();
  const stream = await openBinlogRange(range);
  const decoder = new BinlogDecoder({ initialChecksum: stream.checksum ? 'crc32' : 'none' });
  let rowChanges = 0;
  let events = 0;
  for await (const first of stream) {
    // As `binlog dump` and `sync` read: what has already arrived is taken without a promise per event.
    for (let raw: RawEvent | undefined = first; raw !== undefined; raw = stream.takeBuffered()) {
      const event = decoder.decode(raw);
      events++;
      if (event.type === 'write_rows' || event.type === 'update_rows' || event.type === 'delete_rows') {
        rowChanges += event.rows.length;
      }
    }
  }
  const s = seconds(started);
  await stream.close();
  output({ rowChanges, events, seconds: s });
}

main().catch(fail);
