import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BinlakeError } from '../core/errors.js';
import { describeIssues, keyPath } from './config-issues.js';

/**
 * The task configuration. `source`, `destination` and `objects` are a fixed contract
 * (see README); everything else has defaults an operator rarely needs to change.
 */

/**
 * The default full-sync chunk: one DuckDB row group. A transaction that appends a whole row group
 * has DuckDB write it compressed straight into the file; smaller commits pass every row through
 * the write-ahead log and write it again at the next checkpoint (measured on the 2M-row sysbench
 * table: 6.4 s with 10,000-row chunks, see the README's performance section).
 */
export const DUCKDB_ROW_GROUP_ROWS = 122_880;

const PARTITION_COLUMNS = [
  'modifytime_year',
  'modifytime_month',
  'modifytime_day',
  'modifytime_hour',
  'modifytime_minute',
] as const;
export type PartitionColumn = (typeof PARTITION_COLUMNS)[number];

// A union's `error` text names its alternatives in config errors (see config-issues.ts).
const tableEntry = z.union(
  [
    z.string().min(1),
    z.strictObject({
      name: z.string().min(1),
      /** Target name; `<target>_base` and `<target>_log` are created. Defaults to `name`. */
      target: z.string().min(1).optional(),
      /** Source column → destination column. */
      columns: z.record(z.string(), z.string().min(1)).optional(),
      /** Copy a table that has no key; its merge is impossible and precheck says so. */
      allowNoKey: z.boolean().optional(),
    }),
  ],
  { error: 'a table name or { name, target, columns, allowNoKey }' },
);

const configSchema = z.strictObject({
  source: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string().min(1),
    password: z.string().default(''),
    /** Server id binlake registers with as a replica; must differ from every server id in the topology. */
    serverId: z.number().int().min(1).max(4294967295),
    tls: z
      .union(
        [
          z.boolean(),
          z.strictObject({ ca: z.string().optional(), rejectUnauthorized: z.boolean().optional() }),
        ],
        { error: 'true, false or { ca, rejectUnauthorized }' },
      )
      .optional(),
    connectTimeoutMs: z.number().int().positive().default(10_000),
  }),
  destination: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('duckdb'), path: z.string().min(1) }),
  ]),
  objects: z
    .array(
      z.strictObject({
        database: z.string().min(1),
        tables: z.union([z.literal('*'), z.array(tableEntry).min(1)], {
          error: 'a list of table names or "*"',
        }),
      }),
    )
    .min(1),
  initial: z
    .strictObject({ schema: z.boolean().default(true), full: z.boolean().default(true) })
    .default({ schema: true, full: true }),
  /** Where incremental capture starts when the full sync is off: the source's end by default. */
  start: z
    .strictObject({
      file: z.string().optional(),
      position: z.number().int().min(4).optional(),
      gtid: z.string().optional(),
    })
    .optional(),
  existingTables: z.enum(['precheck', 'ignore']).default('precheck'),
  partitions: z.array(z.enum(PARTITION_COLUMNS)).default([]),
  /** `new`: DTS's new naming rule, the additional columns are prefixed `new_dts_sync_`. */
  naming: z.enum(['classic', 'new']).default('classic'),
  snapshot: z
    .strictObject({
      chunkSize: z.number().int().positive().default(DUCKDB_ROW_GROUP_ROWS),
      parallelism: z.number().int().min(1).max(64).default(2),
      maxRowsPerSecond: z.number().positive().optional(),
    })
    .default({ chunkSize: DUCKDB_ROW_GROUP_ROWS, parallelism: 2 }),
  batch: z
    .strictObject({
      maxRows: z.number().int().positive().default(20_000),
      maxMillis: z.number().int().positive().default(500),
    })
    .default({ maxRows: 20_000, maxMillis: 500 }),
  ddl: z
    .strictObject({
      /** What to do with DDL other than ADD COLUMN on a synced table. */
      unsupported: z.enum(['stop', 'ignore']).default('stop'),
    })
    .default({ unsupported: 'stop' }),
  api: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      /** 0 picks a free port; the chosen one is written to the destination's state. */
      port: z.number().int().min(0).max(65535).default(0),
      token: z.string().optional(),
    })
    .default({ host: '127.0.0.1', port: 0 }),
  retry: z
    .strictObject({
      maxMinutes: z.number().positive().default(720),
      heartbeatSeconds: z.number().positive().default(5),
    })
    .default({ maxMinutes: 720, heartbeatSeconds: 5 }),
});

export type Config = z.infer<typeof configSchema>;
export type TableEntry = z.infer<typeof tableEntry>;

/**
 * `${NAME}` in any string value is replaced by the environment variable NAME. With `offline`
 * (a command that never contacts the source) an unset one under `source` stays as written.
 */
