import { BinlakeError } from '../core/errors.js';
import type { ColumnSchema, TableRef, TableSchema } from '../core/table-schema.js';
import { isBinaryColumn } from '../core/table-schema.js';
import { charsetOfCollation, decodeLatin1, textCodec } from './cells/charset.js';
import { ColumnType, isCharacterType, isEnumOrSet, isNumericType } from './cells/column-type.js';
import type { ColumnPlan } from './cells/plan.js';
import { compileCell, compileCellJson } from './cells/registry.js';
import { hiresDecoder } from './cells/temporal.js';
import { type OptionalMetadata, parseTableMap, type TableMapColumn } from './events/table-map.js';
import type { PacketReader } from './packet-reader.js';

export type SchemaHint = (database: string, table: string) => TableSchema | undefined;

/** A table id's compiled row decoder: one `ColumnPlan` (with its cell decoder) per column. */
export interface CompiledTable {
  tableId: number;
  flags: number;
  ref: TableRef;
  columns: TableMapColumn[];
  optional: OptionalMetadata;
  plans: ColumnPlan[];
  names: string[];
  /** Where names, signedness, charsets and members came from. */
  schemaFrom: 'metadata' | 'hint' | 'none';
  /** The hint used, when one was. */
  hint: TableSchema | undefined;
}

interface Entry {
  body: Buffer;
  hint: TableSchema | undefined;
  compiled: CompiledTable;
}

/**
 * The table-map cache: table id → compiled row decoder. A TABLE_MAP whose bytes and schema hint
 * (by object identity: DDL tracking replaces the schema object) are unchanged reuses the
 * compiled decoder without parsing; anything else recompiles.
 */
export class TableCache {
  private readonly entries = new Map<number, Entry>();
  /**
   * Table ids grow with every table (re)open and DDL on the source, so the cache is bounded;
   * evicting is safe because every transaction repeats the TABLE_MAPs its rows events need.
   */
  static readonly MAX_ENTRIES = 4096;

  constructor(private readonly schemaFor: SchemaHint | undefined) {}

