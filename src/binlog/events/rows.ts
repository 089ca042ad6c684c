import { BinlakeError } from '../../core/errors.js';
import type { TableRef } from '../../core/table-schema.js';
import type { Row, Value } from '../../core/values.js';
import { inflateMariadb } from '../compression.js';
import { jsonReady } from '../dump.js';
import { EventType, eventTypeName } from '../event-type.js';
import { postHeaderLength } from '../format.js';
import { JsonBytes } from '../json-bytes.js';
import { PacketReader } from '../packet-reader.js';
import type { CompiledTable } from '../table-cache.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder, DecodeContext } from './context.js';

/** Rows event flags (`Rows_log_event::enum_flag`). */
export const RowsFlag = {
  STMT_END: 1,
  NO_FOREIGN_KEY_CHECKS: 2,
  RELAXED_UNIQUE_CHECKS: 4,
  COMPLETE_ROWS: 8,
} as const;

/** One field of a v2 rows event's extra data (MySQL `Rows_event::Extra_row_info`). */
export interface RowsExtraData {
  /** 0 = NDB extra row info, 1 = partition info; others are kept raw. */
  tag: number;
  data: Uint8Array;
  partitionId?: number;
  sourcePartitionId?: number;
}

/**
 * What the three rows events share. `rows` hold one `Value` per table column in table order.
 * A *partial* image (binlog_row_image=MINIMAL/NOBLOB: the columns-present bitmap does not list
 * every column) sets `partial`, lists the present columns, and holds `null` for the absent ones
 * — so absent and NULL differ only through `presentColumns`; capture must reject or handle it.
 */
export abstract class RowsEventBase extends BaseEvent {
  declare readonly tableId: number;
  declare readonly table: TableRef;
  declare readonly columnCount: number;
  declare readonly columnNames: readonly string[];
  declare readonly flags: number;
  declare readonly version: 1 | 2;
  declare readonly compressed: boolean;
  declare readonly extraData: readonly RowsExtraData[];
  declare readonly presentColumns: readonly number[] | null;

  constructor(
    header: RowsEventBase['header'],
    file: string,
    position: number,
    tableId: number,
    table: TableRef,
    columnCount: number,
    /** Column names in table order (from FULL metadata, the schema hint, or `@1`…). */
    columnNames: readonly string[],
    flags: number,
    version: 1 | 2,
    compressed: boolean,
    extraData: readonly RowsExtraData[],
    /** Present columns of the (before) image, or null when all are present. */
    presentColumns: readonly number[] | null,
  ) {
    super(header, file, position);
    this.tableId = tableId;
    this.table = table;
    this.columnCount = columnCount;
    this.columnNames = columnNames;
    this.flags = flags;
    this.version = version;
    this.compressed = compressed;
    this.extraData = extraData;
    this.presentColumns = presentColumns;
  }

  abstract get partial(): boolean;

  get statementEnd(): boolean {
    return (this.flags & RowsFlag.STMT_END) !== 0;
  }

  /** The JSON-ready object of `toJson()` (one source of truth for both forms). */
  override dump(): Record<string, unknown> {
    return JSON.parse(this.toJson()) as Record<string, unknown>;
  }

  /**
   * The event as JSON text, written field by field with no intermediate objects:
   * `binlake binlog dump --rows-only` prints one per rows event, so this is the decoder
   * benchmark's output path.
   */
  override toJson(): string {
    const out = new JsonBytes(1024);
    this.writeJson(out);
    return out.toString();
  }

  /** `toJson()` appended to `out` as UTF-8 bytes. */
  writeJson(out: JsonBytes): void {
    this.writeJsonHead(out);
    if (this.type === 'update_rows') {
      const rows = (this as unknown as UpdateRowsEvent).rows;
      for (let i = 0; i < rows.length; i++) {
        out.text(i > 0 ? ',{"before":' : '{"before":');
        writeRow(out, rows[i].before);
        out.text(',"after":');
        writeRow(out, rows[i].after);
        out.byte(CLOSE_BRACE);
      }
    } else {
      const rows = (this as unknown as WriteRowsEvent).rows;
      for (let i = 0; i < rows.length; i++) {
        if (i > 0) out.byte(COMMA);
        writeRow(out, rows[i]);
      }
    }
    out.text(']}');
  }

