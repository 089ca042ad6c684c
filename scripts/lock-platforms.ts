/**
 * `npm run lock-platforms`: adds lock-file entries for optional platform packages (Biome's and
 * DuckDB's builds for other systems) that `npm install` left out.
 *
 * Why: the npm registry mirror binlake is developed against does not serve every platform build
 * (e.g. @biomejs/cli-darwin-arm64 answers 404), so `npm install` writes a lock without them, and
 * `npm ci` then refuses that lock as "not in sync". An entry with the package's os/cpu/libc is
 * what npm itself writes; on a machine of another platform npm skips it without fetching it.
 * Run this after every `npm install <pkg>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  optionalDependencies?: Record<string, string>;
}

const OSES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

const file = path.resolve(import.meta.dirname, '../../package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
const added: string[] = [];
for (const entry of Object.values(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key]) continue;
    const name = dep.split('/').at(-1) ?? dep;
    const os = OSES.find((o) => name.includes(o));
    const cpu = CPUS.find((c) => new RegExp(`(^|-)${c}($|-)`).test(name));
    lock.packages[key] = {
      version,
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(name.includes('musl') ? { libc: ['musl'] } : {}),
    };
    added.push(dep);
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added lock entries for ${added.join(', ')}` : 'lock file already complete');
