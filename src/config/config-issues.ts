import { z } from 'zod';

/**
 * Turns zod's issues about a config into one line per problem that names the key and says what
 * to write: `objects[0].tables[0].target: expected a string, got 5 (put it in quotes)`.
 *
 * A union that fails reports every alternative's issues; the line comes from the alternative whose
 * shape fits the value (a mapping entry → the mapping's own problems, a list → the bad item), and
 * when none fits it lists what each alternative expects. A union's `error` text names the
 * alternatives for the user (`a list of table names or "*"`). Values are quoted from the file as
 * written, before `${NAME}` substitution, and values of secret keys are never quoted.
 */

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

interface Problem {
  text: string;
  /** Set for an unknown key, so a near miss of a known key can be suggested. */
  unknownKey?: { object: Path; key: string };
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

/** zod's own message for a union (en locale); a union given an `error` text has that text instead. */
const DEFAULT_UNION_MESSAGE = 'Invalid input';

const SECRET_KEY = /password|token|secret/i;

/** `objects[0].tables[1].target`; `(root)` for the empty path. */
export function keyPath(path: Path): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * One line per problem. `input` is the config as written (before environment substitution), with
 * the same shape as the value zod parsed; `schema` is used to suggest a known key for an unknown one.
 */
export function describeIssues(issues: readonly Issue[], input: unknown, schema: z.core.$ZodType): string[] {
  return issues
    .flatMap((issue) => explain(issue, [], input))
    .map((problem) => {
      if (!problem.unknownKey) return problem.text;
      const { object, key } = problem.unknownKey;
      const near = nearestKey(key, knownKeys(schema, object));
      return near ? `${problem.text} (did you mean ${near}?)` : problem.text;
    });
}

function explain(issue: Issue, prefix: Path, input: unknown): Problem[] {
  const path = [...prefix, ...issue.path];
  const where = keyPath(path);
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return [{ text: mismatch(where, path, value, expected, { list: issue.expected === 'array' }) }];
    }
    case 'invalid_value':
      return [{ text: mismatch(where, path, value, oneOf(issue.values)) }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        text: `${keyPath([...path, key])}: unknown key`,
        unknownKey: { object: path, key },
      }));
    case 'invalid_union':
      return explainUnion(issue, path, value, input);
    case 'too_small':
    case 'too_big':
      // A number's bound says what it got; an empty list or string needs no more words.
      return [{ text: `${where}: ${bound(issue)}${typeof value === 'number' ? `, got ${value}` : ''}` }];
    default:
      return [{ text: `${where}: ${issue.message}` }];
  }
}

function explainUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: Path,
  value: unknown,
  input: unknown,
): Problem[] {
  const where = keyPath(path);
  if (issue.errors.length === 0) {
    // A discriminated union whose discriminator matches no option (`destination.type: oracle`).
    const options = 'options' in issue ? issue.options : undefined;
    return [
      {
        text: options?.length ? mismatch(where, path, value, oneOf(options)) : `${where}: ${issue.message}`,
      },
    ];
  }
  const fitting = issue.errors.filter((branch) => !misfits(branch));
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((inner) => explain(inner, path, input));
  }
  const expectations = alternatives(issue.errors);
  const expected =
    issue.message && issue.message !== DEFAULT_UNION_MESSAGE
      ? issue.message
      : [...new Set(expectations.words)].join(' or ');
  return [{ text: mismatch(where, path, value, expected, { list: expectations.list }) }];
}

/** True when the alternative rejected the value's type or value itself, not something inside it. */
function misfits(branch: readonly Issue[]): boolean {
  return branch.some(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === 'invalid_type' ||
        issue.code === 'invalid_value' ||
        (issue.code === 'invalid_union' && (issue.errors.length === 0 || issue.errors.every(misfits)))),
  );
}

