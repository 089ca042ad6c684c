import { BinlakeError } from '../core/errors.js';
import { crc32 } from './crc32.js';
import { hexExcerpt } from './dump.js';
import { EventFlag, type EventHeader, readEventHeader, u32le } from './event-header.js';
import { EventType, eventTypeName } from './event-type.js';
import type { DecodeContext } from './events/context.js';
import { FormatDescriptionEvent, fdeChecksumByte } from './events/format-description.js';
import { BODY_DECODER_BY_CODE } from './events/registry.js';
import { decodeRows, writeRowsJson } from './events/rows.js';
import { decodeUnknown } from './events/simple.js';
import type { BinlogEvent } from './events/types.js';
import { type BinlogFormat, type ChecksumAlgorithm, initialFormat } from './format.js';
import type { JsonBytes } from './json-bytes.js';
import { PacketReader } from './packet-reader.js';
import { EVENT_HEADER_LENGTH, type RawEvent } from './raw-event.js';
import { type SchemaHint, TableCache } from './table-cache.js';

export interface DecoderOptions {
  /**
   * The schema binlake knows for a table (information_schema + DDL tracking). Used when a
   * TABLE_MAP has no FULL optional metadata: signedness, charset/binary, ENUM/SET members,
   * column names. Return a new object after DDL; the compiled decoder is rebuilt when the
   * returned object is not the one it was built with.
   */
  schemaFor?: SchemaHint;
  /**
   * The checksum algorithm to assume until the first FORMAT_DESCRIPTION (default 'none'). A
   * replication stream's leading fake ROTATE carries a CRC32 trailer when the source has
   * checksums on and the client announced `@master_binlog_checksum`; pass 'crc32' then.
   */
  initialChecksum?: ChecksumAlgorithm;
  /** Check CRC32 trailers (default true). When false the trailer is still stripped. */
  verifyChecksums?: boolean;
  /**
   * Overrides what FORMAT_DESCRIPTIONs say about the events after them, for a transport that
   * knows better (a server strips trailers for a client that did not announce checksum support,
   * yet forwards the file's FDE). The FDE's own trailer is still handled from its version.
   */
  forceChecksum?: ChecksumAlgorithm;
}

/**
 * Bytes in, typed events out. Pure except for two caches: the current FORMAT_DESCRIPTION
 * (checksum algorithm, post-header lengths) and the table-map cache (table id → compiled row
 * decoder). Feed it every event of a stream in order, starting with the FORMAT_DESCRIPTION
 * (files and replication streams both start with one).
 *
 * Every malformed input throws a `BinlakeError` — `BLK_B2001` truncated, `BLK_B2002` checksum
 * mismatch, `BLK_B2003` malformed, `BLK_B2004` unknown table id, `BLK_B2006` unsupported
 * column type — whose details name the file, position, event type, the offset in the event
 * and a hex excerpt around it. No other kind of error escapes `decode`.
 */
export class BinlogDecoder {
  private format: BinlogFormat;
  readonly tables: TableCache;
  private readonly verify: boolean;
  private readonly forceChecksum: ChecksumAlgorithm | undefined;
  private readonly nested: (bytes: Buffer, position: number, file: string) => BinlogEvent;

  constructor(options: DecoderOptions = {}) {
    this.format = initialFormat(options.initialChecksum ?? 'none');
    this.tables = new TableCache(options.schemaFor);
    this.verify = options.verifyChecksums ?? true;
    this.forceChecksum = options.forceChecksum;
    if (this.forceChecksum) this.format = initialFormat(this.forceChecksum);
    this.nested = (inner, at, file) => this.decodeNestedEvent(inner, at, file);
  }

  /** The format in force: checksum algorithm, server version, post-header lengths. */
  get currentFormat(): BinlogFormat {
    return this.format;
  }

  decode(raw: RawEvent): BinlogEvent {
    return this.decodeInto(raw, null) as BinlogEvent;
  }

