import { describe, expect, it } from 'vitest';
import { defaultValueFor, parseDefault, utcWallClock } from '../../../src/capture/default-value.js';
import type { ColumnSchema } from '../../../src/core/table-schema.js';

const column = (kind: ColumnSchema['kind'], extra: Partial<ColumnSchema> = {}): ColumnSchema =>
  ({ name: 'c', kind, nullable: true, ...extra }) as ColumnSchema;

describe('ADD COLUMN defaults', () => {
  it('tells literals, the start time and expressions apart', () => {
    expect(parseDefault(null)).toEqual({ kind: 'none' });
    expect(parseDefault('NULL')).toEqual({ kind: 'none' });
    expect(parseDefault("'a''b'")).toEqual({ kind: 'text', text: "a'b" });
    expect(parseDefault('(5)')).toEqual({ kind: 'number', text: '5' });
    expect(parseDefault("(('x'))")).toEqual({ kind: 'text', text: 'x' });
    for (const now of ['current_timestamp', 'CURRENT_TIMESTAMP(3)', 'now()', 'localtimestamp(6)'])
      expect(parseDefault(now)).toEqual({ kind: 'now' });
    for (const expression of ['(uuid())', 'uuid()', '(1 + 1)', "concat('a', 'b')", '(rand())', 'curdate()'])
      expect(parseDefault(expression).kind).toBe('expression');
  });

  it('gives the start time at the column fsp, truncated as MySQL does', () => {
    const clock = utcWallClock(1795545906, 388527);
    expect(clock).toBe('2026-11-24 18:45:06.388527');
    expect(defaultValueFor(column('timestamp', { fsp: 3 }), { kind: 'now' }, clock)).toBe(
      '2026-11-24 18:45:06.388',
    );
    expect(defaultValueFor(column('datetime', { fsp: 0 }), { kind: 'now' }, clock)).toBe(
      '2026-11-24 18:45:06',
    );
    expect(utcWallClock(0, 7)).toBe('1970-01-01 00:00:00.000007');
  });

  it('gives NOT NULL columns without a default the implicit default', () => {
    expect(defaultValueFor(column('int', { nullable: false }), { kind: 'none' })).toBe(0);
    expect(defaultValueFor(column('int'), { kind: 'none' })).toBe(null);
    const spec = parseDefault('7.5');
    if (spec.kind === 'expression') throw new Error('7.5 is a literal');
    expect(defaultValueFor(column('decimal', { scale: 2 }), spec)).toBe('7.50');
  });
});
