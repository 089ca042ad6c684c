import type { EventHeader } from '../event-header.js';
import type { BinlogFormat } from '../format.js';
import type { PacketReader } from '../packet-reader.js';
import type { TableCache } from '../table-cache.js';
import type { BinlogEvent } from './types.js';

/** What a body decoder gets besides the reader (positioned after the common header). */
export interface DecodeContext {
  header: EventHeader;
  file: string;
  position: number;
  format: BinlogFormat;
  tables: TableCache;
  /** Decodes an event nested in another (TRANSACTION_PAYLOAD); no checksum, same caches. */
  decodeNested(bytes: Buffer, position: number, file: string): BinlogEvent;
}

/** One pure decoder per event body: bytes after the header (checksum excluded) → event. */
export type BodyDecoder = (r: PacketReader, ctx: DecodeContext) => BinlogEvent;
