import { jsonReady } from '../dump.js';
import type { EventHeader } from '../event-header.js';
import { eventTypeName } from '../event-type.js';

/**
 * What every decoded event has: its header, where it was read (file and offset of its first
 * byte), `dump()`, the JSON-ready object `binlake binlog dump` prints, and `toJson()`, its text.
 */
export abstract class BaseEvent {
  abstract readonly type: string;

  declare readonly header: EventHeader;
  /** The binlog file and the offset of the event's first byte (the enclosing payload's for nested events). */
  declare readonly file: string;
  declare readonly position: number;

  // Fields are declared and assigned, not class-field initialized: events are created by the
  // hundred thousand per second and plain assignments keep their construction cheap.
  constructor(header: EventHeader, file: string, position: number) {
    this.header = header;
    this.file = file;
    this.position = position;
  }

  /** Epoch seconds from the header. */
  get timestamp(): number {
    return this.header.timestamp;
  }

  /** Event-specific fields for `dump()`; values may be bigint/Uint8Array (converted by dump). */
  protected abstract body(): Record<string, unknown>;

  dump(): Record<string, unknown> {
    return jsonReady({ ...this.head(), ...this.body() }) as Record<string, unknown>;
  }

  /** `dump()` as one line of JSON text (what `binlake binlog dump` prints). */
  toJson(): string {
    return JSON.stringify(this.dump());
  }

  /** The fields every dump starts with (already JSON-ready). */
  protected head(): Record<string, unknown> {
    return {
      type: this.type,
      eventType: eventTypeName(this.header.typeCode),
      file: this.file,
      position: this.position,
      nextPosition: this.header.nextPosition,
      timestamp: this.header.timestamp,
      serverId: this.header.serverId,
    };
  }
}
