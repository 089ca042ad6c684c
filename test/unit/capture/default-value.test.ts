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
      expect(parseDefault(now)).toMatchObject({ kind: 'now' });
    for (const expression of ['(uuid())', 'uuid()', '(1 + 1)', "concat('a', 'b')", '(rand())', 'curdate()'])
      expect(parseDefault(expression).kind).toBe('expression');
  });

  it('gives the start time at the column fsp, truncated as MySQL does', () => {
    const clock = utcWallClock(1795545906, 388527);
    expect(clock).toBe('2026-11-24 18:45:06.388527');
    expect(defaultValueFor(column('timestamp', { fsp: 3 }), { kind: 'now', fsp: null }, clock)).toBe(
      '2026-11-24 18:45:06.388',
    );
    expect(defaultValueFor(column('datetime', { fsp: 0 }), { kind: 'now', fsp: null }, clock)).toBe(
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

describe('ADD COLUMN defaults as MariaDB stores them', () => {
  const value = (sql: string, col: ColumnSchema, clock?: string) => {
    const spec = parseDefault(sql);
    if (spec.kind === 'expression') throw new Error(`${sql} read as an expression`);
    return defaultValueFor(col, spec, clock);
  };

  it('reads every constant form, also inside parentheses, never as an expression', () => {
    const int = column('int');
    expect(value('-1', int)).toBe(-1);
    expect(value('(- 5)', int)).toBe(-5);
    expect(value('+1.5', column('double'))).toBe(1.5);
    expect(value("_utf8mb4'x'", column('varchar'))).toBe('x');
    expect(value("(_utf8mb4 'x')", column('varchar'))).toBe('x');
    expect(value("x'41'", column('varchar'))).toBe('A');
    expect(value("(_utf8mb4 X'41')", column('varchar'))).toBe('A');
    expect(value("b'101'", column('bit'))).toBe(5n);
    expect(value("'2020-01-02'", column('date'))).toBe('2020-01-02');
    expect(value("(DATE '2020-01-02')", column('date'))).toBe('2020-01-02');
    expect(value("(')')", column('varchar'))).toBe(')');
    expect(value("('it''s (x')", column('varchar'))).toBe("it's (x");
    expect(value('TRUE', int)).toBe(1);
    expect(value("''", column('varchar'))).toBe('');
    expect(value('1e3', int)).toBe(1000);
  });

  it('rounds into integer and DECIMAL columns half away from zero, and reads hex as a number there', () => {
    expect(value('0x1F', column('int'))).toBe(31);
    expect(value("x'1F'", column('bigint'))).toBe(31n);
    expect(value('1.5', column('int'))).toBe(2);
    expect(value("'2.5'", column('int'))).toBe(3);
    expect(value('-2.5', column('int'))).toBe(-3);
    expect(value('1.555', column('decimal', { scale: 2 }))).toBe('1.56');
    expect(value('-1.555', column('decimal', { scale: 2 }))).toBe('-1.56');
    expect(value('9.995', column('decimal', { scale: 2 }))).toBe('10.00');
    expect(value('12345678901234567890123456789012345.5', column('decimal', { scale: 0 }))).toBe(
      '12345678901234567890123456789012346',
    );
  });

  it('takes the precision written in CURRENT_TIMESTAMP(n), else the column’s', () => {
    const clock = '2026-11-24 18:45:06.545460';
    expect(value('current_timestamp(3)', column('datetime', { fsp: 6 }), clock)).toBe(
      '2026-11-24 18:45:06.545000',
    );
    expect(value('now(2)', column('timestamp', { fsp: 6 }), clock)).toBe('2026-11-24 18:45:06.540000');
    expect(value('current_timestamp', column('datetime', { fsp: 6 }), clock)).toBe(
      '2026-11-24 18:45:06.545460',
    );
    expect(value('(now())', column('datetime', { fsp: 3 }), clock)).toBe('2026-11-24 18:45:06.545');
    expect(value('current_timestamp(6)', column('datetime', { fsp: 0 }), clock)).toBe('2026-11-24 18:45:06');
  });
});

describe('decimal text', () => {
  it('rounds exactly, exponents included', async () => {
    const { formatDecimal } = await import('../../../src/capture/default-value.js');
    expect(formatDecimal('1e30', 0)).toBe('1000000000000000000000000000000');
    expect(formatDecimal('1.5e3', 2)).toBe('1500.00');
    expect(formatDecimal('25e-3', 2)).toBe('0.03');
    expect(formatDecimal('-25e-4', 2)).toBe('0.00');
    expect(formatDecimal('.5e1', 0)).toBe('5');
  });
});
