import { describe, expect, it } from 'vitest';
import { redactSecret } from '../../../src/source/connection.js';
import { parseServerVersion, supportLevel, versionAtLeast } from '../../../src/source/flavor.js';
import { formatFindings } from '../../../src/source/precheck/format.js';

describe('server flavor', () => {
  it('parses MySQL and MariaDB version strings', () => {
    expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1-log')).toMatchObject({
      flavor: 'mariadb',
      major: 10,
      minor: 11,
      patch: 19,
    });
    expect(parseServerVersion('5.5.5-10.6.12-MariaDB')).toMatchObject({
      flavor: 'mariadb',
      major: 10,
      minor: 6,
      patch: 12,
    });
    expect(parseServerVersion('8.0.36', 'MySQL Community Server - GPL')).toMatchObject({
      flavor: 'mysql',
      major: 8,
      minor: 0,
      patch: 36,
    });
    expect(parseServerVersion('11.4.2-MariaDB')).toMatchObject({ flavor: 'mariadb', major: 11 });
  });

  it('knows what is supported', () => {
    expect(supportLevel(parseServerVersion('5.7.44'))).toBe('supported');
    expect(supportLevel(parseServerVersion('8.4.0'))).toBe('supported');
    expect(supportLevel(parseServerVersion('5.6.51'))).toBe('unsupported');
    expect(supportLevel(parseServerVersion('9.1.0'))).toBe('untested');
    expect(supportLevel(parseServerVersion('10.3.39-MariaDB'))).toBe('supported');
    expect(supportLevel(parseServerVersion('5.5.68-MariaDB'))).toBe('unsupported');
    expect(versionAtLeast(parseServerVersion('10.5.2-MariaDB'), 10, 5, 2)).toBe(true);
    expect(versionAtLeast(parseServerVersion('10.5.1-MariaDB'), 10, 5, 2)).toBe(false);
    expect(versionAtLeast(parseServerVersion('8.2.0'), 8, 2)).toBe(true);
  });

  it('redacts the password and formats findings as a table', () => {
    expect(redactSecret("denied for 'u' using hunter22", 'hunter22')).toBe("denied for 'u' using ***");
    const text = formatFindings([
      {
        item: 'binlog.format',
        result: 'fail',
        found: 'binlog_format=STATEMENT',
        remedy: "SET GLOBAL binlog_format='ROW'",
      },
      { item: 'server.version', result: 'pass', found: 'MariaDB 10.11.19', remedy: '' },
    ]);
    expect(text).toContain('binlog.format   FAIL    binlog_format=STATEMENT');
    expect(text).toContain("→ SET GLOBAL binlog_format='ROW'");
    expect(text).toContain('1 passed, 0 warning(s), 1 failed');
    expect(text).not.toContain('not checked');
  });

  it('reads items that could not run as SKIP and counts them apart from failures', () => {
    const text = formatFindings([
      {
        item: 'source.connectivity',
        result: 'fail',
        found: 'nothing accepts connections on db:3306',
        remedy: 'start the server or fix source.host/port',
      },
      {
        item: 'binlog.format',
        result: 'fail',
        found: 'not checked: no connection',
        remedy: '',
        notChecked: true,
      },
      {
        item: 'binlog.row_image',
        result: 'fail',
        found: 'not checked: no connection',
        remedy: '',
        notChecked: true,
      },
    ]);
    expect(text).toMatch(/binlog\.format\s+SKIP\s+not checked: no connection/);
    expect(text).toMatch(/source\.connectivity\s+FAIL\s+nothing accepts/);
    expect(text).toContain(
      '0 passed, 0 warning(s), 1 failed, 2 not checked (they need the failed items fixed first)',
    );
  });
});
