/**
 * Just enough of MySQL's DDL grammar to know what a QUERY event does to a synced table.
 * binlake applies ADD COLUMN itself; every other change to a synced table is reported by kind so
 * the task can apply its policy (stop by default). Anything not recognised is `other`.
 *
 * The parser works on tokens, so comments, quoting (`a``b`, "x", 'y') and case never fool it.
 */

export interface ColumnDefinition {
  name: string;
  /** The type as written, e.g. `decimal(10,2) unsigned`, `enum('a','b')`, `varchar(20)`. */
  typeText: string;
  nullable: boolean;
  /** DEFAULT as SQL text (`'abc'`, `12`, `NULL`, `current_timestamp()`), null when absent. */
  defaultSql: string | null;
  charset: string | null;
  collation: string | null;
  /** null = FIRST, a name = AFTER name, undefined = at the end. */
  after: string | null | undefined;
}

export type TableAction =
  | { kind: 'add-column'; column: ColumnDefinition }
  | { kind: 'drop-column'; column: string }
  | { kind: 'modify-column'; column: string }
  | { kind: 'rename-column'; column: string; to: string }
  | { kind: 'rename-table'; to: { database: string | null; table: string } }
  | { kind: 'other'; text: string };

export type ParsedDdl =
  | { kind: 'alter-table'; database: string | null; table: string; actions: TableAction[] }
  | { kind: 'rename-table'; renames: { from: QualifiedName; to: QualifiedName }[] }
  | { kind: 'truncate-table'; table: QualifiedName }
  | { kind: 'drop-table'; tables: QualifiedName[] }
  | { kind: 'create-table'; table: QualifiedName }
  | { kind: 'dml'; verb: string; text: string }
  | { kind: 'transaction-control' }
  | { kind: 'other' };

export interface QualifiedName {
  database: string | null;
  table: string;
}

type Token =
  | { t: 'word'; v: string; upper: string }
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string; raw: string }
  | { t: 'number'; v: string }
  | { t: 'punct'; v: string };

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]))) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '#') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      // `/*!50100 … */` executable comments are part of the statement for MySQL; keep their body.
      const end = sql.indexOf('*/', i + 2);
      const body = sql.slice(i + 2, end < 0 ? n : end);
      const exec = /^!\d*/.exec(body) ?? /^M!\d*/.exec(body);
      if (exec) tokens.push(...tokenize(body.slice(exec[0].length)));
      i = end < 0 ? n : end + 2;
    } else if (c === '`' || c === '"') {
      let v = '';
      i++;
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            v += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      tokens.push(c === '`' ? { t: 'ident', v } : { t: 'string', v, raw: `"${v}"` });
    } else if (c === "'") {
      const start = i;
      let v = '';
      i++;
      while (i < n) {
        if (sql[i] === '\\' && i + 1 < n) {
          v += unescapeChar(sql[i + 1]);
          i += 2;
          continue;
        }
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += sql[i++];
      }
      tokens.push({ t: 'string', v, raw: sql.slice(start, i) });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(0x[0-9a-f]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?)/i.exec(sql.slice(i));
      const v = m ? m[0] : c;
      tokens.push({ t: 'number', v });
      i += v.length;
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      const m = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i));
      const v = m![0];
      tokens.push({ t: 'word', v, upper: v.toUpperCase() });
      i += v.length;
    } else {
      tokens.push({ t: 'punct', v: c });
      i++;
    }
  }
  return tokens;
}

function unescapeChar(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case 'Z':
      return '\x1a';
    case 'b':
      return '\b';
    default:
      return c;
  }
}

