import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PartitionColumn } from '../../config/config.js';
import { type Finding, notChecked } from '../../core/finding.js';
import { tableId } from '../../core/table-schema.js';
import { columnClashes, type Naming } from '../log-columns.js';
import type { Sink, TargetTable } from '../sink.js';

export interface DestinationPrecheckInput {
  /** destination.path */
  path: string;
  /** The tables the task would create (source, target, schema, renames). */
  tables: Pick<TargetTable, 'source' | 'target' | 'schema' | 'columnRenames'>[];
  existingTables: 'precheck' | 'ignore';
  partitions: readonly PartitionColumn[];
  naming: Naming;
  /**
   * Who holds the file now (a running sync): it is not opened, and the items that need it read
   * as not checked instead of as a lock failure of their own.
   */
  heldBy?: string;
  /**
   * The caller's own sink, already open on the file (the sync's precheck): the existing tables are
   * read through it. The file is never opened a second time in one process: closing that second
   * handle would drop the process's POSIX lock on it, and another process could then open the
   * warehouse while the sync writes it.
   */
  openSink?: Pick<Sink, 'existingTargets'>;
}

/** The nearest folder on the way to `dir` that exists (the one `mkdir -p` would write into). */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

/**
 * Destination precheck items (DTS "Processing Mode In Existed Target Table" included). Collects
 * every finding; never writes to the file. Items: `destination.writable`, `destination.lock`,
 * `destination.existing-tables`, `destination.column-clash:<db>.<table>`.
 */
export async function destinationFindings(input: DestinationPrecheckInput): Promise<Finding[]> {
  const findings: Finding[] = [];
  const file = path.resolve(input.path);
  const dir = path.dirname(file);

  const ancestor = existingAncestor(dir);
  let writable = true;
  try {
    if (!statSync(ancestor).isDirectory()) throw new Error(`${ancestor} is a file, not a folder`);
    accessSync(ancestor, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
    findings.push({
      item: 'destination.writable',
      result: 'pass',
      found:
        ancestor === dir ? `${dir} is writable` : `${dir} does not exist yet; sync creates it in ${ancestor}`,
      remedy: '',
    });
  } catch (error) {
    writable = false;
    findings.push({
      item: 'destination.writable',
      result: 'fail',
      found: `${file} cannot be written: ${(error as Error).message}`,
      remedy: `give the user running binlake write access to ${ancestor}, or set destination.path to a writable folder`,
    });
  }

  let existing: string[] | null = null;
  if (input.openSink && writable) {
    findings.push({
      item: 'destination.lock',
      result: 'pass',
      found: `${file} is open in this sync`,
      remedy: '',
    });
    existing = await input.openSink.existingTargets(input.tables.map((t) => t.target));
  } else if (input.heldBy !== undefined && writable) {
    findings.push(notChecked('destination.lock', `${input.heldBy} holds ${file}`));
    findings.push(notChecked('destination.existing-tables', `${input.heldBy} holds ${file}`));
  } else if (existsSync(file) && writable) {
    let instance: DuckDBInstance | null = null;
    try {
      instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
      findings.push({ item: 'destination.lock', result: 'pass', found: `${file} is not in use`, remedy: '' });
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(
        `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal`,
      );
      const names = new Map(reader.getRows().map((r) => [String(r[0]).toLowerCase(), String(r[0])]));
      existing = [];
      for (const t of input.tables) {
        for (const name of [`${t.target}_base`, `${t.target}_log`]) {
          const hit = names.get(name.toLowerCase());
          if (hit !== undefined) existing.push(hit);
        }
      }
      connection.closeSync();
    } catch (error) {
      const message = (error as Error).message;
      findings.push({
        item: 'destination.lock',
        result: 'fail',
        found: /lock/i.test(message)
          ? `${file} is locked by another process${/PID (\d+)/.exec(message) ? ` (PID ${/PID (\d+)/.exec(message)?.[1]})` : ''}; a binlake sync may be running`
          : `${file} cannot be opened: ${message}`,
        remedy: /lock/i.test(message)
          ? 'stop the other process (or let binlake status/merge go through the running sync)'
          : 'point destination.path at a DuckDB file or a new path',
      });
    } finally {
      instance?.closeSync();
    }
  } else if (writable) {
    findings.push({
      item: 'destination.lock',
      result: 'pass',
      found: `${file} does not exist yet`,
      remedy: '',
    });
    existing = [];
  }

  if (existing !== null) {
    if (existing.length === 0) {
      findings.push({
        item: 'destination.existing-tables',
        result: 'pass',
        found: 'no target table exists yet',
        remedy: '',
      });
    } else if (input.existingTables === 'precheck') {
      findings.push({
        item: 'destination.existing-tables',
        result: 'fail',
        found: `target tables already exist: ${existing.join(', ')}`,
        remedy:
          'drop or rename them, map the source tables to other names with { name, target }, or set existingTables: ignore',
      });
    } else {
      findings.push({
        item: 'destination.existing-tables',
        result: 'warn',
        found: `target tables already exist and will be reused (existingTables: ignore): ${existing.join(', ')}; data consistency is not guaranteed`,
        remedy: 'drop them before the sync if their content is not a previous run of this same task',
      });
    }
  }

  for (const t of input.tables) {
    const clashes = columnClashes(t.schema, t.columnRenames, {
      naming: input.naming,
      partitions: input.partitions,
    });
    for (const clash of clashes) {
      findings.push({
        item: `destination.column-clash:${tableId(t.source)}`,
        result: 'fail',
        found: `table ${tableId(t.source)}, column ${clash.column}${clash.destination === clash.column ? '' : ` (stored as ${clash.destination})`} clashes with ${clash.clashesWith}`,
        remedy: `rename it in the destination: objects[].tables: [{ name: ${t.source.table}, columns: { ${clash.column}: ${clash.destination}_src } }]`,
      });
    }
  }
  return findings;
}
