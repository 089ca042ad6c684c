import type { Config } from '../../config/config.js';
import { describeError } from '../../core/errors.js';
import { type Finding, notChecked } from '../../core/finding.js';
import { redactSecret } from '../connection.js';
import type { ResolvedTable } from '../schema-reader.js';
import { connectivityFindings } from './connectivity.js';
import { type LossyColumnsHook, noLossyColumns, objectFindings } from './objects.js';
import { privilegeFindings } from './privileges.js';
import { serverFindings } from './server.js';

export { formatFindings } from './format.js';
export type { CheckedTable, LossyColumn, LossyColumnsHook } from './objects.js';

/** What the source items learned, for providers that need it (the destination's table checks). */
export interface PrecheckContext {
  /** The configured tables that exist and could be read (empty when the source is unreachable). */
  tables: ResolvedTable[];
}

/** A provider of more findings (the destination's, a running-sync check …), run after the source items. */
export type FindingProvider = (context: PrecheckContext) => Promise<Finding[]>;

export interface PrecheckOptions {
  /** Run after the source items, each isolated: a throw becomes one failed finding. */
  extra?: FindingProvider[];
  /** Column types that cannot map losslessly to the destination (default: none). */
  lossyColumns?: LossyColumnsHook;
}

/** Items reported as not checked when the source cannot be reached. */
const SOURCE_ITEMS = [
  'server.version',
  'binlog.log_bin',
  'binlog.format',
  'binlog.row_image',
  'binlog.row_metadata',
  'server.server_id',
  'binlog.retention',
  'privilege.select',
  'privilege.replication-slave',
  'privilege.replication-client',
  'objects.exist',
];

/**
 * Runs every precheck item and returns all findings (never stops at the first problem, never
 * throws for a source problem). Order: connectivity, server and binlog settings, objects and
 * tables, privileges, then the `extra` providers. The password never appears in a finding.
 */
export async function runPrecheck(config: Config, options: PrecheckOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const guard = async (item: string, run: () => Promise<Finding[]>): Promise<Finding[]> => {
    try {
      return await run();
    } catch (error) {
      return [
        {
          item,
          result: 'fail',
          found: `the check itself failed: ${redactSecret(describeError(error), config.source.password)}`,
          remedy: 'see the message; rerun with BINLAKE_DEBUG=1 for details',
        },
      ];
    }
  };

  const context: PrecheckContext = { tables: [] };
  const connected = await connectivityFindings(config);
  findings.push(...connected.findings);
  const conn = connected.conn;
  if (!conn) {
    for (const item of SOURCE_ITEMS)
      findings.push(notChecked(item, connected.unreachable ?? 'no connection'));
  } else {
    try {
      findings.push(...(await guard('server', () => serverFindings(conn, config))));
      let tables: Awaited<ReturnType<typeof objectFindings>>['tables'] = [];
      findings.push(
        ...(await guard('objects', async () => {
          const result = await objectFindings(conn, config, options.lossyColumns ?? noLossyColumns);
          tables = result.tables;
          context.tables = result.tables.flatMap((t) =>
            t.schema
              ? [
                  {
                    source: { database: t.database, table: t.name },
                    target: t.target,
                    columnRenames: t.columnRenames,
                    allowNoKey: t.allowNoKey,
                    schema: t.schema,
                  },
                ]
              : [],
          );
          return result.findings;
        })),
      );
      findings.push(...(await guard('privilege', () => privilegeFindings(conn, config, tables))));
    } finally {
      await conn.close();
    }
  }
  for (const [i, provider] of (options.extra ?? []).entries()) {
    findings.push(...(await guard(`extra.${i + 1}`, () => provider(context))));
  }
  return findings.map((f) => ({
    ...f,
    found: redactSecret(f.found, config.source.password),
    remedy: redactSecret(f.remedy, config.source.password),
  }));
}
