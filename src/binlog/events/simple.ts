import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/** STOP (3): the server shut down; no body. */
export class StopEvent extends BaseEvent {
  get type(): 'stop' {
    return 'stop';
  }
  protected body() {
    return {};
  }
}

export const decodeStop: BodyDecoder = (_r, ctx) => new StopEvent(ctx.header, ctx.file, ctx.position);

/** INCIDENT (26): type(2) message_length(1) message — the source may have lost changes here. */
export class IncidentEvent extends BaseEvent {
  get type(): 'incident' {
    return 'incident';
  }
  declare readonly incident: number;
  declare readonly message: string;

  constructor(
    header: IncidentEvent['header'],
    file: string,
    position: number,
    incident: number,
    message: string,
  ) {
    super(header, file, position);
    this.incident = incident;
    this.message = message;
  }
  protected body() {
    return { incident: this.incident, message: this.message };
  }
}

export const decodeIncident: BodyDecoder = (r, ctx) => {
  const incident = r.u16();
  const message = r.remaining > 0 ? r.str(r.u8()) : '';
  return new IncidentEvent(ctx.header, ctx.file, ctx.position, incident, message);
};

/**
 * HEARTBEAT (27): sent by the server on an idle replication connection; the body is the
 * current binlog file name and `header.nextPosition` the position. HEARTBEAT_V2 (41, MySQL
 * 8.0.26+) carries type/length/value fields instead: 0 = file name, 1 = position (packed int).
 */
export class HeartbeatEvent extends BaseEvent {
  get type(): 'heartbeat' {
    return 'heartbeat';
  }
  declare readonly logFile: string;
  declare readonly logPosition: number;
  declare readonly v2: boolean;

  constructor(
    header: HeartbeatEvent['header'],
    file: string,
    position: number,
    logFile: string,
    logPosition: number,
    v2: boolean,
  ) {
    super(header, file, position);
    this.logFile = logFile;
    this.logPosition = logPosition;
    this.v2 = v2;
  }
  protected body() {
    return { logFile: this.logFile, logPosition: this.logPosition, v2: this.v2 };
  }
}

export const decodeHeartbeat: BodyDecoder = (r, ctx) =>
  new HeartbeatEvent(ctx.header, ctx.file, ctx.position, r.str(r.remaining), ctx.header.nextPosition, false);

export const decodeHeartbeatV2: BodyDecoder = (r, ctx) => {
  let logFile = '';
  let logPosition = ctx.header.nextPosition;
  while (r.remaining > 0) {
    const field = r.packed();
    const length = r.packed();
    const value = r.sub(length);
    if (field === 0) logFile = value.str(value.remaining);
    else if (field === 1) logPosition = value.packed();
  }
  return new HeartbeatEvent(ctx.header, ctx.file, ctx.position, logFile, logPosition, true);
};

/** ANNOTATE_ROWS (160, MariaDB) and ROWS_QUERY (29, MySQL): the SQL text behind the next rows events. */
export class RowsQueryEvent extends BaseEvent {
  get type(): 'rows_query' {
    return 'rows_query';
  }
  declare readonly sql: string;

  constructor(header: RowsQueryEvent['header'], file: string, position: number, sql: string) {
    super(header, file, position);
    this.sql = sql;
  }
  protected body() {
    return { sql: this.sql };
  }
}

export const decodeAnnotateRows: BodyDecoder = (r, ctx) =>
  new RowsQueryEvent(ctx.header, ctx.file, ctx.position, r.str(r.remaining));

/** MySQL ROWS_QUERY: a 1-byte length that is ignored (it overflows for long queries), then the text. */
export const decodeRowsQuery: BodyDecoder = (r, ctx) => {
  r.skip(1);
  return new RowsQueryEvent(ctx.header, ctx.file, ctx.position, r.str(r.remaining));
};

/** BINLOG_CHECKPOINT (161, MariaDB): name_length(4) name — the oldest binlog still needed for crash recovery. */
export class BinlogCheckpointEvent extends BaseEvent {
  get type(): 'binlog_checkpoint' {
    return 'binlog_checkpoint';
  }
  declare readonly checkpointFile: string;

  constructor(
    header: BinlogCheckpointEvent['header'],
    file: string,
    position: number,
    checkpointFile: string,
  ) {
    super(header, file, position);
    this.checkpointFile = checkpointFile;
  }
  protected body() {
    return { checkpointFile: this.checkpointFile };
  }
}

export const decodeBinlogCheckpoint: BodyDecoder = (r, ctx) =>
  new BinlogCheckpointEvent(ctx.header, ctx.file, ctx.position, r.str(r.u32()));

/** XA_PREPARE (38, MySQL): one_phase(1) format_id(4) gtrid_length(4) bqual_length(4) data. */
export class XaPrepareEvent extends BaseEvent {
  get type(): 'xa_prepare' {
    return 'xa_prepare';
  }
  declare readonly onePhase: boolean;
  declare readonly formatId: number;
  declare readonly gtrid: Uint8Array;
  declare readonly bqual: Uint8Array;

  constructor(
    header: XaPrepareEvent['header'],
    file: string,
    position: number,
    onePhase: boolean,
    formatId: number,
    gtrid: Uint8Array,
    bqual: Uint8Array,
  ) {
    super(header, file, position);
    this.onePhase = onePhase;
    this.formatId = formatId;
    this.gtrid = gtrid;
    this.bqual = bqual;
  }
  protected body() {
    return { onePhase: this.onePhase, formatId: this.formatId, gtrid: this.gtrid, bqual: this.bqual };
  }
}

export const decodeXaPrepare: BodyDecoder = (r, ctx) => {
  const onePhase = r.u8() !== 0;
  const formatId = r.i32();
  const gtridLength = r.u32();
  const bqualLength = r.u32();
  if (gtridLength > 64 || bqualLength > 64) r.truncated(gtridLength + bqualLength);
  return new XaPrepareEvent(
    ctx.header,
    ctx.file,
    ctx.position,
    onePhase,
    formatId,
    r.copy(gtridLength),
    r.copy(bqualLength),
  );
};

/** Any type without a decoder (or deliberately left raw): keeps its body bytes. */
export class UnknownEvent extends BaseEvent {
  get type(): 'unknown' {
    return 'unknown';
  }
  declare readonly data: Uint8Array;

  constructor(
    header: UnknownEvent['header'],
    file: string,
    position: number,
    /** The body: bytes after the 19-byte header, checksum excluded. */
    data: Uint8Array,
  ) {
    super(header, file, position);
    this.data = data;
  }
  protected body() {
    return { typeCode: this.header.typeCode, data: this.data };
  }
}

export const decodeUnknown: BodyDecoder = (r, ctx) =>
  new UnknownEvent(ctx.header, ctx.file, ctx.position, r.copy(r.remaining));
