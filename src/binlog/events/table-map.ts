import { BinlakeError } from '../../core/errors.js';
import type { TableRef } from '../../core/table-schema.js';
import { ColumnType, columnTypeName, isNumericType } from '../cells/column-type.js';
import { EventType } from '../event-type.js';
import { postHeaderLength } from '../format.js';
import type { PacketReader } from '../packet-reader.js';
import type { CompiledTable } from '../table-cache.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/** One column as the TABLE_MAP describes it (type code + decoded metadata). */
export interface TableMapColumn {
  type: number;
  /** For STRING: STRING, ENUM or SET; else `type`. */
  realType: number;
  /** FLOAT/DOUBLE size, BLOB/JSON/GEOMETRY length bytes, VARCHAR max length, fsp; 0 when none. */
  meta: number;
  /** STRING max byte length, ENUM/SET pack length, BIT byte count; 0 when none. */
  length: number;
  /** BIT: total bits. */
  bits: number;
  precision: number;
  scale: number;
  nullable: boolean;
}

/**
 * The optional metadata of `binlog_row_metadata=FULL` (MySQL 8.0.1+, MariaDB 10.5+), TLV fields
 * after the null bitmap (`Table_map_log_event::Optional_metadata_field_type`). Per-kind lists
 * are in column order among the columns of that kind (numeric, character, ENUM, SET, geometry).
 */
export interface OptionalMetadata {
  /** 1: per numeric column, true when UNSIGNED. */
  unsigned?: boolean[];
  /** 2: default collation for character columns and the exceptions (index among character columns). */
  defaultCharset?: { collation: number; exceptions: Map<number, number> };
  /** 3: one collation per character column. */
  columnCharsets?: number[];
  /** 4 */
  columnNames?: string[];
  /** 5 and 6: members per SET / ENUM column, as raw bytes (decoded with the column charset). */
  setValues?: Buffer[][];
  enumValues?: Buffer[][];
  /** 7: per geometry column. */
  geometryTypes?: number[];
  /** 8 and 9: key columns, with the prefix length (0 = whole column). */
  primaryKey?: { column: number; prefix: number }[];
  /** 10 and 11: like 2 and 3 for ENUM/SET columns. */
  enumSetDefaultCharset?: { collation: number; exceptions: Map<number, number> };
  enumSetColumnCharsets?: number[];
  /** 12: per column, false for invisible columns. */
  visible?: boolean[];
}

/**
 * TABLE_MAP (19): table_id(6) flags(2) db_len(1) db NUL table_len(1) table NUL
 * column_count(packed) types(column_count) metadata_length(packed) metadata null_bitmap
 * [optional metadata]. It precedes the rows events of each table in each transaction;
 * decoding it compiles (or reuses) the table's row decoder.
 */
export class TableMapEvent extends BaseEvent {
  get type(): 'table_map' {
    return 'table_map';
  }
  declare readonly compiled: CompiledTable;

  constructor(header: TableMapEvent['header'], file: string, position: number, compiled: CompiledTable) {
    super(header, file, position);
    this.compiled = compiled;
  }

  get tableId(): number {
    return this.compiled.tableId;
  }

  get table(): TableRef {
    return this.compiled.ref;
  }

  get columns(): readonly TableMapColumn[] {
    return this.compiled.columns;
  }

  get optional(): OptionalMetadata {
    return this.compiled.optional;
  }

  protected body() {
    const c = this.compiled;
    return {
      tableId: c.tableId,
      database: c.ref.database,
      table: c.ref.table,
      columnCount: c.columns.length,
      schemaFrom: c.schemaFrom,
      columns: c.plans.map((p, i) => ({
        name: p.name,
        type: columnTypeName(c.columns[i].realType),
        unsigned: p.unsigned || undefined,
        nullable: p.nullable,
        charset: p.charset ?? undefined,
        members: p.members ?? undefined,
      })),
      primaryKey: c.optional.primaryKey?.map((k) => k.column),
    };
  }
}

export interface ParsedTableMap {
  tableId: number;
  flags: number;
  ref: TableRef;
  columns: TableMapColumn[];
  optional: OptionalMetadata;
}

function readColumnMeta(r: PacketReader, type: number): TableMapColumn {
  const c: TableMapColumn = {
    type,
    realType: type,
    meta: 0,
    length: 0,
    bits: 0,
    precision: 0,
    scale: 0,
    nullable: false,
  };
  switch (type) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.TIME2:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP2:
      c.meta = r.u8();
      break;
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      c.meta = r.u16();
      c.length = c.meta;
      break;
    case ColumnType.NEWDECIMAL:
      c.precision = r.u8();
      c.scale = r.u8();
      break;
    case ColumnType.BIT: {
      const rest = r.u8();
      const bytes = r.u8();
      c.bits = bytes * 8 + rest;
      c.length = bytes + (rest > 0 ? 1 : 0);
      break;
    }
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET: {
      // Field_string::save_field_metadata: byte0 = real_type ^ ((length & 0x300) >> 4), byte1 = length & 0xff
      const b0 = r.u8();
      const b1 = r.u8();
      if ((b0 & 0x30) !== 0x30) {
        c.realType = b0 | 0x30;
        c.length = b1 | (((b0 & 0x30) ^ 0x30) << 4);
      } else {
        c.realType = b0;
        c.length = b1;
      }
      if (
        c.realType !== ColumnType.STRING &&
        c.realType !== ColumnType.ENUM &&
        c.realType !== ColumnType.SET
      ) {
        c.realType = type === ColumnType.STRING ? ColumnType.STRING : type;
      }
      break;
    }
    default:
      break;
  }
  return c;
}