class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t?.t === 'word' && words.includes(t.upper);
  }
  acceptWord(...words: string[]): boolean {
    if (this.isWord(...words)) {
      this.i++;
      return true;
    }
    return false;
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t?.t === 'punct' && t.v === p;
  }
  acceptPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.i++;
      return true;
    }
    return false;
  }
  /** An identifier: backquoted, or a bare word (keywords allowed where MySQL allows them). */
  name(): string | null {
    const t = this.peek();
    if (!t) return null;
    if (t.t === 'ident' || t.t === 'word') {
      this.i++;
      return t.v;
    }
    if (t.t === 'string' && t.raw.startsWith('"')) {
      this.i++;
      return t.v;
    }
    return null;
  }
  qualified(): QualifiedName | null {
    const first = this.name();
    if (first === null) return null;
    if (this.acceptPunct('.')) {
      const second = this.name();
      if (second === null) return null;
      return { database: first, table: second };
    }
    return { database: null, table: first };
  }
  /** Skips to the next top-level comma (or the end); returns the skipped tokens. */
  skipClause(): Token[] {
    const skipped: Token[] = [];
    let depth = 0;
    while (!this.done()) {
      const t = this.peek()!;
      if (t.t === 'punct') {
        if (t.v === '(') depth++;
        else if (t.v === ')') depth--;
        else if (t.v === ',' && depth === 0) break;
        else if (t.v === ';' && depth === 0) break;
      }
      skipped.push(t);
      this.i++;
    }
    return skipped;
  }
}

function tokenText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    const text = t.t === 'string' ? t.raw : t.t === 'ident' ? `\`${t.v.replaceAll('`', '``')}\`` : t.v;
    const glue =
      out === '' || t.v === ')' || t.v === ',' || out.endsWith('(') || out.endsWith(',') || t.v === '('
        ? ''
        : ' ';
    out += glue + text;
  }
  return out;
}

const DML_VERBS = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'LOAD']);
const TXN_WORDS = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'XA', 'SAVEPOINT', 'START']);

export function parseDdl(sql: string): ParsedDdl {
  const c = new Cursor(tokenize(sql));
  const first = c.peek();
  if (first?.t !== 'word') return { kind: 'other' };
  if (TXN_WORDS.has(first.upper)) return { kind: 'transaction-control' };
  if (DML_VERBS.has(first.upper)) return { kind: 'dml', verb: first.upper, text: sql };
  if (first.upper === 'WITH') return { kind: 'dml', verb: 'WITH', text: sql };
  c.next();
  switch (first.upper) {
    case 'ALTER':
      c.acceptWord('ONLINE', 'IGNORE');
      if (!c.acceptWord('TABLE')) return { kind: 'other' };
      return parseAlterTable(c);
    case 'RENAME': {
      if (!c.acceptWord('TABLE', 'TABLES')) return { kind: 'other' };
      const renames: { from: QualifiedName; to: QualifiedName }[] = [];
      do {
        const from = c.qualified();
        c.acceptWord('WAIT', 'NOWAIT');
        if (c.peek()?.t === 'number') c.next();
        if (!from || !c.acceptWord('TO')) return { kind: 'other' };
        const to = c.qualified();
        if (!to) return { kind: 'other' };
        renames.push({ from, to });
      } while (c.acceptPunct(','));
      return { kind: 'rename-table', renames };
    }
    case 'TRUNCATE': {
      c.acceptWord('TABLE');
      const table = c.qualified();
      return table ? { kind: 'truncate-table', table } : { kind: 'other' };
    }
    case 'DROP': {
      c.acceptWord('TEMPORARY');
      if (!c.acceptWord('TABLE', 'TABLES')) return { kind: 'other' };
      if (c.acceptWord('IF')) c.acceptWord('EXISTS');
      c.acceptWord('WAIT', 'NOWAIT');
      const tables: QualifiedName[] = [];
      do {
        const t = c.qualified();
        if (!t) break;
        tables.push(t);
      } while (c.acceptPunct(','));
      return { kind: 'drop-table', tables };
    }
    case 'CREATE': {
      c.acceptWord('OR');
      c.acceptWord('REPLACE');
      c.acceptWord('TEMPORARY');
      if (!c.acceptWord('TABLE')) return { kind: 'other' };
      if (c.acceptWord('IF')) {
        c.acceptWord('NOT');
        c.acceptWord('EXISTS');
      }
      const table = c.qualified();
      return table ? { kind: 'create-table', table } : { kind: 'other' };
    }
    default:
      return { kind: 'other' };
  }
}

