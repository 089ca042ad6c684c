import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { BIGINT, type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { PartitionColumn } from '../../config/config.js';
import { CellRows, type RowBatch } from '../../core/cell-rows.js';
import type { ChangeBatch, SchemaChange } from '../../core/change-event.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import { BinlakeError } from '../../core/errors.js';
import type { ColumnSchema, TableRef, TableSchema } from '../../core/table-schema.js';
import { tableId } from '../../core/table-schema.js';
import type { Row, Value } from '../../core/values.js';
import { type MergeDialect, mergeTableOf, planMerge } from '../../merge/plan-merge.js';
import {
  columnClashes,
  destinationName,
  logColumnNames,
  type Naming,
  orderedPartitions,
  partitionValue,
} from '../log-columns.js';
import { decodeRow, encodeRow } from '../row-json.js';
import type { BaseLoad, ChangeLog, Sink, SinkState, TablePhase, TableState, TargetTable } from '../sink.js';
import { type ChunkProgress, DuckDbBaseLoad, type LoadPort } from './base-load.js';
import { type ChangeLogPort, DuckDbChangeLog, pushLogRows } from './change-log.js';
import { quoteIdent } from './sql.js';
import { errorText, type PhysicalColumn, TableAppender } from './table-appender.js';
import { type DuckDbStorage, duckDbStorage } from './type-mapping.js';
import { duckDbType, fromDuckDbValue, toDuckDbValue } from './values.js';

/** The columns that give a state table a row per writer (see writeCheckpoint, writeState). */
const SLOT_COLUMNS: [string, string][] = [
  ['slot', 'INTEGER DEFAULT 0'],
  ['seq', 'BIGINT DEFAULT 0'],
];

export interface DuckDbSinkOptions {
  /** The DuckDB file; created with its folder when missing. */
  path: string;
  /** Partition columns of every `_log` table (config `partitions`). */
  partitions?: readonly PartitionColumn[];
  /** Additional column names (config `naming`). */
  naming?: Naming;
  /**
   * DuckDB's memory_limit (e.g. '256MB') for everything the sink does. Bounds the buffer pool so
   * the process's memory does not grow with the warehouse size; what does not fit spills to
   * `<path>.tmp`. Default: DEFAULT_MEMORY_LIMIT for writes, QUERY_MEMORY_LIMIT for merges and reads.
   */
  memoryLimit?: string;
}

/**
 * DuckDB's memory_limit and threads while the sink writes (full sync, capture): they keep the
 * process's RSS flat whatever the table size. Measured on 2 cores: a 2M-row sysbench full sync
 * peaked at 436 MB of RSS with 256MB and all cores, 343 MB with these; a 200k-row, 30-column
 * table at 483 MB before, 344 MB now; both ran faster with one DuckDB thread, since the JavaScript
 * thread (decoding, appends) and the source server need the other core. 96MB still let single
 * runs of the wide table reach 448 MiB (RSS varies with when DuckDB checkpoints); 64MB peaked at
 * 316–344 MiB in the same series, at the same speed.
 */
export const DEFAULT_MEMORY_LIMIT = '64MB';
const WRITE_THREADS = 1;

/**
 * memory_limit while a merge or a read runs, with every core. 192MB keeps a merge of 2M rows
 * under 400 MB of RSS (measured 389 MB; 434 MB with 256MB). A query that still runs out of
 * memory — a window over many 16 MB blobs pins them all — is run once more with
 * QUERY_MEMORY_LIMIT_LARGE: a rare merge may take more memory, but it does not fail.
 */
export const QUERY_MEMORY_LIMIT = '192MB';
export const QUERY_MEMORY_LIMIT_LARGE = '2GB';
const QUERY_THREADS = Math.max(1, availableParallelism());

/** Files a DuckDbSink of this process has open (resolved paths). */
const OPEN_FILES = new Set<string>();

/** binlake's own tables, in the same file as the data so state and data commit together. */
export const STATE_TABLES = { checkpoint: '_binlake_checkpoint', tables: '_binlake_tables' } as const;

/** One `_log` row: the additional-column values (record_id … after_flag, partitions) and the image. */
export interface LogRecord {
  recordId: bigint;
  operationFlag: 'I' | 'U' | 'D';
  utcTimestamp: number;
  beforeFlag: 'Y' | 'N';
  afterFlag: 'Y' | 'N';
  partitions: Partial<Record<PartitionColumn, string>>;
  row: Row;
}

/** An ADD COLUMN default still to be written into the rows that existed before the DDL. */
interface BackFill {
  target: string;
  column: string;
  value: DuckDBValue;
  storage: DuckDbStorage;
  /** `_log` rows with a smaller record_id existed before the DDL. */
  logBefore: bigint;
  /** Which tables got the column in this batch (a table that already had it keeps its values). */
  tables: { base: boolean; log: boolean };
}

const BIGINT_STORAGE: DuckDbStorage = { type: 'BIGINT', sql: 'BIGINT' };
const VARCHAR_STORAGE: DuckDbStorage = { type: 'VARCHAR', sql: 'VARCHAR' };

/**
 * The DuckDB warehouse: `<t>_base`, `<t>_log` and binlake's state in one file. One process
 * writes a file at a time (DuckDB's file lock). Calls are serialized on the sink's connection,
 * each write method one transaction; full-sync loads and the change log write on connections of
 * their own (see sink/README.md, Connections).
 */
export class DuckDbSink implements Sink {
  private readonly layouts = new Map<string, PhysicalColumn[]>();
  private states = new Map<string, TableState>();
  private checkpoint: Checkpoint | null = null;
  /** `seq` of the newest checkpoint row (writeCheckpoint). */
  private checkpointSeq = 0n;
  /** The seq of the newest table-state row written or read (see writeState). */
  private stateSeq = 0n;
  /** A change log's checkpoint written and not yet committed. */
  private pendingCheckpoint: Checkpoint | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Full-sync loads with connections of their own (openBaseLoad). */
  private readonly loads = new Set<DuckDbBaseLoad>();
  /** Change logs with connections of their own (openChangeLog). */
  private readonly changeLogs = new Set<DuckDbChangeLog>();
  /** Set while an operation that loads must not overlap runs (excludingLoads). */
  private exclusive: Promise<void> | null = null;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly partitions: PartitionColumn[],
    private readonly naming: Naming,
    private readonly memoryLimits: { write: string; query: string; queryLarge: string },
  ) {}

  /**
   * Opens or creates the file and binlake's state tables. BLK_D4001 when another process holds
   * the file (a `binlake sync` may be running), BLK_D4004 when the folder or file is not writable.
   */
  static async create(options: DuckDbSinkOptions): Promise<DuckDbSink> {
    const file = path.resolve(options.path);
    checkWritable(file);
    // DuckDB's file lock is per process: a second instance in this process would open the same
    // file unguarded and corrupt it, so refuse it like another process's lock.
    if (OPEN_FILES.has(file)) {
      throw new BinlakeError(
        'BLK_D4001',
        `destination ${file} is already open in this process (PID ${process.pid}); a binlake sync may be running`,
        { remedy: 'use the sink that is already open', details: { file, pid: process.pid } },
      );
    }
    OPEN_FILES.add(file);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, {
        memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
        threads: String(WRITE_THREADS),
      });
    } catch (error) {
      OPEN_FILES.delete(file);
      throw openError(file, error);
    }
    const connection = await instance.connect();
    const sink = new DuckDbSink(
      file,
      instance,
      connection,
      orderedPartitions(options.partitions ?? []),
      options.naming ?? 'classic',
      options.memoryLimit
        ? { write: options.memoryLimit, query: options.memoryLimit, queryLarge: options.memoryLimit }
        : { write: DEFAULT_MEMORY_LIMIT, query: QUERY_MEMORY_LIMIT, queryLarge: QUERY_MEMORY_LIMIT_LARGE },
    );
    try {
      await sink.initialize();
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      OPEN_FILES.delete(file);
      throw new BinlakeError('BLK_D4002', `cannot initialize ${file}: ${errorText(error)}`, { cause: error });
    }
    return sink;
  }

  private async initialize(): Promise<void> {
    await this.connection.run(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(STATE_TABLES.checkpoint)} (file VARCHAR NOT NULL, position BIGINT NOT NULL, gtid VARCHAR, next_record_id BIGINT NOT NULL, last_event_timestamp BIGINT NOT NULL)`,
    );
    // The checkpoint has a row per writer (see writeCheckpoint); files written before had one row.
    await this.addMissingColumns(STATE_TABLES.checkpoint, SLOT_COLUMNS);
    await this.connection.run(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(STATE_TABLES.tables)} (target VARCHAR NOT NULL, source_database VARCHAR NOT NULL, source_table VARCHAR NOT NULL, phase VARCHAR NOT NULL, schema_json VARCHAR NOT NULL, column_renames_json VARCHAR NOT NULL, rows_copied BIGINT NOT NULL, rows_total BIGINT, cursor_json VARCHAR, consistent_from BIGINT)`,
    );
    // A table's state has a row per writer too (see writeState); files written before had one row.
    await this.addMissingColumns(STATE_TABLES.tables, SLOT_COLUMNS);
    await this.loadState();
  }

  /**
   * Adds the columns a file written by an older binlake lacks. Only when they are missing: even
   * a no-op `ADD COLUMN IF NOT EXISTS` made a later merge in the same process take 30 MB more
   * (measured).
   */
  private async addMissingColumns(table: string, columns: [string, string][]): Promise<void> {
    const present = new Set(
      (
        await this.query(
          `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1`,
          [table],
        )
      ).map((r) => String(r[0]).toLowerCase()),
    );
    for (const [name, sql] of columns) {
      if (!present.has(name))
        await this.connection.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${name} ${sql}`);
    }
  }

  /** Runs `work` after every earlier call has finished (one connection, one transaction at a time). */
  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new BinlakeError('BLK_D4002', `the DuckDB sink for ${this.path} is closed`);
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** BEGIN … COMMIT around `work`; on any error ROLLBACK, forget cached layouts, reload state, rethrow. */
  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.connection.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.connection.run('ROLLBACK');
      } catch {
        // the transaction may already be aborted; DuckDB then discards it on its own
      }
      this.layouts.clear();
      // The caches may hold what this transaction did not store. With loads or a change log open
      // they are left alone: those commit meanwhile, and a reload could take state older than
      // theirs; the failure stops the task anyway.
      if (!this.otherWriters()) {
        try {
          await this.loadState();
        } catch {
          // the original error says more; the next call reloads or fails on its own
        }
      }
      throw this.writeFailure(error, 'nothing was stored');
    }
  }

  /** A failed write as BLK_D4002 naming the file (a BinlakeError stays as it is). */
  private writeFailure(error: unknown, lost: string): BinlakeError {
    if (error instanceof BinlakeError) return error;
    return new BinlakeError('BLK_D4002', `write to ${this.path} failed: ${errorText(error)}`, {
      remedy: `${lost}; check free disk space and the message, then restart the sync`,
      cause: error,
    });
  }

  private async query(
    sql: string,
    values?: DuckDBValue[],
    connection = this.connection,
  ): Promise<DuckDBValue[][]> {
    const reader = await connection.runAndReadAll(sql, values);
    return reader.getRows();
  }

  /** Full-sync loads or change logs are open: they commit without this connection's queue. */
  private otherWriters(): boolean {
    return this.loads.size > 0 || this.changeLogs.size > 0;
  }

  /** Reads the stored checkpoint and table states into the caches. */
  private async loadState(): Promise<void> {
    const stored = await this.readStored();
    // Never back: a change log or a load may have written a newer row that is not committed yet.
    if (stored.seq > this.checkpointSeq) this.checkpointSeq = stored.seq;
    if (stored.stateSeq > this.stateSeq) this.stateSeq = stored.stateSeq;
    this.checkpoint = stored.checkpoint;
    this.states = stored.states;
  }

  /** The stored checkpoint and table states (each the row with the highest seq), as committed now. */
  private async readStored(): Promise<{
    checkpoint: Checkpoint | null;
    seq: bigint;
    states: Map<string, TableState>;
    stateSeq: bigint;
  }> {
    const cp = await this.query(
      `SELECT file, position, gtid, next_record_id, last_event_timestamp, seq FROM ${quoteIdent(STATE_TABLES.checkpoint)} ORDER BY seq DESC, next_record_id DESC, file DESC, position DESC LIMIT 1`,
    );
    const checkpoint: Checkpoint | null =
      cp.length === 0
        ? null
        : {
            file: cp[0][0] as string,
            position: Number(cp[0][1]),
            gtid: cp[0][2] as string | null,
            nextRecordId: cp[0][3] as bigint,
            lastEventTimestamp: Number(cp[0][4]),
          };
    const rows = await this.query(
      `SELECT target, source_database, source_table, phase, schema_json, column_renames_json, rows_copied, rows_total, cursor_json, consistent_from, seq FROM ${quoteIdent(STATE_TABLES.tables)} ORDER BY target, seq, rows_copied`,
    );
    // Later rows of a target (higher seq) replace earlier ones in the map.
    const states = new Map<string, TableState>(
      rows.map((r) => [
        r[0] as string,
        {
          target: r[0] as string,
          source: { database: r[1] as string, table: r[2] as string },
          phase: r[3] as TablePhase,
          schema: JSON.parse(r[4] as string) as TableSchema,
          columnRenames: JSON.parse(r[5] as string) as Record<string, string>,
          rowsCopied: Number(r[6]),
          rowsTotal: r[7] === null ? null : Number(r[7]),
          cursor: r[8] === null ? null : decodeRow(r[8] as string),
          consistentFrom: r[9] === null ? null : Number(r[9]),
        },
      ]),
    );
    const stateSeq = rows.reduce((max, r) => ((r[10] as bigint) > max ? (r[10] as bigint) : max), 0n);
    return { checkpoint, seq: cp.length === 0 ? 0n : (cp[0][5] as bigint), states, stateSeq };
  }

  /**
   * Stores a table's state as its row with the highest `seq`. The sink's own connection replaces
   * every row of the table (slot 0); a load's connection replaces only its slot's row, so that
   * two chunks committing on two connections never touch the same row.
   */
  private async writeState(state: TableState, connection = this.connection, slot = 0): Promise<void> {
    const t = quoteIdent(STATE_TABLES.tables);
    if (slot === 0) await connection.run(`DELETE FROM ${t} WHERE target = $1`, [state.target]);
    else await connection.run(`DELETE FROM ${t} WHERE target = $1 AND slot = $2`, [state.target, slot]);
    this.stateSeq++;
    await connection.run(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
      state.target,
      state.source.database,
      state.source.table,
      state.phase,
      JSON.stringify(state.schema),
      JSON.stringify(state.columnRenames),
      BigInt(state.rowsCopied),
      state.rowsTotal === null ? null : BigInt(state.rowsTotal),
      state.cursor === null ? null : encodeRow(state.cursor),
      state.consistentFrom === null ? null : BigInt(state.consistentFrom),
      slot,
      this.stateSeq,
    ]);
  }

  /**
   * Stores the checkpoint as the row with the highest `seq`. The sink's own connection replaces
   * every row (slot 0); a change log's connection replaces only its slot's row, so that two
   * batches in flight on two connections never touch the same row (DuckDB refuses a transaction
   * that changes a row another one changed after it began).
   */
  private async writeCheckpoint(
    checkpoint: Checkpoint | null,
    connection = this.connection,
    slot = 0,
  ): Promise<void> {
    const t = quoteIdent(STATE_TABLES.checkpoint);
    if (slot === 0) await connection.run(`DELETE FROM ${t}`);
    else await connection.run(`DELETE FROM ${t} WHERE slot = $1`, [slot]);
    if (checkpoint === null) return;
    this.checkpointSeq++;
    await connection.run(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      checkpoint.file,
      BigInt(checkpoint.position),
      checkpoint.gtid,
      checkpoint.nextRecordId,
      BigInt(checkpoint.lastEventTimestamp),
      slot,
      this.checkpointSeq,
    ]);
  }

  private async tableNames(): Promise<string[]> {
    const rows = await this.query(
      `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`,
    );
    return rows.map((r) => r[0] as string);
  }

  existingTargets(targets: string[]): Promise<string[]> {
    return this.serialize(async () => {
      const existing = new Map((await this.tableNames()).map((n) => [n.toLowerCase(), n]));
      const found: string[] = [];
      for (const target of targets) {
        for (const name of [`${target}_base`, `${target}_log`]) {
          const hit = existing.get(name.toLowerCase());
          if (hit !== undefined && !found.includes(hit)) found.push(hit);
        }
      }
      return found;
    });
  }

  ensureTables(tables: TargetTable[], options: { resetState?: boolean } = {}): Promise<void> {
    return this.serialize(() =>
      this.transaction(async () => {
        for (const table of tables) {
          const clash = columnClashes(table.schema, table.columnRenames, {
            naming: this.naming,
            partitions: this.partitions,
          })[0];
          if (clash) {
            throw new BinlakeError(
              'BLK_D4006',
              `${tableId(table.source)}: column ${clash.column} is stored as ${clash.destination}, which clashes with ${clash.clashesWith}`,
              { remedy: `rename it with objects[].tables[].columns: { ${clash.column}: <new name> }` },
            );
          }
        }
        if (options.resetState) await this.writeCheckpoint(null);
        let existing = new Set((await this.tableNames()).map((n) => n.toLowerCase()));
        if (options.resetState) {
          // A re-snapshot starts the tables afresh: old `_base` rows would tie with the new ones
          // in the merge, and old `_log` record_ids would repeat. The old tables are renamed
          // aside (`<t>_base_replaced_<epoch>[_n]`), not dropped, so their history stays queryable.
          // Two re-snapshots within one second get `_replaced_<epoch>_2`, `_3`, … instead of clashing.
          const epoch = Math.floor(Date.now() / 1000);
          for (const table of tables) {
            for (const kind of ['base', 'log'] as const) {
              const name = `${table.target}_${kind}`;
              if (!existing.has(name.toLowerCase())) continue;
              let aside = `${name}_replaced_${epoch}`;
              for (let n = 2; existing.has(aside.toLowerCase()); n++)
                aside = `${name}_replaced_${epoch}_${n}`;
              await this.connection.run(`ALTER TABLE ${quoteIdent(name)} RENAME TO ${quoteIdent(aside)}`);
              existing.add(aside.toLowerCase());
            }
          }
          existing = new Set((await this.tableNames()).map((n) => n.toLowerCase()));
        }
        for (const table of tables) {
          const stored = this.states.get(table.target);
          const schema = stored && !options.resetState ? stored.schema : table.schema;
          const renames = stored && !options.resetState ? stored.columnRenames : table.columnRenames;
          const columns = schema.columns.map(
            (c) => `${quoteIdent(destinationName(c.name, renames))} ${duckDbStorage(c).sql}`,
          );
          if (!existing.has(`${table.target}_base`.toLowerCase())) {
            await this.connection.run(
              `CREATE TABLE ${quoteIdent(`${table.target}_base`)} (${columns.join(', ')})`,
            );
          }
          if (!existing.has(`${table.target}_log`.toLowerCase())) {
            const n = logColumnNames(this.naming);
            const log = [
              `${quoteIdent(n.recordId)} BIGINT`,
              `${quoteIdent(n.operationFlag)} VARCHAR`,
              `${quoteIdent(n.utcTimestamp)} BIGINT`,
              `${quoteIdent(n.beforeFlag)} VARCHAR`,
              `${quoteIdent(n.afterFlag)} VARCHAR`,
              ...columns,
              ...this.partitions.map((p) => `${quoteIdent(p)} VARCHAR`),
            ];
            await this.connection.run(
              `CREATE TABLE ${quoteIdent(`${table.target}_log`)} (${log.join(', ')})`,
            );
          }
          if (!stored || options.resetState) {
            await this.writeState({
              source: table.source,
              target: table.target,
              phase: 'pending',
              schema: table.schema,
              columnRenames: table.columnRenames,
              rowsCopied: 0,
              rowsTotal: null,
              cursor: null,
              consistentFrom: null,
            });
          }
        }
        this.layouts.clear();
        await this.loadState();
      }),
    );
  }

  /**
   * What is stored now. While loads or a change log are open (a sync runs: verify and status ask
   * through its API) it is only read: they keep the caches current themselves, and a read
   * between their write and their commit would give older state.
   */
  readState(): Promise<SinkState> {
    return this.serialize(async () => {
      if (this.otherWriters()) {
        const stored = await this.readStored();
        return { checkpoint: stored.checkpoint, tables: [...stored.states.values()] };
      }
      await this.loadState();
      return {
        checkpoint: this.checkpoint,
        tables: [...this.states.values()].map((s) => structuredClone(s)),
      };
    });
  }

  private stateOf(target: string): TableState {
    const state = this.states.get(target);
    if (!state) {
      throw new BinlakeError('BLK_D4005', `no table ${target} is registered in ${this.path}`, {
        remedy: 'run ensureTables for it first (binlake sync does)',
      });
    }
    return state;
  }

  /** The columns binlake adds to `_log`: the five DTS columns, then the partition columns. */
  private logMetaColumns(): string[] {
    const n = logColumnNames(this.naming);
    return [n.recordId, n.operationFlag, n.utcTimestamp, n.beforeFlag, n.afterFlag, ...this.partitions];
  }

  /** The physical column order of a destination table and how each column is filled. */
  private async layout(
    state: TableState,
    kind: 'base' | 'log',
    connection = this.connection,
  ): Promise<PhysicalColumn[]> {
    const table = `${state.target}_${kind}`;
    const cached = this.layouts.get(table);
    if (cached) return cached;
    const rows = await this.query(
      `SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower($1) ORDER BY column_index`,
      [table],
      connection,
    );
    const bySource = new Map<string, number>();
    state.schema.columns.forEach((c, i) => {
      bySource.set(destinationName(c.name, state.columnRenames).toLowerCase(), i);
    });
    const meta = new Map<string, { index: number; storage: DuckDbStorage }>();
    if (kind === 'log') {
      const names = this.logMetaColumns();
      for (let i = 0; i < names.length; i++) {
        meta.set(names[i].toLowerCase(), {
          index: i,
          storage: i === 0 || i === 2 ? BIGINT_STORAGE : VARCHAR_STORAGE,
        });
      }
    }
    const layout: PhysicalColumn[] = rows.map((r) => {
      const name = r[0] as string;
      const m = meta.get(name.toLowerCase());
      if (m) return { name, source: -1, meta: m.index, storage: m.storage };
      const source = bySource.get(name.toLowerCase());
      if (source !== undefined) {
        return { name, source, meta: -1, storage: duckDbStorage(state.schema.columns[source]) };
      }
      return { name, source: -1, meta: -1, storage: null };
    });
    const present = new Set(layout.map((c) => c.name.toLowerCase()));
    const missing = [...bySource.keys(), ...meta.keys()].filter((name) => !present.has(name));
    if (rows.length === 0 || missing.length > 0) {
      throw new BinlakeError(
        'BLK_D4005',
        rows.length === 0
          ? `table ${table} does not exist in ${this.path}`
          : `table ${table} lacks column(s) ${missing.join(', ')} of ${tableId(state.source)}`,
        { remedy: 'drop the table (or use another target name) and run the sync again' },
      );
    }
    this.layouts.set(table, layout);
    return layout;
  }

  /** An appender for the table of `state` on `connection`, inside its open transaction. */
  private async tableAppender(
    state: TableState,
    kind: 'base' | 'log',
    connection = this.connection,
  ): Promise<TableAppender> {
    const layout = await this.layout(state, kind, connection);
    const table = `${state.target}_${kind}`;
    const appender = await connection.createAppender(table);
    return new TableAppender(table, state.source, appender, layout, state.schema.columns.length);
  }

  /** Appends rows through DuckDB's appender inside the connection's open transaction. */
  private async append(
    state: TableState,
    kind: 'base' | 'log',
    rows: readonly Row[] | CellRows,
    metas: readonly Value[][] | null,
    connection = this.connection,
  ): Promise<void> {
    if (rows.length === 0) return;
    const appender = await this.tableAppender(state, kind, connection);
    try {
      if (rows instanceof CellRows) appender.writeCells(rows);
      else appender.write(rows, metas);
      appender.close();
    } catch (error) {
      appender.abandon();
      throw error;
    }
  }

  appendBaseChunk(target: string, rows: RowBatch, progress: ChunkProgress): Promise<void> {
    return this.serialize(() =>
      this.transaction(async () => {
        await this.append(this.stateOf(target), 'base', rows, null);
        const next = this.afterChunk(this.stateOf(target), rows.length, progress);
        await this.writeState(next);
        this.states.set(target, next);
      }),
    );
  }

  /** The table's state once a chunk of `rows` rows ending at `progress.cursor` is stored. */
  private afterChunk(state: TableState, rows: number, progress: ChunkProgress): TableState {
    return {
      ...state,
      phase: state.phase === 'incremental' ? 'incremental' : 'full',
      rowsCopied: state.rowsCopied + rows,
      rowsTotal: progress.rowsTotal === undefined ? state.rowsTotal : progress.rowsTotal,
      cursor: progress.cursor,
    };
  }

  openBaseLoad(target: string, onCommit?: (rows: number, cursor: Row | null) => void): Promise<BaseLoad> {
    return this.serialize(async () => {
      this.stateOf(target);
      const connections: [DuckDBConnection, DuckDBConnection] = [
        await this.instance.connect(),
        await this.instance.connect(),
      ];
      const load = new DuckDbBaseLoad(target, connections, this.loadPort, onCommit);
      this.loads.add(load);
      return load;
    });
  }

  /** What a load needs of the sink: its table's layout and state, on the load's own connections. */
  private readonly loadPort: LoadPort = {
    append: (connection, target, rows) => this.append(this.stateOf(target), 'base', rows, null, connection),
    nextState: (target, previous, rows, progress) => {
      // Counts follow the load's own chunks (some may still be committing); the rest (schema
      // after an ADD COLUMN, phase) is the table's state now.
      const state = this.stateOf(target);
      const base = previous
        ? { ...state, rowsCopied: previous.rowsCopied, rowsTotal: previous.rowsTotal }
        : state;
      return this.afterChunk(base, rows, progress);
    },
    writeState: (connection, slot, state) => this.writeState(state, connection, slot),
    committed: (state) => this.states.set(state.target, state),
    writeError: (error) => this.writeFailure(error, 'nothing of this chunk was stored'),
    exclusive: () => this.exclusive,
    forget: (load) => this.loads.delete(load),
  };

  /**
   * Serializes `work` (an ALTER of tables that loads append to) with every load's open chunk
   * committed first. From this call until `work` is done, loads begin no append: their
   * transactions would conflict with the ALTER.
   */
  private excludingLoads<T>(work: () => Promise<T>): Promise<T> {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.exclusive = gate;
    const run = this.serialize(async () => {
      for (const log of this.changeLogs) {
        if (!log.idle) {
          throw new BinlakeError(
            'BLK_D4005',
            'an ADD COLUMN batch came while the change log held uncommitted rows',
            {
              remedy: 'this is a bug in change capture (it commits the change log first); nothing was stored',
            },
          );
        }
      }
      for (const load of this.loads) await load.commit();
      return await work();
    });
    const done = () => {
      if (this.exclusive === gate) this.exclusive = null;
      release();
    };
    run.then(done, done);
    return run;
  }

  finishFullSync(target: string, consistentFrom: number): Promise<void> {
    return this.serialize(() =>
      this.transaction(async () => {
        const next: TableState = { ...this.stateOf(target), phase: 'incremental', consistentFrom };
        await this.writeState(next);
        this.states.set(target, next);
      }),
    );
  }

  commitBatch(batch: ChangeBatch): Promise<void> {
    const altersTables = batch.transactions.some((t) => t.schemaChanges.some((c) => c.kind === 'add-column'));
    return altersTables
      ? this.excludingLoads(() => this.commitBatchNow(batch))
      : this.serialize(() => this.commitBatchNow(batch));
  }

  /** A batch of `changes` changes from `first` must end at its checkpoint and follow the stored one. */
  private checkRecordIds(
    first: bigint,
    changes: bigint,
    checkpoint: Checkpoint,
    previous = this.checkpoint,
  ): void {
    if (first + changes !== checkpoint.nextRecordId) {
      throw new BinlakeError(
        'BLK_D4005',
        `batch numbers records ${first}… for ${changes} changes but its checkpoint says the next is ${checkpoint.nextRecordId}`,
        { remedy: 'this is a bug in change capture; nothing was stored' },
      );
    }
    if (previous !== null && first < previous.nextRecordId) {
      throw new BinlakeError(
        'BLK_D4005',
        `batch starts at record_id ${first} but ${previous.nextRecordId} is the next one stored; it would repeat records`,
        { remedy: 'resume from the stored checkpoint (binlake sync does)' },
      );
    }
  }

  openChangeLog(): Promise<ChangeLog> {
    return this.serialize(async () => {
      const connections = [await this.instance.connect(), await this.instance.connect()] as const;
      const log = new DuckDbChangeLog(connections, this.changeLogPort);
      this.changeLogs.add(log);
      return log;
    });
  }

  /** What a change log needs of the sink, on the log's own connection. */
  private readonly changeLogPort: ChangeLogPort = {
    stateOf: (ref) => {
      const id = tableId(ref);
      for (const state of this.states.values()) if (tableId(state.source) === id) return state;
      return undefined;
    },
    logAppender: (connection, state) => this.tableAppender(state, 'log', connection),
    partitions: (timestamp) => this.partitions.map((p) => partitionValue(p, timestamp)),
    writeCheckpoint: async (connection, slot, batch, checkpoint) => {
      // Against the newest checkpoint written: the batch before may still be committing.
      this.checkRecordIds(
        batch.firstRecordId,
        batch.changes,
        checkpoint,
        this.pendingCheckpoint ?? this.checkpoint,
      );
      await this.writeCheckpoint(checkpoint, connection, slot);
      this.pendingCheckpoint = checkpoint;
    },
    committed: (checkpoint) => {
      if (checkpoint === null) {
        this.pendingCheckpoint = null;
        return;
      }
      this.checkpoint = checkpoint;
      if (this.pendingCheckpoint === checkpoint) this.pendingCheckpoint = null;
    },
    writeError: (error) => this.writeFailure(error, 'nothing of this batch was stored'),
    forget: (log) => this.changeLogs.delete(log),
  };

  private commitBatchNow(batch: ChangeBatch): Promise<void> {
    return this.transaction(async () => {
      let changes = 0n;
      for (const txn of batch.transactions) changes += BigInt(txn.changes.length);
      this.checkRecordIds(batch.firstRecordId, changes, batch.checkpoint);
      const bySource = new Map<string, TableState>();
      for (const s of this.states.values()) bySource.set(tableId(s.source), { ...s });
      // Looked up per change: by the TableRef object first (capture shares one per table), so
      // the id string is built once per table, not once per change.
      const byRef = new Map<TableRef, TableState | undefined>();
      const stateBySource = (ref: TableRef): TableState | undefined => {
        let state = byRef.get(ref);
        if (state === undefined && !byRef.has(ref)) {
          state = bySource.get(tableId(ref));
          byRef.set(ref, state);
        }
        return state;
      };
      const pending = new Map<TableState, { rows: Row[]; metas: Value[][] }>();
      const changed = new Set<TableState>();
      const fills: BackFill[] = [];
      const flush = async (state: TableState) => {
        const p = pending.get(state);
        if (!p) return;
        pending.delete(state);
        await this.append(state, 'log', p.rows, p.metas);
      };
      let recordId = batch.firstRecordId;
      for (const txn of batch.transactions) {
        const parts = this.partitions.map((p) => partitionValue(p, txn.timestamp));
        const ts = BigInt(txn.timestamp);
        for (const change of txn.changes) {
          const state = stateBySource(change.table);
          if (!state) {
            throw new BinlakeError(
              'BLK_D4005',
              `change for ${tableId(change.table)}, which is not a synced table`,
              {
                remedy: 'this is a bug in change capture; nothing was stored',
              },
            );
          }
          let p = pending.get(state);
          if (!p) {
            p = { rows: [], metas: [] };
            pending.set(state, p);
          }
          pushLogRows(change, recordId, ts, parts, p.rows, p.metas);
          recordId++;
        }
        for (const schemaChange of txn.schemaChanges) {
          if (schemaChange.kind !== 'add-column') continue;
          const state = stateBySource(schemaChange.table);
          if (!state) continue;
          await flush(state);
          const fill = await this.addColumn(state, schemaChange, recordId);
          if (fill) fills.push(fill);
          changed.add(state);
        }
      }
      for (const state of [...pending.keys()]) await flush(state);
      for (const fill of fills) await this.backFill(fill);
      for (const state of changed) await this.writeState(state);
      await this.writeCheckpoint(batch.checkpoint);
      for (const state of changed) this.states.set(state.target, state);
      this.checkpoint = batch.checkpoint;
    });
  }

  /**
   * ALTER both tables (the column is appended physically last) and update `state.schema`. The
   * back-fill of existing rows with the default is returned, to run once the batch's appends and
   * ALTERs are done: DuckDB refuses to commit a transaction that UPDATEs a table and then ALTERs
   * it again, and a DEFAULT clause could only paste the value into the SQL.
   */
  private async addColumn(
    state: TableState,
    change: Extract<SchemaChange, { kind: 'add-column' }>,
    nextRecordId: bigint,
  ): Promise<BackFill | null> {
    const column: ColumnSchema = change.column;
    const storage = duckDbStorage(column);
    const name = destinationName(column.name, state.columnRenames);
    const clash = columnClashes(change.schemaAfter, state.columnRenames, {
      naming: this.naming,
      partitions: this.partitions,
    })[0];
    if (clash) {
      throw new BinlakeError(
        'BLK_D4006',
        `${tableId(state.source)}: ADD COLUMN ${clash.column} clashes with ${clash.clashesWith} in the destination`,
        { remedy: `map it to another name with objects[].tables[].columns: { ${clash.column}: <new name> }` },
      );
    }
    let value: DuckDBValue;
    try {
      value = toDuckDbValue(change.defaultValue, storage);
    } catch (error) {
      throw new BinlakeError(
        'BLK_D4007',
        `${tableId(state.source)}: default of ${column.name}: ${errorText(error)}`,
        {
          cause: error,
        },
      );
    }
    const added = { base: false, log: false };
    for (const kind of ['base', 'log'] as const) {
      const table = `${state.target}_${kind}`;
      // Idempotent: a table that already has the column (a reused table, a replayed DDL) keeps its rows.
      const present = await this.query(
        `SELECT 1 FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND lower(table_name) = lower($1) AND lower(column_name) = lower($2)`,
        [table, name],
      );
      if (present.length > 0) continue;
      await this.connection.run(
        `ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(name)} ${storage.sql}`,
      );
      this.layouts.delete(table);
      added[kind] = true;
    }
    state.schema = change.schemaAfter;
    return value === null || (!added.base && !added.log)
      ? null
      : { target: state.target, column: name, value, storage, logBefore: nextRecordId, tables: added };
  }

  /** Existing rows get the ADD COLUMN default: all of `_base`, the `_log` rows numbered before the DDL. */
  private async backFill(fill: BackFill): Promise<void> {
    const col = quoteIdent(fill.column);
    const type = duckDbType(fill.storage);
    if (fill.tables.base) {
      await this.connection.run(
        `UPDATE ${quoteIdent(`${fill.target}_base`)} SET ${col} = $1`,
        [fill.value],
        [type],
      );
    }
    if (!fill.tables.log) return;
    await this.connection.run(
      `UPDATE ${quoteIdent(`${fill.target}_log`)} SET ${col} = $1 WHERE ${quoteIdent(logColumnNames(this.naming).recordId)} < $2`,
      [fill.value, fill.logBefore],
      [type, BIGINT],
    );
  }

  saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    return this.serialize(() =>
      this.transaction(async () => {
        await this.writeCheckpoint(checkpoint);
        this.checkpoint = checkpoint;
      }),
    );
  }

  /**
   * Writes `into` (default `<target>_<at>`) = the table as of second `at` (the DTS merge, see
   * merge/plan-merge.ts) and returns its row count. BLK_M5002 for an unknown table, BLK_M5003
   * for a table without key, BLK_M5001 when `at` is before the table's consistentFrom.
   */
  mergeAsOf(target: string, at: number, into = `${target}_${at}`): Promise<number> {
    return this.serialize(async () => {
      const state = this.mergeableState(target, at);
      const protectedNames = new Set<string>([STATE_TABLES.checkpoint, STATE_TABLES.tables]);
      for (const t of this.states.keys()) {
        protectedNames.add(`${t}_base`.toLowerCase());
        protectedNames.add(`${t}_log`.toLowerCase());
      }
      if (protectedNames.has(into.toLowerCase())) {
        throw new BinlakeError('BLK_C0006', `--into ${into} would overwrite a table binlake maintains`, {
          remedy: 'choose another name',
        });
      }
      const sql = planMerge(mergeTableOf(state, this.naming), at, 'duckdb', into);
      try {
        return await this.withQueryMemory(async () => {
          await this.connection.run(sql);
          const rows = await this.query(`SELECT count(*) FROM ${quoteIdent(into)}`);
          return Number(rows[0][0]);
        });
      } catch (error) {
        throw new BinlakeError('BLK_D4002', `merge of ${target} into ${into} failed: ${errorText(error)}`, {
          cause: error,
        });
      }
    });
  }

  /**
   * The merge SQL of `target` as of `at` in `dialect` (for `binlake merge --print-sql`), with the
   * same checks as mergeAsOf: BLK_M5002, BLK_M5003, BLK_M5001.
   */
  mergeSql(target: string, at: number, dialect: MergeDialect, into = `${target}_${at}`): Promise<string> {
    return this.serialize(async () =>
      planMerge(mergeTableOf(this.mergeableState(target, at), this.naming), at, dialect, into),
    );
  }

  private mergeableState(target: string, at: number): TableState {
    const state = this.states.get(target);
    if (!state) {
      throw new BinlakeError('BLK_M5002', `no synced table is named ${target}`, {
        remedy: `use one of: ${[...this.states.keys()].join(', ') || '(none yet — run binlake sync first)'}`,
      });
    }
    if (state.schema.key.length === 0) {
      throw new BinlakeError(
        'BLK_M5003',
        `${target} (${tableId(state.source)}) has no primary or unique NOT NULL key`,
        {
          remedy:
            'the merge keeps the latest record per key, so it needs one; add a primary key at the source',
        },
      );
    }
    if (!Number.isSafeInteger(at)) {
      throw new BinlakeError('BLK_C0006', `--at must be whole epoch seconds, got ${at}`);
    }
    if (state.consistentFrom === null || at < state.consistentFrom) {
      const finished =
        state.consistentFrom === null
          ? 'the full sync of this table has not finished yet'
          : `the full sync of this table finished at ${state.consistentFrom} (${new Date(state.consistentFrom * 1000).toISOString()})`;
      throw new BinlakeError(
        'BLK_M5001',
        `cannot merge ${target} as of ${at}: ${finished}; a merge is exact only from that second on, because earlier base rows may already contain later changes`,
        {
          remedy:
            state.consistentFrom === null
              ? 'wait until binlake status shows the table in phase incremental'
              : `use --at ${state.consistentFrom} or later`,
          details: { target, at, consistentFrom: state.consistentFrom },
        },
      );
    }
    return state;
  }

  /** Rows of any table holding `target`'s columns (`_base` or a merge result), as canonical Values in schema order, sorted by key. */
  readRows(target: string, table = `${target}_base`): Promise<Row[]> {
    return this.serialize(async () => {
      const state = this.stateOf(target);
      const names = state.schema.columns.map((c) => quoteIdent(destinationName(c.name, state.columnRenames)));
      const order = state.schema.key.length
        ? state.schema.key.map((k) => quoteIdent(destinationName(k, state.columnRenames)))
        : names;
      const storages = state.schema.columns.map(duckDbStorage);
      const rows = await this.queryWithMemory(
        `SELECT ${names.join(', ') || '*'} FROM ${quoteIdent(table)} ORDER BY ${order.join(', ') || '1'}`,
      );
      return rows.map((r) => r.map((v, i) => fromDuckDbValue(v, storages[i])));
    });
  }

  /** The `_log` rows of `target` in record order (an UPDATE's before image first), as canonical Values. */
  readLog(target: string): Promise<LogRecord[]> {
    return this.serialize(async () => {
      const state = this.stateOf(target);
      const n = logColumnNames(this.naming);
      const extra = this.logMetaColumns();
      const names = state.schema.columns.map((c) => destinationName(c.name, state.columnRenames));
      const storages = state.schema.columns.map(duckDbStorage);
      const rows = await this.queryWithMemory(
        `SELECT ${[...extra, ...names].map(quoteIdent).join(', ')} FROM ${quoteIdent(`${state.target}_log`)} ORDER BY ${quoteIdent(n.recordId)}, ${quoteIdent(n.beforeFlag)} DESC`,
      );
      return rows.map((r) => ({
        recordId: r[0] as bigint,
        operationFlag: r[1] as LogRecord['operationFlag'],
        utcTimestamp: Number(r[2]),
        beforeFlag: r[3] as LogRecord['beforeFlag'],
        afterFlag: r[4] as LogRecord['afterFlag'],
        partitions: Object.fromEntries(this.partitions.map((p, i) => [p, r[5 + i] as string])),
        row: r.slice(extra.length).map((v, i) => fromDuckDbValue(v, storages[i])),
      }));
    });
  }

  /** Runs SQL in its own transaction and returns DuckDB values as they come (status, verify, tests). */
  sqlRows(sql: string, values?: DuckDBValue[]): Promise<DuckDBValue[][]> {
    return this.serialize(() => this.queryWithMemory(sql, values));
  }

  /**
   * Runs `work` (a read, or a merge that replaces its result table: either way repeatable) with
   * the query memory_limit and every core, once more with the large limit if DuckDB runs out of
   * memory, then returns to the write settings.
   */
  private async withQueryMemory<T>(work: () => Promise<T>): Promise<T> {
    const { write, query, queryLarge } = this.memoryLimits;
    try {
      await this.connection.run(`SET memory_limit = '${query}'; SET threads = ${QUERY_THREADS}`);
      try {
        return await work();
      } catch (error) {
        if (queryLarge === query || !/out of memory/i.test(errorText(error))) throw error;
        await this.connection.run(`SET memory_limit = '${queryLarge}'`);
        return await work();
      }
    } finally {
      // A failure here must not hide the query's own result or error; the connection is then
      // broken and the next write reports it.
      await this.connection
        .run(`SET memory_limit = '${write}'; SET threads = ${WRITE_THREADS}`)
        .catch(() => undefined);
    }
  }

  private queryWithMemory(sql: string, values?: DuckDBValue[]): Promise<DuckDBValue[][]> {
    return this.withQueryMemory(() => this.query(sql, values));
  }

  close(): Promise<void> {
    return this.serialize(async () => {
      for (const load of [...this.loads]) await load.close();
      for (const log of [...this.changeLogs]) await log.close();
      this.closed = true;
      try {
        this.connection.closeSync();
        this.instance.closeSync();
      } finally {
        OPEN_FILES.delete(this.path);
      }
    });
  }
}

/** BLK_D4004 before DuckDB tries, so the message names the folder rather than a low-level IO error. */
function checkWritable(file: string): void {
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    accessSync(dir, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new BinlakeError('BLK_D4004', `destination ${file} is not writable: ${errorText(error)}`, {
      remedy: `give the user running binlake write access to ${dir} (or set destination.path to a writable folder)`,
      cause: error,
    });
  }
}

function openError(file: string, error: unknown): BinlakeError {
  const message = errorText(error);
  if (/lock/i.test(message)) {
    const pid = /PID (\d+)/.exec(message)?.[1];
    return new BinlakeError(
      'BLK_D4001',
      `destination ${file} is locked by another process${pid ? ` (PID ${pid})` : ''}; a binlake sync may be running`,
      {
        remedy: 'stop that process, or use binlake status / binlake merge, which go through the running sync',
        details: { file, pid: pid === undefined ? null : Number(pid) },
        cause: error,
      },
    );
  }
  if (/permission|read-only|EACCES|EROFS/i.test(message)) {
    return new BinlakeError('BLK_D4004', `destination ${file} is not writable: ${message}`, {
      remedy: `give the user running binlake write access to ${path.dirname(file)}`,
      cause: error,
    });
  }
  return new BinlakeError('BLK_D4002', `cannot open destination ${file}: ${message}`, {
    remedy:
      'destination.path must name a DuckDB file or a path where one can be created (not a folder, not another ' +
      'kind of file): point it at a new path, or check the file with the duckdb CLI',
    cause: error,
  });
}