  /** The JSON of every field but the rows: from `{"type":` to `"rows":[`. */
  writeJsonHead(out: JsonBytes): void {
    const h = this.header;
    out.bytes(headPiece(this.type, h.typeCode, this.file));
    out.number(this.position);
    out.bytes(NEXT_POSITION);
    out.number(h.nextPosition);
    out.bytes(stampPiece(h.timestamp, h.serverId));
    if (this.presentColumns === null && this.extraData.length === 0 && !this.partial) {
      // Events of one table share every field from "database" to "rows" (cached per table).
      out.bytes(tablePiece(this));
    } else {
      out.bytes(tableStart(this.table));
      out.text(tableFields(this));
    }
  }

  /** Not used: `dump()` and `toJson()` are overridden, the JSON text being the one source. */
  protected body(): Record<string, unknown> {
    return {};
  }
}

/** Write and delete events carry one image per row (after, resp. before); only `type` differs. */
abstract class SingleImageRowsEvent extends RowsEventBase {
  /** One row per inserted or deleted row, in table column order. */
  declare rows: Row[];
  get partial(): boolean {
    return this.presentColumns !== null;
  }
}

export class WriteRowsEvent extends SingleImageRowsEvent {
  get type(): 'write_rows' {
    return 'write_rows';
  }
}

export class DeleteRowsEvent extends SingleImageRowsEvent {
  get type(): 'delete_rows' {
    return 'delete_rows';
  }
}

export interface UpdatedRow {
  before: Row;
  after: Row;
}

export class UpdateRowsEvent extends RowsEventBase {
  get type(): 'update_rows' {
    return 'update_rows';
  }
  declare rows: UpdatedRow[];
  /** Present columns of the after image, or null when all are present. */
  declare presentColumnsAfter: readonly number[] | null;
  get partial(): boolean {
    return this.presentColumns !== null || this.presentColumnsAfter !== null;
  }
}

export type RowsEvent = WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent;

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A row as JSON: bigint → decimal string, bytes → `0x…` hex, NaN/±Infinity → text. */
function writeRow(out: JsonBytes, row: Row): void {
  out.byte(OPEN_BRACKET);
  for (let i = 0; i < row.length; i++) {
    if (i > 0) out.byte(COMMA);
    out.value(row[i]);
  }
  out.byte(CLOSE_BRACKET);
}

/*
 * The constant stretches of a rows event's JSON, as UTF-8 bytes, made once: per event type and
 * file (`{"type":…,"position":`), per second and server (`,"timestamp":…,"serverId":…`) and per
 * table (`,"database":…` to `"rows":[`). Consecutive events mostly share all three, so an
 * event's fixed fields cost three copies instead of a dozen numbers and keys.
 */
const HEAD_PIECES = new Map<number, { file: string; piece: Buffer }>();
function headPiece(type: string, typeCode: number, file: string): Buffer {
  const last = HEAD_PIECES.get(typeCode);
  if (last !== undefined && last.file === file) return last.piece;
  const piece = Buffer.from(
    `{"type":"${type}","eventType":"${eventTypeName(typeCode)}","file":${JSON.stringify(file)},"position":`,
  );
  HEAD_PIECES.set(typeCode, { file, piece });
  return piece;
}

const NEXT_POSITION = Buffer.from(',"nextPosition":');

let lastStamp = { timestamp: -1, serverId: -1, piece: Buffer.alloc(0) };
function stampPiece(timestamp: number, serverId: number): Buffer {
  if (lastStamp.timestamp !== timestamp || lastStamp.serverId !== serverId) {
    lastStamp = {
      timestamp,
      serverId,
      piece: Buffer.from(`,"timestamp":${timestamp},"serverId":${serverId}`),
    };
  }
  return lastStamp.piece;
}

const TABLE_STARTS = new WeakMap<TableRef, Buffer>();
/** `,"database":…,"table":…` of a table (a compiled table's ref is shared by its events). */
function tableStart(t: TableRef): Buffer {
  let piece = TABLE_STARTS.get(t);
  if (piece === undefined) {
    piece = Buffer.from(`,"database":${JSON.stringify(t.database)},"table":${JSON.stringify(t.table)}`);
    TABLE_STARTS.set(t, piece);
  }
  return piece;
}

