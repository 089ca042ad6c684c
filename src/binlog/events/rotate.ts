import { EventType } from '../event-type.js';
import { postHeaderLength } from '../format.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/**
 * ROTATE (4): position(8) then the next file's name. A *fake* rotate (timestamp 0) is what a
 * server sends at the start of a dump to say which file the stream is in; it does not mean the
 * source switched files.
 */
export class RotateEvent extends BaseEvent {
  get type(): 'rotate' {
    return 'rotate';
  }
  declare readonly nextFile: string;
  declare readonly nextFilePosition: number;

  constructor(
    header: RotateEvent['header'],
    file: string,
    position: number,
    nextFile: string,
    nextFilePosition: number,
  ) {
    super(header, file, position);
    this.nextFile = nextFile;
    this.nextFilePosition = nextFilePosition;
  }

  get fake(): boolean {
    return this.header.timestamp === 0;
  }

  protected body() {
    return { nextFile: this.nextFile, nextFilePosition: this.nextFilePosition, fake: this.fake };
  }
}

export const decodeRotate: BodyDecoder = (r, ctx) => {
  const postHeader = postHeaderLength(ctx.format, EventType.ROTATE);
  const nextPosition = postHeader >= 8 ? Number(r.u64n(8)) : 4;
  r.skip(Math.max(0, postHeader - 8));
  const nextFile = r.str(r.remaining);
  return new RotateEvent(ctx.header, ctx.file, ctx.position, nextFile, nextPosition);
};
