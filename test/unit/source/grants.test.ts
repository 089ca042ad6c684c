import { describe, expect, it } from 'vitest';
import {
  databasePattern,
  hasGlobalPrivilege,
  hasTablePrivilege,
  parseGrantLine,
  parseGrants,
} from '../../../src/source/precheck/grants.js';

describe('SHOW GRANTS parsing', () => {
  it('reads privileges, scopes, column grants and roles of MariaDB and MySQL lines', () => {
    expect(
      parseGrantLine(
        "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `binlake`@`%` IDENTIFIED BY PASSWORD '*ABCDEF'",
      ),
    ).toEqual({
      privileges: ['SELECT', 'REPLICATION SLAVE', 'BINLOG MONITOR'],
      columnPrivileges: [],
      database: '*',
      table: '*',
    });
    expect(parseGrantLine('GRANT ALL PRIVILEGES ON `shop`.* TO `u`@`localhost` WITH GRANT OPTION')).toEqual({
      privileges: ['ALL PRIVILEGES'],
      columnPrivileges: [],
      database: 'shop',
      table: '*',
    });
    expect(parseGrantLine('GRANT SELECT (`a`, `b`), INSERT ON `shop`.`orders` TO `u`@`%`')).toEqual({
      privileges: ['INSERT'],
      columnPrivileges: ['SELECT'],
      database: 'shop',
      table: 'orders',
    });
    expect(parseGrantLine("GRANT SELECT ON 'weird''db'.`t``x` TO 'u'@'%'")).toMatchObject({
      database: "weird'db",
      table: 't`x',
    });
    expect(parseGrantLine('GRANT `reader` TO `u`@`127.0.0.1`')).toEqual({ roles: ['`reader`'] });
    expect(parseGrantLine('GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`')).toEqual({ roles: ['`r1`@`%`', '`r2`@`%`'] });
    expect(parseGrantLine("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION")).toBeNull();
    expect(parseGrantLine('GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`')).toBeNull();
    expect(parseGrantLine('REVOKE SELECT ON `mysql`.* FROM `u`@`%`')).toBeNull();
    expect(parseGrantLine('GRANT USAGE ON *.* TO `u`@`%`')).toMatchObject({ privileges: ['USAGE'] });
  });

  it('decides SELECT per table through *.*, db.*, wildcard databases and table grants; column grants do not count', () => {
    const { grants } = parseGrants([
      'GRANT USAGE ON *.* TO `u`@`%`',
      'GRANT SELECT ON `shop\\_%`.* TO `u`@`%`',
      'GRANT SELECT ON `crm`.`account` TO `u`@`%`',
      'GRANT SELECT (`id`) ON `crm`.`secret` TO `u`@`%`',
      'GRANT ALL ON `hr`.* TO `u`@`%`',
    ]);
    expect(hasTablePrivilege(grants, 'SELECT', 'shop_eu', 'orders')).toBe(true);
    expect(hasTablePrivilege(grants, 'SELECT', 'shopxeu', 'orders')).toBe(false);
    expect(hasTablePrivilege(grants, 'SELECT', 'crm', 'account')).toBe(true);
    expect(hasTablePrivilege(grants, 'SELECT', 'crm', 'secret')).toBe(false);
    expect(hasTablePrivilege(grants, 'SELECT', 'crm', 'other')).toBe(false);
    expect(hasTablePrivilege(grants, 'SELECT', 'hr', 'people')).toBe(true);
    expect(hasGlobalPrivilege(grants, 'REPLICATION SLAVE')).toBe(false);
    const global = parseGrants(['GRANT SELECT, REPLICATION CLIENT ON *.* TO `u`@`%`']).grants;
    expect(hasTablePrivilege(global, 'SELECT', 'any', 'thing')).toBe(true);
    expect(hasGlobalPrivilege(global, 'REPLICATION CLIENT', 'BINLOG MONITOR')).toBe(true);
    expect(
      hasGlobalPrivilege(
        parseGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`%`']).grants,
        'REPLICATION SLAVE',
      ),
    ).toBe(true);
  });

  it('database patterns: _ and % are wildcards unless escaped', () => {
    expect(databasePattern('db_1').test('dbx1')).toBe(true);
    expect(databasePattern('db\\_1').test('dbx1')).toBe(false);
    expect(databasePattern('db\\_1').test('db_1')).toBe(true);
    expect(databasePattern('a%').test('abc')).toBe(true);
    expect(databasePattern('a.b').test('axb')).toBe(false);
  });
});
