import type { SchemaChange } from '../core/change-event.js';
import { BinlakeError } from '../core/errors.js';
import {
  type ColumnSchema,
  isBinaryColumn,
  type TableRef,
  type TableSchema,
  tableId,
} from '../core/table-schema.js';
import type { Value } from '../core/values.js';
import { parseColumnType } from '../source/column-type.js';
import type { DdlTime } from './capture-event.js';
import { type ColumnDefinition, parseDdl, type QualifiedName } from './ddl-parser.js';
import { defaultValueFor, parseDefault, utcWallClock } from './default-value.js';

export type UnsupportedDdlPolicy = 'stop' | 'ignore';

/** A synced table as capture sees it; `schema` is replaced (never mutated) on ADD COLUMN. */
export interface TrackedTable {
  source: TableRef;
  target: string;
  schema: TableSchema;
}

export interface SchemaTrackerOptions {
  policy: UnsupportedDdlPolicy;
  /**
   * Looks a column up on the source right now (information_schema). Used to learn the charset and
   * exact type of an added column; it may be gone or changed by a later DDL, so it is only a hint.
   */
  lookupColumn?: (table: TableRef, column: string) => Promise<ColumnSchema | null>;
  /**
   * The source's own conversion of an instant to the wall clock of a session time zone
   * ('YYYY-MM-DD HH:MM:SS.ffffff'): what a DATETIME `DEFAULT CURRENT_TIMESTAMP` gave the rows
   * existing at an ADD COLUMN run in that zone. Without it, only UTC zones are known.
   */
  wallClockIn?: (timeZone: string, seconds: number, microseconds: number) => Promise<string>;
  onIgnored?: (change: SchemaChange) => void;
}

/** What `ddl.unsupported: ignore` leaves in the warehouse, per DDL kind (named in the BLK_T6001 remedy). */
const IGNORED: Record<Exclude<SchemaChange['kind'], 'add-column' | 'drop-column'>, string> = {
  'modify-column':
    'the warehouse keeps the old column type: safe when the values keep their form (a wider VARCHAR), ' +
    'not when they change it (a new DECIMAL scale, a narrower type)',
  'rename-column': 'the warehouse keeps the old column name and its values go on arriving under it',
  'rename-table':
    'the warehouse keeps the table under its old name and receives no changes made after the rename',
  'truncate-table': 'the warehouse keeps the rows the source removed, also in every merge after it',
  'drop-table': 'the warehouse keeps the table as it was before the drop',
  other: 'the warehouse keeps its shape',
};

/**
 * The schema of every synced table as of the binlog position capture has reached. The decoder
 * asks it for the schema of each TABLE_MAP (`schemaFor`); DDL events update it in binlog order.
 */
export class SchemaTracker {
  /** database → table → tracked table: looked up for every TABLE_MAP and rows event, so no key string is built. */
  private readonly tables = new Map<string, Map<string, TrackedTable>>();

  constructor(
    tables: TrackedTable[],
    private readonly options: SchemaTrackerOptions,
  ) {
    for (const t of tables) {
      let byName = this.tables.get(t.source.database);
      if (!byName) {
        byName = new Map();
        this.tables.set(t.source.database, byName);
      }
      byName.set(t.source.table, t);
    }
  }

  isSynced(ref: TableRef): boolean {
    return this.tables.get(ref.database)?.has(ref.table) ?? false;
  }

  get(ref: TableRef): TrackedTable | undefined {
    return this.tables.get(ref.database)?.get(ref.table);
  }

  schemaFor = (database: string, table: string): TableSchema | undefined =>
    this.tables.get(database)?.get(table)?.schema;

  all(): TrackedTable[] {
    return [...this.tables.values()].flatMap((byName) => [...byName.values()]);
  }

  /** Applies one DDL statement found in the binlog; returns what the warehouse must record. */
  async onDdl(sql: string, defaultDatabase: string, at: DdlTime): Promise<SchemaChange[]> {
    const parsed = parseDdl(sql);
    const ref = (q: QualifiedName): TableRef => ({ database: q.database ?? defaultDatabase, table: q.table });
    switch (parsed.kind) {
      case 'alter-table': {
        const table = ref({ database: parsed.database, table: parsed.table });
        const tracked = this.get(table);
        if (!tracked) return [];
        const changes: SchemaChange[] = [];
        for (const action of parsed.actions) {
          switch (action.kind) {
            case 'add-column': {
              const change = await this.addColumn(tracked, action.column, sql, at);
              if (change) changes.push(change);
              break;
            }
            case 'drop-column':
            case 'modify-column':
            case 'rename-column':
            case 'rename-table':
              changes.push(this.unsupported({ kind: action.kind, table, sql }));
              break;
            case 'other':
              // Index, constraint, option and default changes leave stored rows as they are.
              break;
          }
        }
        return changes;
      }
      case 'rename-table':
        return parsed.renames
          .filter((r) => this.isSynced(ref(r.from)))
          .map((r) => this.unsupported({ kind: 'rename-table', table: ref(r.from), sql }));
      case 'truncate-table':
        return this.isSynced(ref(parsed.table))
          ? [this.unsupported({ kind: 'truncate-table', table: ref(parsed.table), sql })]
          : [];
      case 'drop-table':
        return parsed.tables
          .filter((t) => this.isSynced(ref(t)))
          .map((t) => this.unsupported({ kind: 'drop-table', table: ref(t), sql }));
      default:
        return [];
    }
  }

