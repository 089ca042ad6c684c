/**
 * Which server binlake talks to. MySQL and MariaDB differ in variable names, privilege names,
 * status statements and GTID formats; every difference is decided from this one value.
 */
export type FlavorName = 'mysql' | 'mariadb';

export interface ServerFlavor {
  flavor: FlavorName;
  major: number;
  minor: number;
  patch: number;
  /** `SELECT VERSION()` as the server printed it, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  version: string;
}

/**
 * Parses `SELECT VERSION()` (and optionally `@@version_comment`). MariaDB always says `MariaDB`
 * in its version string; an old replication-handshake prefix `5.5.5-` is skipped.
 */
export function parseServerVersion(version: string, versionComment = ''): ServerFlavor {
  let text = version.trim();
  const isMariadb = /mariadb/i.test(text) || /mariadb/i.test(versionComment);
  if (isMariadb && text.startsWith('5.5.5-')) text = text.slice('5.5.5-'.length);
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  return {
    flavor: isMariadb ? 'mariadb' : 'mysql',
    major: match ? Number(match[1]) : 0,
    minor: match ? Number(match[2]) : 0,
    patch: match ? Number(match[3]) : 0,
    version: version.trim(),
  };
}

/** True when the server version is at least `major.minor.patch`. */
export function versionAtLeast(f: ServerFlavor, major: number, minor = 0, patch = 0): boolean {
  if (f.major !== major) return f.major > major;
  if (f.minor !== minor) return f.minor > minor;
  return f.patch >= patch;
}

/** What binlake supports: MySQL 5.7 and 8.x, MariaDB 10.x and 11.x. Newer majors are untested. */
export function supportLevel(f: ServerFlavor): 'supported' | 'untested' | 'unsupported' {
  if (f.flavor === 'mysql') {
    if (f.major === 5 && f.minor === 7) return 'supported';
    if (f.major === 8) return 'supported';
    if (f.major > 8) return 'untested';
    return 'unsupported';
  }
  if (f.major === 10 || f.major === 11) return 'supported';
  if (f.major > 11) return 'untested';
  return 'unsupported';
}

export function flavorText(f: ServerFlavor): string {
  return `${f.flavor === 'mysql' ? 'MySQL' : 'MariaDB'} ${f.major}.${f.minor}.${f.patch}`;
}
