import type { SchemaChange } from '../core/change-event.js';
import { BinlakeError } from '../core/errors.js';
import {
  type ColumnSchema,
  isBinaryColumn,
  type TableRef,
  type TableSchema,
  tableId,
} from '../core/table-schema.js';
import { parseColumnType } from '../source/column-type.js';
import { type ColumnDefinition, parseDdl, type QualifiedName } from './ddl-parser.js';
import { defaultValueFor } from './default-value.js';

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
  onIgnored?: (change: SchemaChange) => void;
}

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
  async onDdl(sql: string, defaultDatabase: string, timestamp: number): Promise<SchemaChange[]> {
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
              const change = await this.addColumn(tracked, action.column, sql, timestamp);
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
    const ignorable = change.kind !== 'drop-column';
    if (this.options.policy === 'stop' || !ignorable) {
      throw new BinlakeError(
        'BLK_T6001',
        `${change.kind.replace('-', ' ')} on synced table ${tableId(change.table)}: ${change.sql.slice(0, 300)}`,
        {
          remedy: ignorable
            ? 'binlake applies only ADD COLUMN to the warehouse. Either set ddl.unsupported: ignore in the config ' +
              '(the warehouse keeps the old shape; see README "DDL during sync") and run sync again, or run ' +
              'binlake sync --resnapshot to copy the table anew'
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
    timestamp: number,
  ): Promise<SchemaChange | null> {
    const before = tracked.schema;
    // Idempotent: the schema read at the start of a full sync may already include this column.
    if (before.columns.some((c) => c.name.toLowerCase() === definition.name.toLowerCase())) return null;
    const column = await this.columnFromDefinition(tracked, definition);
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
      defaultValue: defaultValueFor(column, definition.defaultSql, timestamp),
      schemaAfter,
      sql,
    };
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