  /**
   * As `decode`, for `binlake binlog dump`: a rows event is not returned but written to `out`
   * as the JSON of its `writeJson` — straight from the bytes, without making its rows, which is
   * most of the dump's work — and the result is null. Every other event is decoded and returned.
   * A rows event that fails leaves nothing in `out` and throws what `decode` would.
   */
  decodeOrWriteRows(raw: RawEvent, out: JsonBytes): BinlogEvent | null {
    return this.decodeInto(raw, out);
  }

  private decodeInto(raw: RawEvent, out: JsonBytes | null): BinlogEvent | null {
    const bytes = raw.bytes;
    if (bytes.length < EVENT_HEADER_LENGTH) {
      throw this.fail(
        raw,
        null,
        new BinlakeError('BLK_B2001', `event of ${bytes.length} bytes is shorter than the 19-byte header`, {
          details: { offset: 0, need: EVENT_HEADER_LENGTH, have: bytes.length },
        }),
      );
    }
    const header = readEventHeader(bytes);
    try {
      if (header.eventSize !== bytes.length) {
        const code = header.eventSize > bytes.length ? 'BLK_B2001' : 'BLK_B2003';
        throw new BinlakeError(code, `header says ${header.eventSize} bytes, the event has ${bytes.length}`, {
          details: { offset: 9, need: header.eventSize, have: bytes.length },
        });
      }
      let end = bytes.length;
      if (header.typeCode === EventType.FORMAT_DESCRIPTION) {
        if (fdeChecksumByte(bytes) === 1) this.checkCrc(raw, bytes);
      } else if (this.format.checksum === 'crc32') {
        if (bytes.length < EVENT_HEADER_LENGTH + 4) {
          throw new BinlakeError('BLK_B2001', 'event too short for its CRC32 trailer', {
            details: { offset: EVENT_HEADER_LENGTH, need: 4, have: bytes.length - EVENT_HEADER_LENGTH },
          });
        }
        if (raw.checksumVerified !== true) this.checkCrc(raw, bytes);
        end -= 4;
      }
      if (out !== null && BODY_DECODER_BY_CODE[header.typeCode] === decodeRows) {
        const mark = out.length;
        try {
          writeRowsJson(new PacketReader(bytes, EVENT_HEADER_LENGTH, end), this.context(header, raw), out);
        } catch (error) {
          out.length = mark;
          throw error;
        }
        return null;
      }
      const event = this.decodeBody(bytes, header, raw.file, raw.position, end);
      // The type code first: `instanceof` over every event's class took measurable time.
      if (header.typeCode === EventType.FORMAT_DESCRIPTION && event instanceof FormatDescriptionEvent) {
        this.format = {
          binlogVersion: event.binlogVersion,
          serverVersion: event.serverVersion,
          mariadb: event.mariadb,
          checksum: this.forceChecksum ?? event.checksumAlgorithm ?? 'none',
          postHeaderLengths: event.postHeaderLengths,
        };
      }
      return event;
    } catch (error) {
      throw this.fail(raw, header, error);
    }
  }

  private checkCrc(raw: RawEvent, bytes: Buffer): void {
    if (!this.verify) return;
    const expected = u32le(bytes, bytes.length - 4);
    const actual = eventCrc(bytes);
    if (expected !== actual) {
      throw new BinlakeError(
        'BLK_B2002',
        `checksum mismatch in ${raw.file} at ${raw.position}: stored CRC32 ${hex32(expected)}, computed ${hex32(actual)}`,
        {
          details: { expected: hex32(expected), actual: hex32(actual), offset: bytes.length - 4 },
          remedy:
            'the binlog, a copy of it or the connection corrupted this event: read it again from the source ' +
            `(or copy the file again); \`mysqlbinlog --start-position=${raw.position} ${raw.file}\` on the server ` +
            "tells whether the server's own binlog is damaged",
        },
      );
    }
  }

  private decodeBody(
    bytes: Buffer,
    header: EventHeader,
    file: string,
    position: number,
    end: number,
  ): BinlogEvent {
    const r = new PacketReader(bytes, EVENT_HEADER_LENGTH, end);
    const decodeBodyOf = BODY_DECODER_BY_CODE[header.typeCode] ?? decodeUnknown;
    return decodeBodyOf(r, this.context(header, { file, position }));
  }

