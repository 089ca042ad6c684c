/**
 * One precheck result. Prechecks collect every finding instead of stopping at the first; the
 * worst severity sets the exit code (fail → 1).
 */
export type Severity = 'pass' | 'warn' | 'fail';

export interface Finding {
  /** Stable item id, e.g. `binlog.format`, `privilege.replication-slave`, `table.key:shop.orders`. */
  item: string;
  result: Severity;
  /** What was found, in the user's terms. Never contains a password. */
  found: string;
  /** One sentence: the exact SET GLOBAL / my.cnf line / GRANT statement / config change. Empty on pass. */
  remedy: string;
}

export function worstSeverity(findings: Finding[]): Severity {
  if (findings.some((f) => f.result === 'fail')) return 'fail';
  if (findings.some((f) => f.result === 'warn')) return 'warn';
  return 'pass';
}
