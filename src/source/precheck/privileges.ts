import type { Config } from '../../config/config.js';
import type { Finding } from '../../core/finding.js';
import { binlogStatusStatement } from '../binlog-status.js';
import { quoteTable, type SourceConnection } from '../connection.js';
import { versionAtLeast } from '../flavor.js';
import {
  hasGlobalPrivilege,
  hasTablePrivilege,
  type ParsedGrants,
  type PrivilegeGrant,
  parseGrants,
} from './grants.js';
import type { CheckedTable } from './objects.js';

/**
 * Precheck items `privilege.select`, `privilege.replication-slave` and
 * `privilege.replication-client` for the configured user, read from `SHOW GRANTS` including the
 * grants of its active roles (nested roles too) and wildcard database grants. SELECT and the binlog
 * status statement are also tried for real, so a privilege the parser cannot see (e.g. from an
 * anonymous account) still counts.
 *
 * What the binlog side needs: the binlog dump (COM_BINLOG_DUMP) needs REPLICATION SLAVE;
 * `SHOW MASTER STATUS` / `SHOW BINARY LOGS` need REPLICATION CLIENT — on MariaDB ≥ 10.5.2 the
 * privilege is called BINLOG MONITOR (REPLICATION CLIENT is its alias there), on older servers and
 * on MySQL SUPER also allows it.
 */
function firstValue(row: Record<string, unknown>): string {
  return String(Object.values(row)[0] ?? '');
}

async function grantLines(conn: SourceConnection, sql: string): Promise<string[]> {
  return (await conn.query<Record<string, unknown>>(sql)).map(firstValue);
}

/** The account as a GRANT statement names it: `'user'@'host'`. */
async function accountName(conn: SourceConnection, config: Config): Promise<string> {
  try {
    const [row] = await conn.query<{ u: string }>('SELECT CURRENT_USER() AS u');
    const at = row.u.lastIndexOf('@');
    if (at > 0) return `'${row.u.slice(0, at)}'@'${row.u.slice(at + 1)}'`;
  } catch {}
  return `'${config.source.user}'@'%'`;
}

/** Active roles as `SHOW GRANTS FOR` accepts them. */
async function activeRoles(conn: SourceConnection): Promise<string[]> {
  try {
    const [row] = await conn.query<{ r: string | null }>('SELECT CURRENT_ROLE() AS r');
    const value = row?.r;
    if (!value || value === 'NONE') return [];
    if (conn.flavor.flavor === 'mariadb') return [`\`${value.replace(/`/g, '``')}\``];
    return value.split(',').map((r) => r.trim());
  } catch {
    return [];
  }
}

/** Every grant that applies to this session: the account's own and those of its active roles. */
export async function effectiveGrants(
  conn: SourceConnection,
): Promise<ParsedGrants & { inactiveRoles: string[] }> {
  const roles = await activeRoles(conn);
  if (conn.flavor.flavor === 'mysql' && roles.length > 0) {
    let lines: string[];
    try {
      lines = await grantLines(conn, `SHOW GRANTS FOR CURRENT_USER() USING ${roles.join(', ')}`);
    } catch {
      lines = await grantLines(conn, 'SHOW GRANTS');
    }
    return { ...parseGrants(lines), inactiveRoles: [] };
  }
  const own = parseGrants(await grantLines(conn, 'SHOW GRANTS'));
  const grants: PrivilegeGrant[] = [...own.grants];
  const normalize = (r: string) => r.replace(/@.*$/, '').replace(/`/g, '').toLowerCase();
  const active = new Set(roles.map(normalize));
  const seen = new Set<string>();
  const queue = [...roles];
  // Roles granted to an active role are active too.
  while (queue.length > 0) {
    const role = queue.shift() as string;
    if (seen.has(normalize(role))) continue;
    seen.add(normalize(role));
    try {
      const parsed = parseGrants(await grantLines(conn, `SHOW GRANTS FOR ${role}`));
      grants.push(...parsed.grants);
      for (const r of parsed.roles) {
        active.add(normalize(r));
        queue.push(r);
      }
    } catch {}
  }
  const inactiveRoles = own.roles.filter((r) => !active.has(normalize(r)));
  return { grants, roles: own.roles, inactiveRoles };
}

export async function privilegeFindings(
  conn: SourceConnection,
  config: Config,
  tables: CheckedTable[],
): Promise<Finding[]> {
  const f = conn.flavor;
  const account = await accountName(conn, config);
  const { grants, inactiveRoles } = await effectiveGrants(conn);
  const roleHint =
    inactiveRoles.length > 0
      ? ` (role(s) ${inactiveRoles.join(', ')} are granted but not active: SET DEFAULT ROLE … FOR ${account} makes them count)`
      : '';
  const findings: Finding[] = [];

  // SELECT on every table: what the grants say, confirmed by a real statement.
  const missing: string[] = [];
  const readable = tables.filter((t) => t.schema);
  for (const t of readable) {
    if (hasTablePrivilege(grants, 'SELECT', t.database, t.name)) continue;
    const columns = (t.schema?.columns ?? []).map((c) => `\`${c.name.replace(/`/g, '``')}\``).join(', ');
    try {
      await conn.query(`SELECT ${columns || '1'} FROM ${quoteTable(t.database, t.name)} LIMIT 0`);
    } catch {
      missing.push(`${t.database}.${t.name}`);
    }
  }
  // Tables the user cannot even see: the grants decide.
  for (const t of tables.filter((x) => !x.schema)) {
    if (!hasTablePrivilege(grants, 'SELECT', t.database, t.name)) missing.push(`${t.database}.${t.name}`);
  }
  if (tables.length > 0) {
    findings.push(
      missing.length === 0
        ? {
            item: 'privilege.select',
            result: 'pass',
            found: `SELECT on all ${tables.length} table(s)`,
            remedy: '',
          }
        : {
            item: 'privilege.select',
            result: 'fail',
            found: `no SELECT on ${missing.join(', ')}${roleHint}`,
            remedy: [...new Set(missing.map((m) => m.split('.')[0]))]
              .map((db) => `GRANT SELECT ON \`${db}\`.* TO ${account};`)
              .join(' '),
          },
    );
  }

  findings.push(
    hasGlobalPrivilege(grants, 'REPLICATION SLAVE')
      ? { item: 'privilege.replication-slave', result: 'pass', found: 'REPLICATION SLAVE on *.*', remedy: '' }
      : {
          item: 'privilege.replication-slave',
          result: 'fail',
          found: `no REPLICATION SLAVE: the server will refuse the binlog dump${roleHint}`,
          remedy: `GRANT REPLICATION SLAVE ON *.* TO ${account};`,
        },
  );

  const renamed = f.flavor === 'mariadb' && versionAtLeast(f, 10, 5, 2);
  const clientName = renamed ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
  const superCounts = f.flavor === 'mysql' || !renamed;
  let granted = hasGlobalPrivilege(
    grants,
    'REPLICATION CLIENT',
    'BINLOG MONITOR',
    ...(superCounts ? ['SUPER'] : []),
  );
  if (!granted) {
    try {
      await conn.query(binlogStatusStatement(conn));
      granted = true;
    } catch {}
  }
  findings.push(
    granted
      ? { item: 'privilege.replication-client', result: 'pass', found: `${clientName} on *.*`, remedy: '' }
      : {
          item: 'privilege.replication-client',
          result: 'fail',
          found: `no ${clientName}: binlake cannot read the binlog position (${binlogStatusStatement(conn)}, SHOW BINARY LOGS)${roleHint}`,
          remedy: `GRANT ${clientName} ON *.* TO ${account};`,
        },
  );
  return findings;
}