  get(tableId: number): CompiledTable | undefined {
    return this.entries.get(tableId)?.compiled;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Parses (or reuses) the TABLE_MAP whose body the reader holds and consumes it. */
  load(r: PacketReader, idBytes: number): CompiledTable {
    const start = r.pos;
    const tableId = r.uintLE(idBytes);
    r.pos -= idBytes;
    const cached = this.entries.get(tableId);
    if (cached !== undefined && sameBytes(cached.body, r.buf, start, r.end)) {
      const hint = this.schemaFor?.(cached.compiled.ref.database, cached.compiled.ref.table);
      if (hint === cached.hint) {
        r.pos = r.end;
        return cached.compiled;
      }
    }
    const parsed = parseTableMap(r, idBytes);
    const hint = this.schemaFor?.(parsed.ref.database, parsed.ref.table);
    const compiled = compileTable(
      parsed.tableId,
      parsed.flags,
      parsed.ref,
      parsed.columns,
      parsed.optional,
      hint,
    );
    this.entries.delete(tableId);
    if (this.entries.size >= TableCache.MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(tableId, { body: Buffer.from(r.buf.subarray(start, r.end)), hint, compiled });
    return compiled;
  }
}

/**
 * `a` equals `b[start, end)`. Every transaction repeats its TABLE_MAPs. A short body (sysbench's
 * is 57 bytes) is compared by a loop, which made the dump's decoding 5% faster than a native
 * `compare` per TABLE_MAP (min of 27 passes over a 1M-event binlog: 606 vs 645 ms); a long one
 * by `compare`, whose call costs less than the loop there.
 */
function sameBytes(a: Buffer, b: Buffer, start: number, end: number): boolean {
  const n = a.length;
  if (n !== end - start) return false;
  if (n > SHORT_TABLE_MAP) return a.compare(b, start, end) === 0;
  for (let i = 0; i < n; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

const SHORT_TABLE_MAP = 64;

function collationCharset(collation: number | undefined): string | null | undefined {
  if (collation === undefined) return undefined;
  return charsetOfCollation(collation);
}

/**
 * Builds the plans of a table. Precedence per property: the FULL optional metadata, then the
 * schema hint (used only when its column count matches the table map), then the defaults of
 * `mysqlbinlog`: signed integers, text as bytes, ENUM/SET as index/bitmask, names `@1`, `@2`…
 */
export function compileTable(
  tableId: number,
  flags: number,
  ref: TableRef,
  columns: TableMapColumn[],
  optional: OptionalMetadata,
  schema: TableSchema | undefined,
): CompiledTable {
  const hint = schema && schema.columns.length === columns.length ? schema : undefined;
  const hasMetadata = optional.columnNames !== undefined || optional.unsigned !== undefined;
  let numeric = 0;
  let character = 0;
  let enumSet = 0;
  let enumIndex = 0;
  let setIndex = 0;
  const plans: ColumnPlan[] = [];
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i];
    const h: ColumnSchema | undefined = hint?.columns[i];
    const plan: ColumnPlan = {
      index: i,
      name: optional.columnNames?.[i] ?? h?.name ?? `@${i + 1}`,
      type: col.type,
      realType: col.realType,
      meta: col.meta,
      length: col.length,
      precision: col.precision,
      scale: col.scale,
      unsigned: false,
      nullable: col.nullable,
      charset: null,
      codec: null,
      padTo: 0,
      members: null,
      read: () => null,
      json: () => {},
    };
    if (isNumericType(col.type)) {
      plan.unsigned = optional.unsigned?.[numeric] ?? h?.unsigned ?? false;
      numeric++;
    }
    if (isCharacterType(col.realType)) {
      let charset = collationCharset(
        optional.columnCharsets?.[character] ??
          optional.defaultCharset?.exceptions.get(character) ??
          optional.defaultCharset?.collation,
      );
      if (charset === undefined && h) charset = isBinaryColumn(h) ? 'binary' : (h.charset ?? null);
      plan.charset = charset ?? null;
      plan.codec = textCodec(plan.charset);
      if (plan.charset === 'binary' && col.realType === ColumnType.STRING && h?.kind !== 'char')
        plan.padTo = col.length;
      character++;
    }
    if (isEnumOrSet(col.realType)) {
      let charset = collationCharset(
        optional.enumSetColumnCharsets?.[enumSet] ??
          optional.enumSetDefaultCharset?.exceptions.get(enumSet) ??
          optional.enumSetDefaultCharset?.collation,
      );
      if (charset === undefined) charset = h?.charset ?? 'utf8mb4';
      const raw =
        col.realType === ColumnType.ENUM ? optional.enumValues?.[enumIndex] : optional.setValues?.[setIndex];
      if (raw) {
        const codec = textCodec(charset) ?? textCodec('utf8mb4');
        plan.members = raw.map((b) =>
          codec?.kind === 'decoder'
            ? codec.decoder.decode(b)
            : codec?.kind === 'latin1'
              ? decodeLatin1(b, 0, b.length)
              : b.toString('utf8'),
        );
      } else if (h?.members && (h.kind === 'enum' || h.kind === 'set')) {
        plan.members = h.members;
      }
      plan.charset = charset;
      if (col.realType === ColumnType.ENUM) enumIndex++;
      else setIndex++;
      enumSet++;
    }
    if (!hasMetadata && h && col.realType === ColumnType.STRING && h.kind === 'binary' && h.length) {
      plan.padTo = h.length;
    }
    plan.read = compileCell(plan);
    const hires = h?.fsp ? hiresDecoder(col.type) : null;
    if (hires && h?.fsp && h.fsp <= 6) {
      plan.meta = h.fsp;
      plan.read = hires;
    }
    if (isTemporalWithFsp(col.type) && col.meta > 6) plan.read = invalidFsp;
    plan.json = compileCellJson(plan);
    plans.push(plan);
  }
  return {
    tableId,
    flags,
    ref,
    columns,
    optional,
    plans,
    names: plans.map((p) => p.name),
    schemaFrom: hasMetadata ? 'metadata' : hint ? 'hint' : 'none',
    hint,
  };
}

function isTemporalWithFsp(type: number): boolean {
  return type === ColumnType.TIME2 || type === ColumnType.DATETIME2 || type === ColumnType.TIMESTAMP2;
}

const invalidFsp = (_r: PacketReader, c: ColumnPlan): never => {
  throw new BinlakeError('BLK_B2003', `column ${c.name}: fractional precision ${c.meta} is above 6`, {
    details: { column: c.name },
  });
};
