import { BinlakeError } from '../core/errors.js';
import type { ColumnKind } from '../core/table-schema.js';

/**
 * Parses a MySQL column type as `information_schema.COLUMNS.COLUMN_TYPE` prints it *and* as a DDL
 * statement may write it (`int(11) unsigned zerofill`, `decimal(65,30)`, `enum('a','b''c')`,
 * `double precision`, `bool`, `char`, `national varchar(10)`, `float(30)` …). The snapshot
 * schema reader and the DDL tracker (capture/) both use it, so a table read from
 * information_schema and the same table tracked through its DDL get the same ColumnSchema fields.
 *
 * Conventions (the same on both paths):
 * - integer display widths are dropped (`length: null`; MySQL 8.0.19+ no longer prints them);
 * - DECIMAL without arguments is (10,0), `decimal(5)` is (5,0);
 * - CHAR/BINARY/BIT without a length have length 1;
 * - `float(p)` with p > 24 is a DOUBLE (MySQL manual, "Floating-Point Types");
 * - TIME/DATETIME/TIMESTAMP without a precision have fsp 0;
 * - `zerofill` implies `unsigned`; `serial` is `bigint unsigned`.
 */
export interface ParsedColumnType {
  kind: ColumnKind;
  unsigned: boolean;
  length: number | null;
  scale: number | null;
  fsp: number | null;
  members: string[] | null;
}

const KIND_BY_NAME: Record<string, ColumnKind> = {
  tinyint: 'tinyint',
  int1: 'tinyint',
  bool: 'tinyint',
  boolean: 'tinyint',
  smallint: 'smallint',
  int2: 'smallint',
  mediumint: 'mediumint',
  int3: 'mediumint',
  middleint: 'mediumint',
  int: 'int',
  integer: 'int',
  int4: 'int',
  bigint: 'bigint',
  int8: 'bigint',
  serial: 'bigint',
  float: 'float',
  float4: 'float',
  double: 'double',
  'double precision': 'double',
  real: 'double',
  float8: 'double',
  decimal: 'decimal',
  numeric: 'decimal',
  dec: 'decimal',
  fixed: 'decimal',
  bit: 'bit',
  year: 'year',
  date: 'date',
  time: 'time',
  datetime: 'datetime',
  timestamp: 'timestamp',
  char: 'char',
  character: 'char',
  nchar: 'char',
  'national char': 'char',
  'national character': 'char',
  varchar: 'varchar',
  'character varying': 'varchar',
  'char varying': 'varchar',
  nvarchar: 'varchar',
  'national varchar': 'varchar',
  'national character varying': 'varchar',
  'national char varying': 'varchar',
  'nchar varchar': 'varchar',
  'nchar varying': 'varchar',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  long: 'text',
  'long varchar': 'text',
  binary: 'binary',
  varbinary: 'varbinary',
  tinyblob: 'blob',
  blob: 'blob',
  mediumblob: 'blob',
  longblob: 'blob',
  'long varbinary': 'blob',
  enum: 'enum',
  set: 'set',
  json: 'json',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
  geomcollection: 'geometry',
};

/** Words that may follow the first word of a type name to form a multi-word name. */
const SECOND_WORDS: Record<string, string[]> = {
  double: ['precision'],
  character: ['varying'],
  char: ['varying'],
  national: ['char', 'character', 'varchar'],
  nchar: ['varchar', 'varying'],
  long: ['varchar', 'varbinary'],
};

function unsupported(columnType: string, why: string): BinlakeError {
  return new BinlakeError('BLK_S1005', `column type \`${columnType}\` is not supported: ${why}`, {
    remedy: 'exclude the table from objects, or change the column to a supported type',
    details: { columnType },
  });
}

/** Reads a quoted string starting at `text[i]` (the quote); returns the value and the index after it. */
function readQuoted(text: string, i: number): [string, number] {
  const quote = text[i];
  let out = '';
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === quote) {
      if (text[j + 1] === quote) {
        out += quote;
        j += 2;
        continue;
      }
      return [out, j + 1];
    }
    if (c === '\\' && j + 1 < text.length) {
      const n = text[j + 1];
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', Z: '\x1a', b: '\b' };
      out += escapes[n] ?? n;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  throw unsupported(text, 'unterminated quoted string');
}