/** The fields from "tableId" to `"rows":[`, as JSON text. */
function tableFields(e: RowsEventBase): string {
  let text = `,"tableId":${e.tableId},"columnCount":${e.columnCount},"columns":${JSON.stringify(e.columnNames)},"flags":${e.flags},"version":${e.version}`;
  if (e.compressed) text += ',"compressed":true';
  text += e.partial ? ',"partial":true' : ',"partial":false';
  if (e.presentColumns) text += `,"presentColumns":${JSON.stringify(e.presentColumns)}`;
  if (e instanceof UpdateRowsEvent && e.presentColumnsAfter) {
    text += `,"presentColumnsAfter":${JSON.stringify(e.presentColumnsAfter)}`;
  }
  if (e.extraData.length > 0) text += `,"extraData":${JSON.stringify(jsonReady(e.extraData))}`;
  return `${text},"rows":[`;
}

interface TablePiece {
  table: TableRef;
  tableId: number;
  columnCount: number;
  flags: number;
  version: 1 | 2;
  compressed: boolean;
  piece: Buffer;
}
const TABLE_PIECES = new WeakMap<readonly string[], TablePiece>();
/**
 * `,"database":…` to `"rows":[` of an event with every column present and no extra data, cached
 * by its column list (shared by the events of one compiled table) and checked field by field.
 */
function tablePiece(e: RowsEventBase): Buffer {
  const last = TABLE_PIECES.get(e.columnNames);
  if (
    last !== undefined &&
    last.table === e.table &&
    last.tableId === e.tableId &&
    last.columnCount === e.columnCount &&
    last.flags === e.flags &&
    last.version === e.version &&
    last.compressed === e.compressed
  ) {
    return last.piece;
  }
  const piece = Buffer.concat([tableStart(e.table), Buffer.from(tableFields(e))]);
  TABLE_PIECES.set(e.columnNames, {
    table: e.table,
    tableId: e.tableId,
    columnCount: e.columnCount,
    flags: e.flags,
    version: e.version,
    compressed: e.compressed,
    piece,
  });
  return piece;
}

/** The extra data of every v1 event and of v2 events without any (shared: events never change it). */
const NO_EXTRA_DATA: readonly RowsExtraData[] = Object.freeze([]);

type RowsKind = 'write' | 'update' | 'delete';

interface RowsShape {
  kind: RowsKind;
  version: 1 | 2;
  compressed: boolean;
}

/** Every rows event type — MySQL v1/v2 and MariaDB's compressed v1/v2 — and its body's shape. */
const SHAPES = new Map<number, RowsShape>();
for (const [kind, v1, v2, compressedV1, compressedV2] of [
  [
    'write',
    EventType.WRITE_ROWS_V1,
    EventType.WRITE_ROWS_V2,
    EventType.WRITE_ROWS_COMPRESSED_V1,
    EventType.WRITE_ROWS_COMPRESSED_V2,
  ],
  [
    'update',
    EventType.UPDATE_ROWS_V1,
    EventType.UPDATE_ROWS_V2,
    EventType.UPDATE_ROWS_COMPRESSED_V1,
    EventType.UPDATE_ROWS_COMPRESSED_V2,
  ],
  [
    'delete',
    EventType.DELETE_ROWS_V1,
    EventType.DELETE_ROWS_V2,
    EventType.DELETE_ROWS_COMPRESSED_V1,
    EventType.DELETE_ROWS_COMPRESSED_V2,
  ],
] as const) {
  SHAPES.set(v1, { kind, version: 1, compressed: false });
  SHAPES.set(v2, { kind, version: 2, compressed: false });
  SHAPES.set(compressedV1, { kind, version: 1, compressed: true });
  SHAPES.set(compressedV2, { kind, version: 2, compressed: true });
}

/** The shape of a rows event type; only called for the types the registry maps to this decoder. */
function kindOf(type: number): RowsShape {
  return SHAPES.get(type)!;
}

function readExtraData(r: PacketReader, update: boolean): RowsExtraData[] {
  const out: RowsExtraData[] = [];
  while (r.remaining > 0) {
    const tag = r.u8();
    if (tag === 0) {
      // RW_V_EXTRAINFO_TAG: length(1, counting itself and the format byte) format(1) payload
      const length = r.u8();
      out.push({ tag, data: r.copy(Math.max(0, length - 1)) });
    } else if (tag === 1) {
      // ROWS_V_TAG_PARTITION_INFO: partition_id(2) [source_partition_id(2) for updates]
      const start = r.pos;
      const partitionId = r.u16();
      const sourcePartitionId = update && r.remaining >= 2 ? r.u16() : undefined;
      out.push({ tag, data: r.buf.subarray(start, r.pos), partitionId, sourcePartitionId });
    } else {
      out.push({ tag, data: r.copy(r.remaining) });
    }
  }
  return out;
}