function bitmapBits(bytes: Buffer, count: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) out.push((bytes[i >> 3] & (0x80 >> (i & 7))) !== 0);
  return out;
}

function readCharsetField(r: PacketReader): { collation: number; exceptions: Map<number, number> } {
  const collation = r.packed();
  const exceptions = new Map<number, number>();
  while (r.remaining > 0) {
    const index = r.packed();
    exceptions.set(index, r.packed());
  }
  return { collation, exceptions };
}

function readPackedList(r: PacketReader): number[] {
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.packed());
  return out;
}

function readStrValues(r: PacketReader): Buffer[][] {
  const out: Buffer[][] = [];
  while (r.remaining > 0) {
    const count = r.packed();
    if (count > r.remaining) r.truncated(count);
    const members: Buffer[] = [];
    for (let i = 0; i < count; i++) members.push(r.bytes(r.packed()));
    out.push(members);
  }
  return out;
}

function readOptionalMetadata(r: PacketReader, columns: TableMapColumn[]): OptionalMetadata {
  const o: OptionalMetadata = {};
  const numericCount = columns.filter((c) => isNumericType(c.type)).length;
  while (r.remaining > 0) {
    const kind = r.u8();
    const f = r.sub(r.packed());
    switch (kind) {
      case 1:
        if (f.remaining < (numericCount + 7) >> 3) f.truncated((numericCount + 7) >> 3);
        o.unsigned = bitmapBits(f.rest(), numericCount);
        break;
      case 2:
        o.defaultCharset = readCharsetField(f);
        break;
      case 3:
        o.columnCharsets = readPackedList(f);
        break;
      case 4: {
        const names: string[] = [];
        while (f.remaining > 0) names.push(f.packedStr());
        o.columnNames = names;
        break;
      }
      case 5:
        o.setValues = readStrValues(f);
        break;
      case 6:
        o.enumValues = readStrValues(f);
        break;
      case 7:
        o.geometryTypes = readPackedList(f);
        break;
      case 8:
        o.primaryKey = readPackedList(f).map((column) => ({ column, prefix: 0 }));
        break;
      case 9: {
        const list = readPackedList(f);
        o.primaryKey = [];
        for (let i = 0; i + 1 < list.length; i += 2)
          o.primaryKey.push({ column: list[i], prefix: list[i + 1] });
        break;
      }
      case 10:
        o.enumSetDefaultCharset = readCharsetField(f);
        break;
      case 11:
        o.enumSetColumnCharsets = readPackedList(f);
        break;
      case 12:
        if (f.remaining < (columns.length + 7) >> 3) f.truncated((columns.length + 7) >> 3);
        o.visible = bitmapBits(f.rest(), columns.length);
        break;
      default:
        break; // unknown field: skipped by its length
    }
  }
  return o;
}

/** Parses a TABLE_MAP body (reader positioned after the common header). */
export function parseTableMap(r: PacketReader, idBytes: number): ParsedTableMap {
  const tableId = r.uintLE(idBytes);
  const flags = r.u16();
  const database = r.str(r.u8());
  if (r.u8() !== 0) throw new BinlakeError('BLK_B2003', 'TABLE_MAP database name is not NUL-terminated');
  const table = r.str(r.u8());
  if (r.u8() !== 0) throw new BinlakeError('BLK_B2003', 'TABLE_MAP table name is not NUL-terminated');
  const count = r.packed();
  if (count > r.remaining) r.truncated(count);
  const types = r.bytes(count);
  const metaLength = r.packed();
  const meta = r.sub(metaLength);
  const columns: TableMapColumn[] = [];
  for (let i = 0; i < count; i++) columns.push(readColumnMeta(meta, types[i]));
  if (meta.remaining !== 0) {
    throw new BinlakeError('BLK_B2003', `TABLE_MAP metadata has ${meta.remaining} bytes no column uses`, {
      details: { offset: meta.pos },
    });
  }
  const nulls = r.bytes((count + 7) >> 3);
  for (let i = 0; i < count; i++) columns[i].nullable = (nulls[i >> 3] & (1 << (i & 7))) !== 0;
  const optional = r.remaining > 0 ? readOptionalMetadata(r, columns) : {};
  return { tableId, flags, ref: { database, table }, columns, optional };
}

export const decodeTableMap: BodyDecoder = (r, ctx) => {
  const idBytes = postHeaderLength(ctx.format, EventType.TABLE_MAP) === 6 ? 4 : 6;
  const compiled = ctx.tables.load(r, idBytes);
  return new TableMapEvent(ctx.header, ctx.file, ctx.position, compiled);
};