/** The text between the parentheses starting at `text[i]` (an opening parenthesis), quote-aware. */
function readParens(text: string, i: number): [string, number] {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === "'" || c === '"') {
      j = readQuoted(text, j)[1];
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth === 0) return [text.slice(i + 1, j), j + 1];
    }
    j++;
  }
  throw unsupported(text, 'unbalanced parentheses');
}

function parseMembers(args: string, columnType: string): string[] {
  const members: string[] = [];
  let i = 0;
  while (i < args.length) {
    const c = args[i];
    if (c === "'" || c === '"') {
      const [value, next] = readQuoted(args, i);
      members.push(value);
      i = next;
    } else if (c === ',' || /\s/.test(c)) {
      i++;
    } else {
      throw unsupported(columnType, `unexpected "${c}" in the member list`);
    }
  }
  return members;
}

function numbers(args: string | null, columnType: string): number[] {
  if (args === null) return [];
  return args.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0) throw unsupported(columnType, `"${part.trim()}" is not a length`);
    return n;
  });
}

export function parseColumnType(columnType: string): ParsedColumnType {
  const text = columnType.trim();
  const word = /^[A-Za-z_][A-Za-z0-9_]*/;
  const first = word.exec(text);
  if (!first) throw unsupported(columnType, 'no type name');
  let name = first[0].toLowerCase();
  let i = first[0].length;
  for (;;) {
    const followers = SECOND_WORDS[name.split(' ').at(-1) as string];
    if (!followers) break;
    const rest = /^\s+([A-Za-z]+)/.exec(text.slice(i));
    if (!rest || !followers.includes(rest[1].toLowerCase())) break;
    const candidate = `${name} ${rest[1].toLowerCase()}`;
    if (!(candidate in KIND_BY_NAME) && !SECOND_WORDS[rest[1].toLowerCase()]) break;
    name = candidate;
    i += rest[0].length;
  }
  let kind = KIND_BY_NAME[name];
  if (!kind) throw unsupported(columnType, `unknown type ${name}`);
  while (i < text.length && /\s/.test(text[i])) i++;
  let args: string | null = null;
  if (text[i] === '(') {
    const [inside, next] = readParens(text, i);
    args = inside;
    i = next;
  }
  const modifiers = text.slice(i).toLowerCase().split(/\s+/).filter(Boolean);
  const zerofill = modifiers.includes('zerofill');
  let unsigned = modifiers.includes('unsigned') || zerofill || name === 'serial';

  let length: number | null = null;
  let scale: number | null = null;
  let fsp: number | null = null;
  let members: string[] | null = null;
  switch (kind) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'bigint':
    case 'year':
      numbers(args, columnType);
      break;
    case 'float': {
      const n = numbers(args, columnType);
      if (n.length === 1 && n[0] > 24) kind = 'double';
      if (n.length === 2) [length, scale] = n;
      break;
    }
    case 'double': {
      const n = numbers(args, columnType);
      if (n.length === 2) [length, scale] = n;
      break;
    }
    case 'decimal': {
      const n = numbers(args, columnType);
      length = n[0] ?? 10;
      scale = n[1] ?? 0;
      break;
    }
    case 'bit':
    case 'char':
    case 'binary':
      length = numbers(args, columnType)[0] ?? 1;
      break;
    case 'varchar':
    case 'varbinary':
    case 'text':
    case 'blob':
      length = numbers(args, columnType)[0] ?? null;
      break;
    case 'time':
    case 'datetime':
    case 'timestamp':
      fsp = numbers(args, columnType)[0] ?? 0;
      if (fsp > 6) throw unsupported(columnType, 'fractional seconds precision above 6');
      break;
    case 'enum':
    case 'set':
      members = parseMembers(args ?? '', columnType);
      break;
    case 'date':
    case 'json':
    case 'geometry':
      break;
  }
  if (!['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'float', 'double', 'decimal'].includes(kind)) {
    unsigned = false;
  }
  return { kind, unsigned, length, scale, fsp, members };
}
