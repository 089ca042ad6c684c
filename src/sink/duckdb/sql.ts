/** A DuckDB identifier: double-quoted, embedded double quotes doubled. Never paste a name unquoted. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
