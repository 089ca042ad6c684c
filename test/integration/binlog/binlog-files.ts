import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { BinlogDecoder, type DecoderOptions } from '../../../src/binlog/decoder.js';
import type { BinlogEvent } from '../../../src/binlog/events/types.js';
import { openBinlogFiles } from '../../../src/binlog/file-reader.js';
import { JsonBytes } from '../../../src/binlog/json-bytes.js';
import type { RawEvent } from '../../../src/binlog/raw-event.js';

/** The binlog files of a sandbox, in order. */
export async function binlogPaths(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => /^binlog\.\d+$/.test(n)).sort();
  return names.map((n) => path.join(dir, n));
}

export async function readRawEvents(dir: string): Promise<RawEvent[]> {
  const out: RawEvent[] = [];
  const source = openBinlogFiles(await binlogPaths(dir));
  for await (const raw of source) out.push(raw);
  return out;
}

/** Decodes every event of the sandbox's binlog files with one decoder, payload events flattened. */
export async function decodeAll(dir: string, options: DecoderOptions = {}): Promise<BinlogEvent[]> {
  const decoder = new BinlogDecoder(options);
  const out: BinlogEvent[] = [];
  for (const raw of await readRawEvents(dir)) {
    const event = decoder.decode(raw);
    if (event.type === 'transaction_payload') out.push(...event.events);
    else out.push(event);
  }
  return out;
}

/** The JSON that `binlake binlog dump` prints for each rows event of the files (its direct path). */
export async function printRowsEvents(dir: string, options: DecoderOptions = {}): Promise<string[]> {
  const decoder = new BinlogDecoder(options);
  const out: string[] = [];
  for (const raw of await readRawEvents(dir)) {
    const json = new JsonBytes();
    if (decoder.decodeOrWriteRows(raw, json) === null) out.push(json.toString());
  }
  return out;
}
