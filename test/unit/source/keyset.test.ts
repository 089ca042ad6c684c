import { describe, expect, it } from 'vitest';
import type { ColumnSchema } from '../../../src/core/table-schema.js';
import { afterCursorSql, keyLiteral } from '../../../src/source/snapshot/read-chunks.js';

const col = (name: string, kind: ColumnSchema['kind'], extra: Partial<ColumnSchema> = {}): ColumnSchema => ({
  name,
  kind,
  columnType: kind,
  unsigned: false,
  nullable: false,
  length: null,
  scale: null,
  fsp: null,
  charset: null,
  members: null,
  defaultSql: null,
  ...extra,
});

describe('keyset predicates', () => {
  it('writes literals that compare exactly (never through DOUBLE)', () => {
    expect(keyLiteral(col('b', 'bigint'), 18446744073709551615n)).toBe('18446744073709551615');
    expect(keyLiteral(col('d', 'decimal'), '-12.340')).toBe('-12.340');
    expect(keyLiteral(col('i', 'int'), 42)).toBe('42');
    expect(keyLiteral(col('v', 'varbinary'), new Uint8Array([0, 255]))).toBe("X'00ff'");
    expect(keyLiteral(col('v', 'varbinary'), new Uint8Array([]))).toBe("''");
    expect(keyLiteral(col('s', 'varchar'), "it's \\ \n")).toBe("'it\\'s \\\\ \\n'");
    expect(keyLiteral(col('t', 'datetime'), '2020-00-15 00:00:00')).toBe("'2020-00-15 00:00:00'");
    // ENUM and SET sort by index / bit value, so they compare by number.
    expect(keyLiteral(col('e', 'enum', { members: ['z', 'a'] }), 'a')).toBe('2');
    expect(keyLiteral(col('s', 'set', { members: ['r', 'w', 'x'] }), 'r,x')).toBe('5');
    expect(() => keyLiteral(col('d', 'decimal'), '1; DROP TABLE t')).toThrow();
  });

  it('expands a composite cursor into a range-friendly OR form', () => {
    const key = [col('a', 'varchar'), col('b', 'int'), col('c', 'int')];
    expect(afterCursorSql([key[0]], ['x'])).toBe("`a` > 'x'");
    expect(afterCursorSql(key, ['x', 1, 2])).toBe(
      "`a` >= 'x' AND ((`a` > 'x') OR (`a` = 'x' AND `b` > 1) OR (`a` = 'x' AND `b` = 1 AND `c` > 2))",
    );
  });
});