/** Column indexes set in the columns-present bitmap at `buf[at…]`, or null when all `width` are set. */
function presentList(buf: Buffer, at: number, width: number): number[] | null {
  let all = true;
  for (let i = 0; i < width; i++) {
    if ((buf[at + (i >> 3)] & (1 << (i & 7))) === 0) {
      all = false;
      break;
    }
  }
  if (all) return null;
  const out: number[] = [];
  for (let i = 0; i < width; i++) if (buf[at + (i >> 3)] & (1 << (i & 7))) out.push(i);
  return out;
}

/**
 * Decodes one row image: a NULL bitmap over the present columns, then each present non-NULL
 * value. The hot path (every column present) has no per-cell allocation but the value.
 */
function readImage(r: PacketReader, t: CompiledTable, present: number[] | null): Row {
  const plans = t.plans;
  const buf = r.buf;
  if (present === null) {
    const n = plans.length;
    const nb = r.take((n + 7) >> 3);
    const row: Value[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (buf[nb + (i >> 3)] & (1 << (i & 7))) row[i] = null;
      else {
        const c = plans[i];
        row[i] = c.read(r, c);
      }
    }
    return row;
  }
  const n = plans.length;
  const nb = r.take((present.length + 7) >> 3);
  const row: Value[] = new Array(n).fill(null);
  for (let j = 0; j < present.length; j++) {
    if ((buf[nb + (j >> 3)] & (1 << (j & 7))) === 0) {
      const c = plans[present[j]];
      row[c.index] = c.read(r, c);
    }
  }
  return row;
}

/** A rows event's fields, its table and where its rows start: everything but the rows. */
interface RowsBody {
  event: RowsEvent;
  table: CompiledTable;
  rows: PacketReader;
  presentBefore: number[] | null;
  presentAfter: number[] | null;
}

/**
 * WRITE/UPDATE/DELETE_ROWS v1 (23-25), v2 (30-32) and MariaDB's compressed forms (166-171):
 * table_id(6) flags(2) [v2: extra_len(2, counting itself) extra] width(packed)
 * columns_present(bitmap) [update: columns_present_after(bitmap)] then rows to the end; the
 * compressed forms compress everything after the bitmaps.
 */
function readRowsBody(r: PacketReader, ctx: DecodeContext): RowsBody {
  const type = ctx.header.typeCode;
  const { kind, version, compressed } = kindOf(type);
  const postHeader = postHeaderLength(ctx.format, type);
  const tableId = postHeader === 6 ? r.u32() : r.u48();
  const flags = r.u16();
  let extraData: readonly RowsExtraData[] = NO_EXTRA_DATA;
  if (version === 2) {
    const extraLength = r.u16();
    if (extraLength < 2) {
      throw new BinlakeError('BLK_B2003', `rows event extra-data length ${extraLength} is below 2`, {
        details: { offset: r.pos - 2 },
      });
    }
    extraData = readExtraData(r.sub(extraLength - 2), kind === 'update');
  }
  const width = r.packed();
  const bitmapBytes = (width + 7) >> 3;
  // Where the columns-present bitmaps are in the event (read in place: no view per event).
  const before = r.take(bitmapBytes);
  const after = kind === 'update' ? r.take(bitmapBytes) : before;
  const bitmaps = r.buf;
  const table = ctx.tables.get(tableId);
  if (!table) {
    throw new BinlakeError('BLK_B2004', `rows event for table id ${tableId}, which no TABLE_MAP announced`, {
      details: { tableId },
      remedy: 'start decoding at a transaction boundary (a GTID or BEGIN event), not in the middle of one',
    });
  }
  if (width !== table.plans.length) {
    throw new BinlakeError(
      'BLK_B2003',
      `rows event has ${width} columns, the TABLE_MAP of ${table.ref.database}.${table.ref.table} ${table.plans.length}`,
      { details: { tableId, width, columns: table.plans.length } },
    );
  }
  const rows = compressed ? new PacketReader(inflateMariadb(r.rest())) : r;
  const presentBefore = presentList(bitmaps, before, width);
  // The three classes share one constructor; only the rows' shape differs.
  const EventClass =
    kind === 'update' ? UpdateRowsEvent : kind === 'write' ? WriteRowsEvent : DeleteRowsEvent;
  const event = new EventClass(
    ctx.header,
    ctx.file,
    ctx.position,
    tableId,
    table.ref,
    width,
    table.names,
    flags,
    version,
    compressed,
    extraData,
    presentBefore,
  );
  let presentAfter: number[] | null = null;
  if (event instanceof UpdateRowsEvent) {
    presentAfter = presentList(bitmaps, after, width);
    event.presentColumnsAfter = presentAfter;
  }
  return { event, table, rows, presentBefore, presentAfter };
}

