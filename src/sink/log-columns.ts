import type { PartitionColumn } from '../config/config.js';
import type { TableSchema } from '../core/table-schema.js';

/**
 * The additional columns of `<t>_log` (DTS "Schema of an incremental data table"). Under
 * `naming: new` (DTS's new naming rule) the five are prefixed `new_dts_sync_`; the partition
 * columns keep their names.
 */
export type Naming = 'classic' | 'new';
export type { PartitionColumn };

export interface LogColumnNames {
  recordId: string;
  operationFlag: string;
  utcTimestamp: string;
  beforeFlag: string;
  afterFlag: string;
}

export const NEW_NAMING_PREFIX = 'new_dts_sync_';

export function logColumnNames(naming: Naming): LogColumnNames {
  const p = naming === 'new' ? NEW_NAMING_PREFIX : '';
  return {
    recordId: `${p}record_id`,
    operationFlag: `${p}operation_flag`,
    utcTimestamp: `${p}utc_timestamp`,
    beforeFlag: `${p}before_flag`,
    afterFlag: `${p}after_flag`,
  };
}

/** Every partition column binlake can add, in the order they are created. */
export const ALL_PARTITION_COLUMNS: readonly PartitionColumn[] = [
  'modifytime_year',
  'modifytime_month',
  'modifytime_day',
  'modifytime_hour',
  'modifytime_minute',
];

/** The configured partition columns in their fixed order (year … minute), without duplicates. */
export function orderedPartitions(partitions: readonly PartitionColumn[]): PartitionColumn[] {
  return ALL_PARTITION_COLUMNS.filter((p) => partitions.includes(p));
}

/**
 * A partition column's value for an event at `epochSeconds`, derived in UTC as zero-padded
 * text: year '2024', month '01'..'12', day '01'..'31', hour '00'..'23', minute '00'..'59'
 * (strings, as DTS writes its partition values).
 */
export function partitionValue(column: PartitionColumn, epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  switch (column) {
    case 'modifytime_year':
      return String(d.getUTCFullYear());
    case 'modifytime_month':
      return two(d.getUTCMonth() + 1);
    case 'modifytime_day':
      return two(d.getUTCDate());
    case 'modifytime_hour':
      return two(d.getUTCHours());
    case 'modifytime_minute':
      return two(d.getUTCMinutes());
  }
}

/** Destination name of a source column. */
export function destinationName(column: string, renames: Record<string, string>): string {
  return Object.hasOwn(renames, column) ? renames[column] : column;
}

/** Destination names of a schema's columns, in schema order. */
export function destinationColumns(schema: TableSchema, renames: Record<string, string>): string[] {
  return schema.columns.map((c) => destinationName(c.name, renames));
}

/**
 * Destination columns whose name equals an additional or partition column (compared
 * case-insensitively, as DuckDB and MaxCompute resolve names), or another destination column.
 * Each entry names the source column and why.
 */
export function columnClashes(
  schema: TableSchema,
  renames: Record<string, string>,
  options: { naming: Naming; partitions: readonly PartitionColumn[] },
): { column: string; destination: string; clashesWith: string }[] {
  const reserved = new Map<string, string>();
  for (const name of Object.values(logColumnNames(options.naming))) reserved.set(name.toLowerCase(), name);
  for (const name of options.partitions) reserved.set(name.toLowerCase(), name);
  const seen = new Map<string, string>();
  const clashes: { column: string; destination: string; clashesWith: string }[] = [];
  for (const column of schema.columns) {
    const destination = destinationName(column.name, renames);
    const lower = destination.toLowerCase();
    const additional = reserved.get(lower);
    if (additional !== undefined) {
      clashes.push({ column: column.name, destination, clashesWith: `additional column ${additional}` });
    } else if (seen.has(lower)) {
      clashes.push({ column: column.name, destination, clashesWith: `column ${seen.get(lower)}` });
    }
    seen.set(lower, column.name);
  }
  return clashes;
}