  private context(header: EventHeader, at: { file: string; position: number }): DecodeContext {
    return {
      header,
      file: at.file,
      position: at.position,
      format: this.format,
      tables: this.tables,
      decodeNested: this.nested,
    };
  }

  private decodeNestedEvent(inner: Buffer, at: number, file: string): BinlogEvent {
    if (inner.length < EVENT_HEADER_LENGTH) {
      throw new BinlakeError('BLK_B2001', 'nested event shorter than its header', {
        details: { need: EVENT_HEADER_LENGTH, have: inner.length },
      });
    }
    const h = readEventHeader(inner);
    if (h.eventSize !== inner.length) {
      throw new BinlakeError(
        'BLK_B2003',
        `nested event header says ${h.eventSize} bytes, has ${inner.length}`,
      );
    }
    if (h.typeCode === EventType.FORMAT_DESCRIPTION || h.typeCode === EventType.TRANSACTION_PAYLOAD) {
      throw new BinlakeError('BLK_B2003', `${eventTypeName(h.typeCode)} inside a transaction payload`);
    }
    return this.decodeBody(inner, h, file, at, inner.length);
  }

  /**
   * Adds file, position, event type, a hex excerpt and (when the thrower gave none) a remedy to
   * any error; non-binlake errors become BLK_B2003.
   */
  private fail(raw: RawEvent, header: EventHeader | null, error: unknown): BinlakeError {
    const eventType = header ? eventTypeName(header.typeCode) : 'UNKNOWN';
    const base =
      error instanceof BinlakeError
        ? error
        : new BinlakeError('BLK_B2003', error instanceof Error ? error.message : String(error), {
            cause: error,
          });
    if (base.details.file !== undefined && base.remedy !== undefined) return base;
    const remedy = base.remedy ?? damagedEventRemedy(raw);
    if (base.details.file !== undefined) {
      return new BinlakeError(base.code, base.message, { remedy, cause: base.cause, details: base.details });
    }
    const offset = typeof base.details.offset === 'number' ? base.details.offset : 0;
    const from = Math.max(0, offset - 16);
    return new BinlakeError(base.code, `${eventType} event at ${raw.file}:${raw.position}: ${base.message}`, {
      remedy,
      cause: base.cause ?? (base === error ? undefined : error),
      details: {
        ...base.details,
        file: raw.file,
        position: raw.position,
        eventType,
        typeCode: header?.typeCode ?? null,
        eventSize: raw.bytes.length,
        offset,
        header: hexExcerpt(raw.bytes, 0, EVENT_HEADER_LENGTH),
        hexFrom: from,
        hex: hexExcerpt(raw.bytes, from, 64),
      },
    });
  }
}

/**
 * The remedy of a decode error whose thrower had nothing more specific to say: the bytes do
 * not hold what their own fields declare. Either the binlog (or the copy, or the transfer) is
 * damaged, or binlake misreads a valid event; mysqlbinlog tells which.
 */
function damagedEventRemedy(raw: RawEvent): string {
  return (
    `read the event again (from the server, or from a fresh copy of the file); if it fails the same way, run ` +
    `\`mysqlbinlog --start-position=${raw.position} ${raw.file}\` on the server: if mysqlbinlog fails too, the ` +
    "binlog is damaged there; if it reads the event, binlake misreads it — please report it with this error's " +
    'details (header, hex)'
  );
}

/**
 * CRC32 of everything but the trailer. A FORMAT_DESCRIPTION is checksummed with
 * LOG_EVENT_BINLOG_IN_USE_F cleared, so the server can clear the flag when it closes the file
 * without rewriting the checksum (log_event.cc `event_checksum_test`).
 */
function eventCrc(bytes: Buffer): number {
  const end = bytes.length - 4;
  if (bytes[4] === EventType.FORMAT_DESCRIPTION && bytes[17] & EventFlag.BINLOG_IN_USE) {
    let crc = crc32(bytes, 0, 17);
    crc = crc32(Buffer.from([bytes[17] & ~EventFlag.BINLOG_IN_USE]), 0, 1, crc);
    return crc32(bytes, 18, end, crc);
  }
  return crc32(bytes, 0, end);
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
