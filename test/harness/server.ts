import { inject } from 'vitest';
import { SqlServer } from '../../src/sandbox/sql-server.js';

export { MariadbSandbox } from '../../src/sandbox/mariadb-sandbox.js';
export { SqlServer } from '../../src/sandbox/sql-server.js';

/** The server started by global-setup (or BINLAKE_TEST_MYSQL_URI). Share it; make your own databases. */
export function sharedServer(): SqlServer {
  const { host, port, user, password } = inject('mysql');
  if (!port) throw new Error('no test server: this run was started for unit tests only');
  return new SqlServer({ host, port, user, password });
}
