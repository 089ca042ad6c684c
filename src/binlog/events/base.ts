import { jsonReady } from '../dump.js';
import type { EventHeader } from '../event-header.js';
import { eventTypeName } from '../event-type.js';

/**
 * What every decoded event has: its header, where it was read (file and offset of its first
 * byte) and `dump()`, the JSON-ready object `binlake binlog dump` prints.
 */
export abstract class BaseEvent {
  abstract readonly type: string;

  constructor(
    readonly header: EventHeader,
    readonly file: string,
    readonly position: number,
  ) {}

  /** Epoch seconds from the header. */
  get timestamp(): number {
    return this.header.timestamp;
  }

  /** Event-specific fields for `dump()`; values may be bigint/Uint8Array (converted by dump). */
  protected abstract body(): Record<string, unknown>;

  dump(): Record<string, unknown> {
    return jsonReady({
      type: this.type,
      eventType: eventTypeName(this.header.typeCode),
      file: this.file,
      position: this.position,
      nextPosition: this.header.nextPosition,
      timestamp: this.header.timestamp,
      serverId: this.header.serverId,
      ...this.body(),
    }) as Record<string, unknown>;
  }
}
