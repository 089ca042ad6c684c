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
  /**
   * The item could not run because an earlier one failed (no login, no connection). It stays a
   * `fail` for the exit code, but counts and reads as not checked rather than as a failure.
   */
  notChecked?: true;
}

export function worstSeverity(findings: Finding[]): Severity {
  if (findings.some((f) => f.result === 'fail')) return 'fail';
  if (findings.some((f) => f.result === 'warn')) return 'warn';
  return 'pass';
}

/** An item that could not run because of an earlier failure (no connection, a file held by a sync). */
export function notChecked(item: string, reason: string): Finding {
  return {
    item,
    result: 'fail',
    found: `not checked: ${reason}`,
    remedy: 'fix the failure above first',
    notChecked: true,
  };
}