function parseAlterTable(c: Cursor): ParsedDdl {
  const table = c.qualified();
  if (!table) return { kind: 'other' };
  c.acceptWord('WAIT', 'NOWAIT');
  if (c.peek()?.t === 'number') c.next();
  const actions: TableAction[] = [];
  while (!c.done() && !c.isPunct(';')) {
    actions.push(...parseAlterSpec(c));
    if (!c.acceptPunct(',')) break;
  }
  return { kind: 'alter-table', database: table.database, table: table.table, actions };
}

function parseAlterSpec(c: Cursor): TableAction[] {
  const start = c.i;
  const other = (): TableAction[] => {
    c.i = start;
    return [{ kind: 'other', text: tokenText(c.skipClause()) }];
  };
  if (c.acceptWord('ADD')) {
    if (
      c.isWord(
        'CONSTRAINT',
        'INDEX',
        'KEY',
        'PRIMARY',
        'UNIQUE',
        'FULLTEXT',
        'SPATIAL',
        'FOREIGN',
        'PARTITION',
        'CHECK',
        'PERIOD',
        'SYSTEM',
      )
    ) {
      return other();
    }
    c.acceptWord('COLUMN');
    if (c.acceptWord('IF')) {
      c.acceptWord('NOT');
      c.acceptWord('EXISTS');
    }
    if (c.acceptPunct('(')) {
      // ADD COLUMN (a INT, b INT): several columns, all at the end.
      const columns: TableAction[] = [];
      do {
        const column = parseColumnDefinition(c, true);
        if (!column) return other();
        columns.push({ kind: 'add-column', column });
      } while (c.acceptPunct(','));
      c.acceptPunct(')');
      return columns;
    }
    const column = parseColumnDefinition(c, false);
    return column ? [{ kind: 'add-column', column }] : other();
  }
  if (c.acceptWord('DROP')) {
    if (c.isWord('INDEX', 'KEY', 'PRIMARY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION')) return other();
    c.acceptWord('COLUMN');
    if (c.acceptWord('IF')) c.acceptWord('EXISTS');
    const column = c.name();
    c.skipClause();
    return column ? [{ kind: 'drop-column', column }] : other();
  }
  if (c.acceptWord('MODIFY')) {
    c.acceptWord('COLUMN');
    if (c.acceptWord('IF')) c.acceptWord('EXISTS');
    const column = c.name();
    c.skipClause();
    return column ? [{ kind: 'modify-column', column }] : other();
  }
  if (c.acceptWord('CHANGE')) {
    c.acceptWord('COLUMN');
    if (c.acceptWord('IF')) c.acceptWord('EXISTS');
    const column = c.name();
    const to = c.name();
    c.skipClause();
    if (!column || !to) return other();
    return [column === to ? { kind: 'modify-column', column } : { kind: 'rename-column', column, to }];
  }
  if (c.acceptWord('RENAME')) {
    if (c.acceptWord('COLUMN')) {
      const column = c.name();
      c.acceptWord('TO');
      const to = c.name();
      return column && to ? [{ kind: 'rename-column', column, to }] : other();
    }
    if (c.isWord('INDEX', 'KEY')) return other();
    c.acceptWord('TO', 'AS');
    const to = c.qualified();
    return to ? [{ kind: 'rename-table', to }] : other();
  }
  if (c.isWord('ALTER') && c.peek(1)?.t === 'word') {
    // ALTER [COLUMN] c SET DEFAULT / DROP DEFAULT: no effect on stored rows.
    return other();
  }
  return other();
}

const COLUMN_ATTRIBUTE_WORDS = new Set([
  'NOT',
  'NULL',
  'DEFAULT',
  'AUTO_INCREMENT',
  'UNIQUE',
  'PRIMARY',
  'KEY',
  'COMMENT',
  'COLLATE',
  'CHARACTER',
  'CHARSET',
  'ON',
  'GENERATED',
  'AS',
  'VIRTUAL',
  'PERSISTENT',
  'STORED',
  'FIRST',
  'AFTER',
  'INVISIBLE',
  'VISIBLE',
  'CHECK',
  'REFERENCES',
  'COLUMN_FORMAT',
  'STORAGE',
  'COMPRESSED',
  'WITHOUT',
  'WITH',
  'SRID',
]);

