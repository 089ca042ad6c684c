/**
 * Reads the lines `SHOW GRANTS` prints (MySQL 5.7/8.x and MariaDB 10.x/11.x) into privileges per
 * scope, so precheck can say which privilege is missing and print the GRANT that adds it.
 * Pure: no I/O. The lines may carry password hashes (MariaDB `IDENTIFIED BY PASSWORD '*…'`);
 * they are never printed, only parsed.
 *
 * Forms handled:
 *   GRANT SELECT, REPLICATION SLAVE ON *.* TO `u`@`h` [IDENTIFIED BY PASSWORD '…'] [WITH GRANT OPTION]
 *   GRANT ALL PRIVILEGES ON `shop`.* TO …          GRANT SELECT ON `shop`.`orders` TO …
 *   GRANT SELECT (`a`, `b`) ON `shop`.`t` TO …     (column grants: not enough to copy a table)
 *   GRANT SELECT ON `shop\_%`.* TO …               (database wildcards: `_` and `%`, `\` escapes)
 *   GRANT `role1` TO `u`@`h`  (MariaDB)            GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`  (MySQL)
 *   GRANT PROXY ON …, GRANT EXECUTE ON PROCEDURE … (ignored)
 */
export interface PrivilegeGrant {
  /** Upper-case privilege names without column lists, e.g. `SELECT`, `REPLICATION SLAVE`, `ALL PRIVILEGES`. */
  privileges: string[];
  /** Privileges granted only on some columns (e.g. `SELECT`). */
  columnPrivileges: string[];
  /** `*` or a database name / pattern as written (unquoted). */
  database: string;
  /** `*` or a table name. */
  table: string;
}

export interface ParsedGrants {
  grants: PrivilegeGrant[];
  /** Roles granted to the account, as `SHOW GRANTS FOR` accepts them (`\`r\`` or `\`r\`@\`%\``). */
  roles: string[];
}

/** Splits at `sep` outside backticks, quotes and parentheses. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++;
        else quote = null;
      } else if (c === '\\' && quote !== '`') i++;
      continue;
    }
    if (c === '`' || c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `\`a\`\`b\`` → a`b; `'x'` → x; bare words stay. */
function unquoteIdent(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '`' || t[0] === "'" || t[0] === '"') && t.endsWith(t[0])) {
    return t.slice(1, -1).split(`${t[0]}${t[0]}`).join(t[0]);
  }
  return t;
}

/** `*.*`, `` `db`.* ``, `` `db`.`t` `` → [db, table]. */
function parseTarget(target: string): [string, string] {
  const parts = splitTop(target.trim(), '.');
  if (parts.length === 1) return ['*', unquoteIdent(parts[0])];
  return [unquoteIdent(parts[0]), unquoteIdent(parts.slice(1).join('.'))];
}

/** Parses one `SHOW GRANTS` line; returns null for lines binlake does not need (PROXY, routines, REVOKE). */
export function parseGrantLine(line: string): PrivilegeGrant | { roles: string[] } | null {
  const text = line.trim();
  if (!/^GRANT\s/i.test(text)) return null;
  const body = text.slice(5).trimStart();
  const onParts = splitTop(body, ' ON ');
  if (onParts.length < 2) {
    // A role grant: GRANT <roles> TO <account>
    const toParts = splitTop(body, ' TO ');
    if (toParts.length < 2) return null;
    return {
      roles: splitTop(toParts[0], ',')
        .map((r) => r.trim())
        .filter(Boolean),
    };
  }
  const privilegeText = onParts[0];
  let rest = onParts.slice(1).join(' ON ').trimStart();
  if (/^(PROCEDURE|FUNCTION|PACKAGE)\s/i.test(rest)) return null;
  rest = rest.replace(/^TABLE\s+/i, '');
  const target = splitTop(rest, ' TO ')[0];
  if (/^PROXY$/i.test(privilegeText.trim())) return null;
  const [database, table] = parseTarget(target);
  const privileges: string[] = [];
  const columnPrivileges: string[] = [];
  for (const raw of splitTop(privilegeText, ',')) {
    const p = raw.trim();
    const columns = /^(.*?)\s*\(.*\)$/.exec(p);
    if (columns) columnPrivileges.push(columns[1].toUpperCase().replace(/\s+/g, ' '));
    else if (p) privileges.push(p.toUpperCase().replace(/\s+/g, ' '));
  }
  return { privileges, columnPrivileges, database, table };
}

export function parseGrants(lines: string[]): ParsedGrants {
  const out: ParsedGrants = { grants: [], roles: [] };
  for (const line of lines) {
    const parsed = parseGrantLine(line);
    if (!parsed) continue;
    if ('roles' in parsed) out.roles.push(...parsed.roles);
    else out.grants.push(parsed);
  }
  return out;
}

/** A database name pattern of a grant (`_` and `%` wildcards, `\` escapes) as a RegExp. */
export function databasePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

const ALL = new Set(['ALL', 'ALL PRIVILEGES']);

function grantsPrivilege(grant: PrivilegeGrant, privilege: string): boolean {
  return grant.privileges.some((p) => p === privilege || ALL.has(p));
}

/** True when some grant gives `privilege` on the whole table `database.table` (column grants do not count). */
export function hasTablePrivilege(
  grants: PrivilegeGrant[],
  privilege: string,
  database: string,
  table: string,
): boolean {
  return grants.some((g) => {
    if (!grantsPrivilege(g, privilege)) return false;
    if (g.database === '*') return true;
    if (!databasePattern(g.database).test(database)) return false;
    return g.table === '*' || g.table === table;
  });
}

/** True when one of `privileges` (or ALL) is granted ON *.*. */
export function hasGlobalPrivilege(grants: PrivilegeGrant[], ...privileges: string[]): boolean {
  return grants.some(
    (g) => g.database === '*' && g.table === '*' && privileges.some((p) => grantsPrivilege(g, p)),
  );
}
