/**
 * The boundary between transport (protocol/ or a binlog file) and the decoder.
 * A RawEvent is one complete binlog event exactly as the server stored it: the 19-byte v4
 * header, the body, and (when checksums are on) the 4-byte CRC32 trailer. Same bytes ⇒ same
 * decoded events, whether they came live from a server or from a file.
 */
export interface RawEvent {
  /** Name of the binlog file the event belongs to (from the last ROTATE). */
  file: string;
  /** Byte offset of the event's first header byte in that file. */
  position: number;
  /** The whole event: header + body + checksum trailer if any. Never reused by the producer. */
  bytes: Buffer;
  /**
   * Set by a transport that has already checked the CRC32 trailer (see `ChecksumRun`); the
   * decoder then skips its own check. Absent or false: the decoder checks it.
   */
  checksumVerified?: boolean;
}

/** A stream of raw events. Closing it stops reading and releases the connection or file. */
export interface RawEventSource extends AsyncIterable<RawEvent> {
  close(): Promise<void>;
  /**
   * The next event if it has already arrived, taken without waiting; undefined when none is
   * queued (then await the iterator, which also reports the end or a failure). It takes from
   * the same queue as the iterator, so mixing the two keeps the order. Lets a consumer handle a
   * burst of events per await instead of paying a promise per event.
   */
  takeBuffered?(): RawEvent | undefined;
}

/** Size of the v4 common header (MySQL `LOG_EVENT_HEADER_LEN`). */
export const EVENT_HEADER_LENGTH = 19;
