import { describe, expect, it } from 'vitest';
import { isBinlakeError } from '../../../src/core/errors.js';
import { parseColumnType } from '../../../src/source/schema-reader.js';

const base = { unsigned: false, length: null, scale: null, fsp: null, members: null };

describe('parseColumnType', () => {
  it.each([
    ['int(11) unsigned zerofill', { ...base, kind: 'int', unsigned: true }],
    ['INT(11) UNSIGNED', { ...base, kind: 'int', unsigned: true }],
    ['int', { ...base, kind: 'int' }],
    ['integer signed', { ...base, kind: 'int' }],
    ['bigint unsigned', { ...base, kind: 'bigint', unsigned: true }],
    ['bigint(20)', { ...base, kind: 'bigint' }],
    ['serial', { ...base, kind: 'bigint', unsigned: true }],
    ['tinyint(1)', { ...base, kind: 'tinyint' }],
    ['bool', { ...base, kind: 'tinyint' }],
    ['boolean', { ...base, kind: 'tinyint' }],
    ['smallint(5) unsigned', { ...base, kind: 'smallint', unsigned: true }],
    ['mediumint', { ...base, kind: 'mediumint' }],
    ['middleint', { ...base, kind: 'mediumint' }],
    ['decimal(65,30)', { ...base, kind: 'decimal', length: 65, scale: 30 }],
    ['decimal(10,2) unsigned', { ...base, kind: 'decimal', length: 10, scale: 2, unsigned: true }],
    ['decimal', { ...base, kind: 'decimal', length: 10, scale: 0 }],
    ['numeric(5)', { ...base, kind: 'decimal', length: 5, scale: 0 }],
    ['dec(7, 3)', { ...base, kind: 'decimal', length: 7, scale: 3 }],
    ['fixed(4,1)', { ...base, kind: 'decimal', length: 4, scale: 1 }],
    ['float', { ...base, kind: 'float' }],
    ['float(7,3)', { ...base, kind: 'float', length: 7, scale: 3 }],
    ['float(24)', { ...base, kind: 'float' }],
    ['float(25)', { ...base, kind: 'double' }],
    ['double', { ...base, kind: 'double' }],
    ['double precision', { ...base, kind: 'double' }],
    ['DOUBLE PRECISION(10,2) UNSIGNED', { ...base, kind: 'double', length: 10, scale: 2, unsigned: true }],
    ['real', { ...base, kind: 'double' }],
    ['bit', { ...base, kind: 'bit', length: 1 }],
    ['bit(64)', { ...base, kind: 'bit', length: 64 }],
    ['year(4)', { ...base, kind: 'year' }],
    ['year', { ...base, kind: 'year' }],
    ['date', { ...base, kind: 'date' }],
    ['time', { ...base, kind: 'time', fsp: 0 }],
    ['time(6)', { ...base, kind: 'time', fsp: 6 }],
    ['datetime(6)', { ...base, kind: 'datetime', fsp: 6 }],
    ['datetime', { ...base, kind: 'datetime', fsp: 0 }],
    ['timestamp(3)', { ...base, kind: 'timestamp', fsp: 3 }],
    ['char', { ...base, kind: 'char', length: 1 }],
    ['char(10) binary', { ...base, kind: 'char', length: 10 }],
    ['character(3)', { ...base, kind: 'char', length: 3 }],
    ['national char(3)', { ...base, kind: 'char', length: 3 }],
    ['nchar(2)', { ...base, kind: 'char', length: 2 }],
    ['varchar(20)', { ...base, kind: 'varchar', length: 20 }],
    ['varchar(20) CHARACTER SET latin1 COLLATE latin1_bin', { ...base, kind: 'varchar', length: 20 }],
    ['character varying(9)', { ...base, kind: 'varchar', length: 9 }],
    ['national varchar(10)', { ...base, kind: 'varchar', length: 10 }],
    ['nvarchar(4)', { ...base, kind: 'varchar', length: 4 }],
    ['text', { ...base, kind: 'text' }],
    ['longtext', { ...base, kind: 'text' }],
    ['long varchar', { ...base, kind: 'text' }],
    ['binary', { ...base, kind: 'binary', length: 1 }],
    ['binary(16)', { ...base, kind: 'binary', length: 16 }],
    ['varbinary(255)', { ...base, kind: 'varbinary', length: 255 }],
    ['mediumblob', { ...base, kind: 'blob' }],
    ['long varbinary', { ...base, kind: 'blob' }],
    ['json', { ...base, kind: 'json' }],
    ['geometry', { ...base, kind: 'geometry' }],
    ['point', { ...base, kind: 'geometry' }],
    ['multipolygon', { ...base, kind: 'geometry' }],
    ['geomcollection', { ...base, kind: 'geometry' }],
  ])('%s', (text, expected) => {
    expect(parseColumnType(text)).toEqual(expected);
  });

  it('ENUM and SET members with doubled and backslash-escaped quotes, commas and parentheses', () => {
    expect(parseColumnType("enum('a','b''c')")).toEqual({ ...base, kind: 'enum', members: ['a', "b'c"] });
    expect(parseColumnType("ENUM('x,y', 'p(q)', 'it\\'s', '')")).toEqual({
      ...base,
      kind: 'enum',
      members: ['x,y', 'p(q)', "it's", ''],
    });
    expect(parseColumnType("set('r','w','x') character set utf8mb4")).toEqual({
      ...base,
      kind: 'set',
      members: ['r', 'w', 'x'],
    });
    expect(parseColumnType('enum("a","b""c")').members).toEqual(['a', 'b"c']);
    expect(parseColumnType("enum('😀','é')").members).toEqual(['😀', 'é']);
  });

  it('rejects types binlake cannot copy with BLK_S1005', () => {
    for (const text of ['inet6', 'uuid', 'vector(3)', 'datetime(7)', "enum('a", 'varchar(x)', '']) {
      const error = (() => {
        try {
          parseColumnType(text);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(isBinlakeError(error, 'BLK_S1005'), text).toBe(true);
    }
  });
});