  private unsupported(
    change: SchemaChange & { kind: Exclude<SchemaChange['kind'], 'add-column'> },
  ): SchemaChange {
    // After a dropped column the rows no longer fit the warehouse table: ignoring it cannot work.
    if (this.options.policy === 'stop' || change.kind === 'drop-column') {
      throw new BinlakeError(
        'BLK_T6001',
        `${change.kind.replace('-', ' ')} on synced table ${tableId(change.table)}: ${change.sql.slice(0, 300)}`,
        {
          remedy:
            change.kind !== 'drop-column'
              ? 'binlake applies only ADD COLUMN to the warehouse: run binlake sync --resnapshot to copy the table ' +
                `anew, or set ddl.unsupported: ignore and run sync again, where ${IGNORED[change.kind]}`
              : 'binlake applies only ADD COLUMN to the warehouse, and the rows after a dropped column no longer ' +
                'fit the warehouse table, so not even ddl.unsupported: ignore can go on: run ' +
                'binlake sync --resnapshot to copy the table anew',
          details: { table: tableId(change.table), kind: change.kind },
        },
      );
    }
    this.options.onIgnored?.(change);
    return change;
  }

  private async addColumn(
    tracked: TrackedTable,
    definition: ColumnDefinition,
    sql: string,
    at: DdlTime,
  ): Promise<SchemaChange | null> {
    const before = tracked.schema;
    // Idempotent: the schema read at the start of a full sync may already include this column.
    if (before.columns.some((c) => c.name.toLowerCase() === definition.name.toLowerCase())) return null;
    const column = await this.columnFromDefinition(tracked, definition);
    const defaultValue = await this.existingRowsValue(tracked, column, definition.defaultSql, sql, at);
    const position =
      definition.after === null
        ? 0
        : definition.after === undefined
          ? before.columns.length
          : before.columns.findIndex((c) => c.name.toLowerCase() === definition.after!.toLowerCase()) + 1 ||
            before.columns.length;
    const columns = [...before.columns];
    columns.splice(position, 0, column);
    const schemaAfter: TableSchema = { ...before, columns };
    tracked.schema = schemaAfter;
    return {
      kind: 'add-column',
      table: tracked.source,
      column,
      position,
      defaultValue,
      schemaAfter,
      sql,
    };
  }

  /**
   * What the rows existing at ADD COLUMN got, exactly as the source stored it, or BLK_T6001 when
   * the binlog cannot tell: an expression default (`(uuid())` gives every row its own value), or a
   * start time whose microseconds or session time zone were not logged or cannot be converted.
   */
  private async existingRowsValue(
    tracked: TrackedTable,
    column: ColumnSchema,
    defaultSql: string | null,
    sql: string,
    at: DdlTime,
  ): Promise<Value> {
    const spec = parseDefault(defaultSql);
    const cannot = (why: string): BinlakeError =>
      new BinlakeError(
        'BLK_T6001',
        `add column ${column.name} on synced table ${tableId(tracked.source)}: ${why}: ${sql.slice(0, 300)}`,
        {
          remedy:
            'the rows already in the warehouse cannot get the values the source gave them, and every row after ' +
            'this DDL has the new column, so it cannot be ignored either: run binlake sync --resnapshot to copy ' +
            'the table anew (for a future ADD COLUMN, a constant DEFAULT or CURRENT_TIMESTAMP is applied exactly)',
          details: { table: tableId(tracked.source), kind: 'add-column', column: column.name },
        },
      );
    if (spec.kind === 'expression')
      throw cannot(
        `its DEFAULT ${spec.sql} is an expression that gave each existing row a value binlake cannot know`,
      );
    if (spec.kind !== 'now') return defaultValueFor(column, spec);
    const fsp = column.fsp ?? 0;
    if (fsp > 0 && at.microseconds === undefined)
      throw cannot(
        `the binlog does not give the fractional seconds of the statement's start time (fsp ${fsp})`,
      );
    const micros = at.microseconds ?? 0;
    // A TIMESTAMP holds the instant (binlake reads it in UTC); a DATETIME the session's wall clock.
    const zone = column.kind === 'timestamp' ? '+00:00' : at.timeZone;
    if (zone === undefined) throw cannot("the binlog does not give the time zone of the statement's session");
    if (/^([+-]00:00|UTC|GMT|Etc\/UTC)$/i.test(zone))
      return defaultValueFor(column, spec, utcWallClock(at.seconds, micros));
    const wallClock = await this.options.wallClockIn?.(zone, at.seconds, micros).catch(() => undefined);
    if (wallClock === undefined)
      throw cannot(
        `the source could not convert the statement's start time to its session time zone ${zone}`,
      );
    return defaultValueFor(column, spec, wallClock);
  }

  private async columnFromDefinition(
    tracked: TrackedTable,
    definition: ColumnDefinition,
  ): Promise<ColumnSchema> {
    const parsed = parseColumnType(definition.typeText);
    const live = await this.options.lookupColumn?.(tracked.source, definition.name).catch(() => null);
    const textual = ['char', 'varchar', 'text', 'enum', 'set', 'json'].includes(parsed.kind);
    const tableCharset =
      tracked.schema.columns.find((c) => c.charset && !isBinaryColumn(c))?.charset ?? 'utf8mb4';
    const declaredCharset =
      definition.charset ?? (definition.collation ? definition.collation.split('_')[0] : null);
    const charset =
      live && live.kind === parsed.kind
        ? live.charset
        : textual
          ? declaredCharset === 'binary'
            ? null
            : (declaredCharset ?? tableCharset)
          : null;
    return {
      name: live?.name ?? definition.name,
      kind: parsed.kind,
      columnType: live && live.kind === parsed.kind ? live.columnType : definition.typeText,
      unsigned: parsed.unsigned,
      nullable: definition.nullable,
      length: parsed.length,
      scale: parsed.scale,
      fsp: parsed.fsp,
      charset,
      members: parsed.members,
      defaultSql: definition.defaultSql,
    };
  }
}