function substituteEnv(value: unknown, at: PropertyKey[], env: NodeJS.ProcessEnv, offline = false): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      // Left as written: never used, and not empty, so user/host still validate.
      if (found === undefined && offline && at[0] === 'source') return `\${${name}}`;
      if (found === undefined) {
        throw new BinlakeError('BLK_C0004', `${keyPath(at)}: environment variable ${name} is not set`, {
          remedy: `export ${name}=… before running binlake, or write the value into the config file`,
        });
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, [...at, i], env, offline));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnv(v, [...at, k], env, offline)]),
    );
  }
  return value;
}

/** Validates an already-parsed config object. Throws BLK_C0003 with every problem, one per line. */
export function parseConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  options: { offline?: boolean } = {},
): Config {
  const substituted = substituteEnv(raw, [], env, options.offline);
  const result = configSchema.safeParse(substituted);
  if (!result.success) {
    const lines = describeIssues(result.error.issues, raw, configSchema);
    throw new BinlakeError('BLK_C0003', lines.join('\n'), {
      remedy: 'fix the config file; the README lists every key',
      details: { issues: lines },
    });
  }
  checkDuplicateTables(result.data);
  checkTargetClashes(result.data);
  return result.data;
}

/**
 * Each table once: a table listed twice, a database with `"*"` twice, or `"*"` beside a list for
 * the same database would make the sync create the same target tables twice. Throws BLK_C0005
 * with one line per repetition.
 */
function checkDuplicateTables(config: Config): void {
  const star = new Map<string, number>();
  const listed = new Map<string, number>();
  const tables = new Map<string, string>();
  const lines: string[] = [];
  config.objects.forEach((object, i) => {
    const { database } = object;
    if (object.tables === '*') {
      const twice = star.get(database);
      const list = listed.get(database);
      if (twice !== undefined) {
        lines.push(
          `objects[${i}]: database ${database} already has "*" at objects[${twice}]; remove one of them`,
        );
      } else if (list !== undefined) {
        lines.push(
          `objects[${i}].tables: "*" for database ${database} repeats the tables listed at objects[${list}]; ` +
            `remove objects[${list}], or remove objects[${i}] and list all of ${database}'s tables there`,
        );
      }
      if (twice === undefined) star.set(database, i);
      return;
    }
    const wildcard = star.get(database);
    if (wildcard !== undefined) {
      lines.push(
        `objects[${i}].tables: "*" at objects[${wildcard}] already takes every table of ${database}; ` +
          `remove objects[${i}], or replace that "*" by the list of ${database}'s tables`,
      );
    }
    if (!listed.has(database)) listed.set(database, i);
    object.tables.forEach((entry, j) => {
      const name = typeof entry === 'string' ? entry : entry.name;
      const here = `objects[${i}].tables[${j}]`;
      const first = tables.get(`${database}\0${name}`);
      if (first) {
        lines.push(`${here}: ${database}.${name} is already listed at ${first}; remove one of them`);
      } else {
        tables.set(`${database}\0${name}`, here);
      }
    });
  });
  if (lines.length > 0) {
    throw new BinlakeError('BLK_C0005', lines.join('\n'), {
      remedy: 'list each table once; give a table its target, columns and allowNoKey in that one entry',
      details: { issues: lines },
    });
  }
}

function checkTargetClashes(config: Config): void {
  const seen = new Map<string, string>();
  for (const object of config.objects) {
    if (object.tables === '*') continue;
    for (const entry of object.tables) {
      const name = typeof entry === 'string' ? entry : entry.name;
      const target = typeof entry === 'string' ? entry : (entry.target ?? entry.name);
      const source = `${object.database}.${name}`;
      const previous = seen.get(target.toLowerCase());
      if (previous && previous !== source) {
        throw new BinlakeError(
          'BLK_C0005',
          `objects: ${previous} and ${source} are both mapped to target ${target}`,
          {
            remedy: 'give one of them another name with `{ name: …, target: … }`',
          },
        );
      }
      seen.set(target.toLowerCase(), source);
    }
  }
}

/**
 * Reads and validates a YAML or JSON config file. Paths inside are resolved against the file's
 * folder. `offline`: the caller never contacts the source (status, merge, console), so an unset
 * environment variable in `source` (its password) is no error.
 */
export function loadConfig(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { offline?: boolean } = {},
): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new BinlakeError('BLK_C0001', `config file ${file} ${reason}`, {
      remedy: 'pass an existing YAML or JSON file with --config',
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new BinlakeError(
      'BLK_C0002',
      `config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
      {
        remedy: 'fix the syntax error at the position shown',
      },
    );
  }
  if (raw === null || typeof raw !== 'object') {
    throw new BinlakeError(
      'BLK_C0003',
      `config file ${file} must contain a mapping with source, destination and objects`,
    );
  }
  const config = parseConfig(raw, env, options);
  config.destination.path = path.resolve(path.dirname(file), config.destination.path);
  return config;
}

/** The config with secrets masked, for logs and status. */
export function redactConfig(config: Config): Config {
  return { ...config, source: { ...config.source, password: config.source.password ? '***' : '' } };
}