export const decodeRows: BodyDecoder = (r, ctx) => {
  const { event, table, rows: reader, presentBefore, presentAfter } = readRowsBody(r, ctx);
  if (event instanceof UpdateRowsEvent) {
    const rows: UpdatedRow[] = [];
    event.rows = rows;
    while (reader.pos < reader.end) {
      const start = reader.pos;
      const b = readImage(reader, table, presentBefore);
      const a = readImage(reader, table, presentAfter);
      rows.push({ before: b, after: a });
      if (reader.pos === start) zeroWidth(start);
    }
    return event;
  }
  const rows: Row[] = [];
  event.rows = rows;
  while (reader.pos < reader.end) {
    const start = reader.pos;
    rows.push(readImage(reader, table, presentBefore));
    if (reader.pos === start) zeroWidth(start);
  }
  return event;
};

/**
 * `decodeRows` and `writeJson` in one pass, for `binlake binlog dump`: the event's JSON goes
 * to `out` straight from the bytes (each cell through its plan's `json`), and no row is made.
 * Byte for byte what `decodeRows(r, ctx).writeJson(out)` writes (the rows-json tests hold it).
 */
export function writeRowsJson(r: PacketReader, ctx: DecodeContext, out: JsonBytes): void {
  const { event, table, rows: reader, presentBefore, presentAfter } = readRowsBody(r, ctx);
  event.writeJsonHead(out);
  const update = event instanceof UpdateRowsEvent;
  let first = true;
  while (reader.pos < reader.end) {
    const start = reader.pos;
    if (update) {
      out.text(first ? '{"before":' : ',{"before":');
      writeImage(reader, table, presentBefore, out);
      out.text(',"after":');
      writeImage(reader, table, presentAfter, out);
      out.byte(CLOSE_BRACE);
    } else {
      if (!first) out.byte(COMMA);
      writeImage(reader, table, presentBefore, out);
    }
    first = false;
    if (reader.pos === start) zeroWidth(start);
  }
  out.text(']}');
}

/** `writeRow(out, readImage(r, t, present))` without the row when every column is present. */
function writeImage(r: PacketReader, t: CompiledTable, present: number[] | null, out: JsonBytes): void {
  if (present !== null) {
    writeRow(out, readImage(r, t, present));
    return;
  }
  const plans = t.plans;
  const buf = r.buf;
  const n = plans.length;
  const nb = r.take((n + 7) >> 3);
  out.byte(OPEN_BRACKET);
  for (let i = 0; i < n; i++) {
    if (i > 0) out.byte(COMMA);
    if (buf[nb + (i >> 3)] & (1 << (i & 7))) out.text('null');
    else {
      const c = plans[i];
      c.json(r, c, out);
    }
  }
  out.byte(CLOSE_BRACKET);
}

function zeroWidth(offset: number): never {
  throw new BinlakeError('BLK_B2003', 'a row image of zero bytes (zero-width rows event)', {
    details: { offset },
  });
}

/**
 * PARTIAL_UPDATE_ROWS (39, MySQL with binlog_row_value_options=PARTIAL_JSON) logs JSON columns
 * of the after image as diffs against the before image. binlake needs whole after images, so
 * it refuses the event instead of passing on a row it cannot complete.
 */
export const decodePartialUpdateRows: BodyDecoder = () => {
  throw new BinlakeError('BLK_B2005', 'a PARTIAL_UPDATE_ROWS event (JSON columns logged as diffs)', {
    remedy: "set binlog_row_value_options='' on the source so updates log whole JSON values",
  });
};
