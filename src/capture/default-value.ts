import type { ColumnSchema } from '../core/table-schema.js';
import type { Value } from '../core/values.js';

type Literal =
  | { kind: 'text'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'bits'; value: bigint }
  | { kind: 'hex'; bytes: Uint8Array };

/**
 * A column's DEFAULT as the existing rows get it on ADD COLUMN: none (NULL, or the type's
 * implicit default), a literal, the statement's start time (`CURRENT_TIMESTAMP`, `NOW()`…), or an
 * expression binlake cannot evaluate (`(uuid())`, `(a + 1)`, any other function). `now.fsp`: the
 * precision written in `CURRENT_TIMESTAMP(n)`, null without one (the column's own then, as
 * MariaDB and MySQL evaluate it).
 */
export type DefaultSpec =
  | { kind: 'none' }
  | { kind: 'now'; fsp: number | null }
  | { kind: 'expression'; sql: string }
  | Literal;

export function parseDefault(sql: string | null): DefaultSpec {
  let s = sql?.trim() ?? 'NULL';
  // `DEFAULT (1)`: an expression default that is a literal in parentheses.
  while (s.startsWith('(') && s.endsWith(')') && balanced(s.slice(1, -1))) s = s.slice(1, -1).trim();
  // The forms a literal takes inside parentheses, where the tokens come back space-separated:
  // `- 5`, `DATE '2020-01-02'`, `_utf8mb4 'x'`, `_utf8mb4 X'41'`, `N 'x'`.
  s = s
    .replace(/^([+-])\s+(?=[\d.])/, '$1')
    .replace(/^(?:date|time|timestamp|n|_[a-z0-9]+)\s*(?=')/i, '')
    .replace(/^_[a-z0-9]+\s+(?=[bx]')/i, '');
  if (/^null$/i.test(s)) return { kind: 'none' };
  const now = /^(?:current_timestamp|now|localtime|localtimestamp)(?:\(\s*(\d*)\s*\))?$/i.exec(s);
  if (now) return { kind: 'now', fsp: now[1] ? Number(now[1]) : null };
  return parseLiteral(s) ?? { kind: 'expression', sql: s };
}

/** Parentheses balance, outside quoted text. */
function balanced(s: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\' || (c === quote && s[i + 1] === quote))
        i++; // an escaped or doubled quote
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0 && quote === null;
}

/**
 * The canonical Value that rows existing before `ADD COLUMN … DEFAULT x` get, as the source
 * gives them: the default literal converted to the column's type. For `now`, `wallClock` is the
 * statement's start time as the column stores it ('YYYY-MM-DD HH:MM:SS.ffffff': UTC for a
 * TIMESTAMP, the session's zone for a DATETIME); MySQL truncates it to the column's fsp. A NOT
 * NULL column without a default gets the type's implicit default (0, '', the zero date…).
 */
export function defaultValueFor(
  column: ColumnSchema,
  spec: Exclude<DefaultSpec, { kind: 'expression' }>,
  wallClock?: string,
): Value {
  if (spec.kind === 'none') return column.nullable ? null : implicitDefault(column);
  if (spec.kind === 'now') {
    if (wallClock === undefined)
      throw new Error('internal: a CURRENT_TIMESTAMP default needs the wall clock');
    // CURRENT_TIMESTAMP(3) in a DATETIME(6): the time at 3 digits, stored as .xxx000.
    const fsp = Math.min(spec.fsp ?? column.fsp ?? 0, column.fsp ?? 0);
    const [main, fraction = ''] = wallClock.split('.');
    return normalizeTemporal(column, fsp > 0 ? `${main}.${fraction.slice(0, fsp)}` : main);
  }
  return convert(column, spec);
}

/** The UTC wall clock of an instant, with microseconds: what a TIMESTAMP column holds. */
export function utcWallClock(seconds: number, microseconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(microseconds).padStart(6, '0')}`;
}

function parseLiteral(s: string): Literal | null {
  if (s.startsWith("'") && s.endsWith("'")) return { kind: 'text', text: unquote(s) };
  if (s.startsWith('"') && s.endsWith('"'))
    return { kind: 'text', text: s.slice(1, -1).replaceAll('""', '"') };
  let m = /^b'([01]*)'$/i.exec(s);
  if (m) return { kind: 'bits', value: m[1] ? BigInt(`0b${m[1]}`) : 0n };
  m = /^x'([0-9a-f]*)'$/i.exec(s) ?? /^0x([0-9a-f]+)$/i.exec(s);
  if (m) return { kind: 'hex', bytes: Uint8Array.from(Buffer.from(m[1], 'hex')) };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return { kind: 'number', text: s };
  if (/^(true|false)$/i.test(s)) return { kind: 'number', text: /^true$/i.test(s) ? '1' : '0' };
  return null;
}

function unquote(s: string): string {
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === '\\' && i + 1 < s.length - 1) {
      const n = s[++i];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '0' ? '\0' : n;
    } else {
      out += c;
    }
  }
  return out;
}

function literalText(literal: Literal): string {
  switch (literal.kind) {
    case 'text':
    case 'number':
      return literal.text;
    case 'bits':
      return literal.value.toString();
    case 'hex':
      return Buffer.from(literal.bytes).toString('latin1');
  }
}

function convert(column: ColumnSchema, literal: Literal): Value {
  const text = literalText(literal);
  switch (column.kind) {
    // A fraction stored in an integer column is rounded half away from zero, as MySQL does;
    // a hex literal (0x1F) is a number there.
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'year':
      return Number(formatDecimal(numberText(literal), 0));
    case 'bigint':
      return BigInt(formatDecimal(numberText(literal), 0));
    case 'bit':
      if (literal.kind === 'bits') return literal.value;
      if (literal.kind === 'hex') return hexValue(literal.bytes);
      return BigInt(Math.trunc(Number(text)));
    case 'float':
      return Math.fround(Number(numberText(literal)));
    case 'double':
      return Number(numberText(literal));
    case 'decimal':
      return formatDecimal(numberText(literal), column.scale ?? 0);
    case 'date':
    case 'datetime':
    case 'timestamp':
    case 'time':
      return normalizeTemporal(column, text);
    case 'char':
    case 'varchar':
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
      return text;
    case 'binary': {
      const bytes = literal.kind === 'hex' ? literal.bytes : Buffer.from(text, 'utf8');
      const out = new Uint8Array(column.length ?? bytes.length);
      out.set(bytes.subarray(0, out.length));
      return out;
    }
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return literal.kind === 'hex' ? literal.bytes : Uint8Array.from(Buffer.from(text, 'utf8'));
  }
}

function implicitDefault(column: ColumnSchema): Value {
  switch (column.kind) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'year':
    case 'float':
    case 'double':
      return 0;
    case 'bigint':
    case 'bit':
      return 0n;
    case 'decimal':
      return formatDecimal('0', column.scale ?? 0);
    case 'date':
      return '0000-00-00';
    case 'datetime':
    case 'timestamp':
      return withFraction('0000-00-00 00:00:00', column.fsp ?? 0);
    case 'time':
      return withFraction('00:00:00', column.fsp ?? 0);
    case 'enum':
      return column.members?.[0] ?? '';
    case 'char':
    case 'varchar':
    case 'text':
    case 'set':
    case 'json':
      return '';
    case 'binary':
      return new Uint8Array(column.length ?? 0);
    case 'varbinary':
    case 'blob':
    case 'geometry':
      return new Uint8Array(0);
  }
}

/** '1.5e3' → '1500', '25e-3' → '0.025': plain decimal text, exactly (no float in between). */
function expandExponent(s: string): string {
  const m = /^(\d*)(?:\.(\d*))?e([+-]?\d+)$/i.exec(s);
  if (!m) return s;
  const digits = `${m[1]}${m[2] ?? ''}`;
  const point = m[1].length + Number(m[3]);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A literal's value as decimal text: hex and bit literals are numbers in numeric columns. */
function numberText(literal: Literal): string {
  if (literal.kind === 'bits') return literal.value.toString();
  if (literal.kind === 'hex') return hexValue(literal.bytes).toString();
  return literal.text;
}

/** A hex literal's bytes as an unsigned number (X'' is 0). */
function hexValue(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

/**
 * Decimal text at `scale` digits, rounded half away from zero as MySQL stores a literal:
 * '1.5' with scale 3 → '1.500', '1.555' with 2 → '1.56', '2.5' with 0 → '3'; '-0.0' → '0.0'
 * (MySQL never stores negative zero). Exact for any number of digits.
 */
export function formatDecimal(text: string, scale: number): string {
  let s = text.trim();
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  s = expandExponent(s);
  const [wholeText, fracText = ''] = s.split('.');
  const digits = `${wholeText || '0'}${fracText.padEnd(scale + 1, '0').slice(0, scale + 1)}`;
  // The kept digits plus one; round on the last, then drop it.
  let value = BigInt(digits.replace(/\D/g, '') || '0');
  value = (value + 5n) / 10n;
  const kept = value.toString().padStart(scale + 1, '0');
  const out = scale === 0 ? kept : `${kept.slice(0, -scale)}.${kept.slice(-scale)}`;
  return negative && /[1-9]/.test(out) ? `-${out}` : out;
}

function withFraction(text: string, fsp: number): string {
  return fsp > 0 ? `${text}.${'0'.repeat(fsp)}` : text;
}

function normalizeTemporal(column: ColumnSchema, text: string): string {
  const fsp = column.fsp ?? 0;
  const [main, frac = ''] = text.split('.');
  const fraction = fsp > 0 ? `.${frac.padEnd(fsp, '0').slice(0, fsp)}` : '';
  if (column.kind === 'date') return main.slice(0, 10);
  if (column.kind === 'time') return main + fraction;
  const datetime = main.length === 10 ? `${main} 00:00:00` : main;
  return datetime + fraction;
}