/** What each alternative of a union expects, in user words; `list` if one of them is a list. */
function alternatives(branches: readonly (readonly Issue[])[]): { words: string[]; list: boolean } {
  const words: string[] = [];
  let list = false;
  for (const branch of branches) {
    for (const issue of branch) {
      if (issue.path.length > 0) continue;
      if (issue.code === 'invalid_type') {
        words.push(TYPE_WORDS[issue.expected] ?? issue.expected);
        list ||= issue.expected === 'array';
      } else if (issue.code === 'invalid_value') {
        words.push(oneOf(issue.values));
      } else if (issue.code === 'invalid_union') {
        const inner = alternatives(issue.errors);
        words.push(...inner.words);
        list ||= inner.list;
      }
    }
  }
  return { words, list };
}

function mismatch(
  where: string,
  path: Path,
  value: unknown,
  expected: string,
  hint: { list?: boolean } = {},
) {
  if (value === undefined) return `${where}: is required (expected ${expected})`;
  let got = shown(path, value);
  if (hint.list && typeof value === 'string') {
    got = `the string ${got}`;
    if (!isSecret(path)) got += ` (a list of one is written [${JSON.stringify(value)}])`;
  } else if (/\ba string\b/.test(expected) && (typeof value === 'number' || typeof value === 'boolean')) {
    got += ' (put it in quotes)';
  } else if (typeof value === 'string' && !isSecret(path) && unquoted(value, expected)) {
    got += ' (remove the quotes)';
  }
  return `${where}: expected ${expected}, got ${got}`;
}

/** A quoted number or boolean where one was expected: YAML reads `"3306"` as a string. */
function unquoted(value: string, expected: string): boolean {
  if (/\ba (whole )?number\b/.test(expected)) return value.trim() !== '' && Number.isFinite(Number(value));
  return /\btrue or false\b/.test(expected) && (value === 'true' || value === 'false');
}

/** `"duckdb"`, `"classic" or "new"`, `"a", "b" or "c"`. */
function oneOf(values: readonly unknown[]): string {
  const quoted = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = small ? issue.minimum : issue.maximum;
  switch (issue.origin) {
    case 'array':
      return small && Number(limit) === 1
        ? 'must not be empty'
        : `must have ${small ? 'at least' : 'at most'} ${limit} items`;
    case 'string':
      return small && Number(limit) === 1
        ? 'must not be empty'
        : `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    default:
      if (issue.inclusive === false) return `must be ${small ? 'greater' : 'less'} than ${limit}`;
      return `must be ${small ? 'at least' : 'at most'} ${limit}`;
  }
}

function isSecret(path: Path): boolean {
  return path.some((key) => typeof key === 'string' && SECRET_KEY.test(key));
}

/** The value as the user wrote it: strings quoted (and cut), containers named; secrets by type only. */
function shown(path: Path, value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (isSecret(path)) return TYPE_WORDS[typeof value] ?? `a ${typeof value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return String(value);
}

function valueAt(input: unknown, path: Path): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** The keys the schema allows for a mapping at `path` (every union alternative's). */
function knownKeys(schema: z.core.$ZodType, path: Path): string[] {
  return schemasAt(schema, path).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : []));
}

function schemasAt(schema: z.core.$ZodType, path: Path): z.core.$ZodType[] {
  const here = unwrap(schema);
  if (path.length === 0) return here;
  const [key, ...rest] = path;
  return here.flatMap((s) => {
    if (s instanceof z.ZodObject && typeof key === 'string' && key in s.shape) {
      return schemasAt(s.shape[key] as z.core.$ZodType, rest);
    }
    if (s instanceof z.ZodArray && typeof key === 'number') return schemasAt(s.element, rest);
    if (s instanceof z.ZodRecord) return schemasAt(s.valueType, rest);
    return [];
  });
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    return unwrap(schema.unwrap());
  }
  if (schema instanceof z.ZodUnion || schema instanceof z.ZodDiscriminatedUnion) {
    return (schema.options as z.core.$ZodType[]).flatMap(unwrap);
  }
  return [schema];
}

/** A known key the unknown one is likely a typo of: same letters but for case, or one or two edits. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const limit = key.length >= 6 ? 2 : 1;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** Levenshtein distance where swapping two neighbouring letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}