/** `name type [attributes] [FIRST | AFTER col]`. */
function parseColumnDefinition(c: Cursor, inParens: boolean): ColumnDefinition | null {
  const name = c.name();
  if (name === null) return null;
  const typeTokens: Token[] = [];
  let depth = 0;
  while (!c.done()) {
    const t = c.peek()!;
    if (t.t === 'punct' && t.v === '(') depth++;
    if (t.t === 'punct' && t.v === ')') {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && t.t === 'punct' && (t.v === ',' || t.v === ';')) break;
    if (depth === 0 && t.t === 'word' && COLUMN_ATTRIBUTE_WORDS.has(t.upper)) break;
    typeTokens.push(t);
    c.next();
  }
  if (typeTokens.length === 0) return null;
  const column: ColumnDefinition = {
    name,
    typeText: tokenText(typeTokens),
    nullable: true,
    defaultSql: null,
    charset: null,
    collation: null,
    after: undefined,
  };
  while (!c.done()) {
    if (c.isPunct(',') || c.isPunct(';') || (inParens && c.isPunct(')'))) break;
    if (c.acceptWord('NOT')) {
      if (c.acceptWord('NULL')) column.nullable = false;
    } else if (c.acceptWord('NULL')) {
      column.nullable = true;
    } else if (c.acceptWord('DEFAULT')) {
      column.defaultSql = readDefault(c);
    } else if (c.acceptWord('CHARACTER')) {
      c.acceptWord('SET');
      column.charset = c.name();
    } else if (c.acceptWord('CHARSET')) {
      column.charset = c.name();
    } else if (c.acceptWord('COLLATE')) {
      column.collation = c.name();
    } else if (c.acceptWord('FIRST')) {
      column.after = null;
    } else if (c.acceptWord('AFTER')) {
      column.after = c.name();
    } else if (c.acceptWord('PRIMARY')) {
      c.acceptWord('KEY');
      column.nullable = false;
    } else if (c.isPunct('(')) {
      skipParens(c);
    } else {
      c.next();
    }
  }
  return column;
}

function skipParens(c: Cursor): void {
  let depth = 0;
  do {
    const t = c.next();
    if (!t) return;
    if (t.t === 'punct' && t.v === '(') depth++;
    if (t.t === 'punct' && t.v === ')') depth--;
  } while (depth > 0);
}

/** DEFAULT literal | (expr) | function() | -number. Returned as SQL text. */
function readDefault(c: Cursor): string | null {
  const t = c.peek();
  if (!t) return null;
  if (t.t === 'punct' && t.v === '(') {
    const start = c.i;
    skipParens(c);
    return tokenText(c.tokens.slice(start, c.i));
  }
  if (t.t === 'punct' && (t.v === '-' || t.v === '+')) {
    c.next();
    const num = c.next();
    return num ? `${t.v}${num.v}` : null;
  }
  c.next();
  if (t.t === 'string') {
    // _utf8mb4'abc' introducers and b'0101'/x'ff' literals arrive as word + string.
    return t.raw;
  }
  // _utf8mb4 X'41': an introducer before a hex or bit literal.
  if (t.t === 'word' && /^_[a-z0-9]+$/i.test(t.v) && c.peek()?.t === 'word' && /^[bx]$/i.test(c.peek()!.v)) {
    const kind = c.next()!.v;
    if (c.peek()?.t === 'string') return `${kind}${(c.next() as { raw: string }).raw}`;
    return kind;
  }
  // DATE '2020-01-02', TIME '…', TIMESTAMP '…': the typed literal's value is its text.
  if (t.t === 'word' && /^(b|x|_[a-z0-9]+|n|date|time|timestamp)$/i.test(t.v) && c.peek()?.t === 'string') {
    const s = c.next() as { raw: string };
    return /^[bx]$/i.test(t.v) ? `${t.v}${s.raw}` : s.raw;
  }
  if (t.t === 'word' && c.isPunct('(')) {
    const start = c.i;
    skipParens(c);
    return `${t.v}${tokenText(c.tokens.slice(start, c.i))}`;
  }
  return t.v;
}
