import { decompress } from 'fzstd';
import { BinlakeError } from '../../core/errors.js';
import { MAX_INFLATED } from '../compression.js';
import { EVENT_HEADER_LENGTH } from '../raw-event.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';
import type { BinlogEvent } from './types.js';

/**
 * TRANSACTION_PAYLOAD (40, MySQL 8.0.20+ with binlog_transaction_compression=ON): a header of
 * fields `type(packed) length(packed) value(length bytes, a packed int)` — 1 payload size,
 * 2 compression type (0 zstd, 255 none), 3 uncompressed size — ended by type 0, then the
 * payload: the transaction's events back to back, each with its 19-byte header and *no*
 * checksum. They are decoded with the same format and table-map cache and exposed as `events`
 * (their `position` is the payload event's; `header.nextPosition` is what the source wrote).
 */
export class TransactionPayloadEvent extends BaseEvent {
  get type(): 'transaction_payload' {
    return 'transaction_payload';
  }
  declare readonly compression: 'zstd' | 'none';
  declare readonly payloadSize: number;
  declare readonly uncompressedSize: number;
  declare readonly events: BinlogEvent[];

  constructor(
    header: TransactionPayloadEvent['header'],
    file: string,
    position: number,
    compression: 'zstd' | 'none',
    payloadSize: number,
    uncompressedSize: number,
    events: BinlogEvent[],
  ) {
    super(header, file, position);
    this.compression = compression;
    this.payloadSize = payloadSize;
    this.uncompressedSize = uncompressedSize;
    this.events = events;
  }

  protected body() {
    return {
      compression: this.compression,
      payloadSize: this.payloadSize,
      uncompressedSize: this.uncompressedSize,
      events: this.events.map((e) => e.dump()),
    };
  }
}

export const decodeTransactionPayload: BodyDecoder = (r, ctx) => {
  let payloadSize = -1;
  let compressionType = 0;
  let uncompressedSize = -1;
  for (;;) {
    const field = r.packed();
    if (field === 0) break;
    const value = r.sub(r.packed());
    if (field === 1) payloadSize = value.packed();
    else if (field === 2) compressionType = value.packed();
    else if (field === 3) uncompressedSize = value.packed();
  }
  const compressed = r.bytes(payloadSize >= 0 ? payloadSize : r.remaining);
  let payload: Buffer;
  if (compressionType === 255) {
    payload = compressed;
  } else if (compressionType === 0) {
    if (uncompressedSize > MAX_INFLATED) {
      throw new BinlakeError(
        'BLK_B2003',
        `transaction payload claims ${uncompressedSize} uncompressed bytes`,
      );
    }
    let out: Uint8Array;
    try {
      // preallocate only a plausible size: the header is not trusted with a large allocation
      const plausible = uncompressedSize > 0 && uncompressedSize <= Math.max(1 << 26, compressed.length * 64);
      out = decompress(compressed, plausible ? new Uint8Array(uncompressedSize) : undefined);
    } catch (cause) {
      throw new BinlakeError('BLK_B2003', 'transaction payload is not a valid zstd frame', { cause });
    }
    payload = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    if (uncompressedSize >= 0 && payload.length !== uncompressedSize) {
      throw new BinlakeError(
        'BLK_B2003',
        `transaction payload decompressed to ${payload.length} bytes, header says ${uncompressedSize}`,
      );
    }
  } else {
    throw new BinlakeError(
      'BLK_B2003',
      `transaction payload uses unknown compression type ${compressionType}`,
    );
  }
  const events: BinlogEvent[] = [];
  let at = 0;
  while (at < payload.length) {
    if (payload.length - at < EVENT_HEADER_LENGTH) {
      throw new BinlakeError('BLK_B2001', 'transaction payload ends inside an event header', {
        details: { payloadOffset: at, need: EVENT_HEADER_LENGTH, have: payload.length - at },
      });
    }
    const size = payload.readUInt32LE(at + 9);
    if (size < EVENT_HEADER_LENGTH || at + size > payload.length) {
      throw new BinlakeError('BLK_B2001', `event inside the transaction payload claims ${size} bytes`, {
        details: { payloadOffset: at, need: size, have: payload.length - at },
      });
    }
    events.push(ctx.decodeNested(payload.subarray(at, at + size), ctx.position, ctx.file));
    at += size;
  }
  return new TransactionPayloadEvent(
    ctx.header,
    ctx.file,
    ctx.position,
    compressionType === 255 ? 'none' : 'zstd',
    compressed.length,
    payload.length,
    events,
  );
};
