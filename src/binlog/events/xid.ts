import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/** XID (16): the 8-byte XA id of the committed InnoDB transaction; it ends the transaction. */
export class XidEvent extends BaseEvent {
  get type(): 'xid' {
    return 'xid';
  }
  declare readonly xid: bigint;

  constructor(header: XidEvent['header'], file: string, position: number, xid: bigint) {
    super(header, file, position);
    this.xid = xid;
  }

  protected body() {
    return { xid: this.xid };
  }
}

export const decodeXid: BodyDecoder = (r, ctx) => new XidEvent(ctx.header, ctx.file, ctx.position, r.u64n(8));
