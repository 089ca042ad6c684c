import type { Config } from '../../config/config.js';
import { BinlakeError, describeError } from '../../core/errors.js';
import { type Finding, notChecked } from '../../core/finding.js';
import {
  type ConnectFailure,
  openSourceConnection,
  redactSecret,
  type SourceConnection,
} from '../connection.js';
import { flavorText } from '../flavor.js';

/**
 * Precheck items `source.connectivity`, `source.authentication` and (when configured) `source.tls`.
 * Opens the connection the other source items use; when it fails, `unreachable` says why, in
 * words the skipped items repeat.
 */
export interface ConnectivityResult {
  findings: Finding[];
  conn: SourceConnection | null;
  /** Why the other source items could not run; null when connected. */
  unreachable: string | null;
}

export async function connectivityFindings(config: Config): Promise<ConnectivityResult> {
  const source = config.source;
  const where = `${source.host}:${source.port}`;
  const findings: Finding[] = [];
  let conn: SourceConnection;
  try {
    conn = await openSourceConnection(source);
  } catch (error) {
    const reason = (error instanceof BinlakeError ? error.details.reason : 'other') as ConnectFailure;
    const text = redactSecret(describeError(error), source.password);
    const remedy = redactSecret(error instanceof BinlakeError ? (error.remedy ?? '') : '', source.password);
    const found = redactSecret(error instanceof BinlakeError ? error.message : text, source.password);
    if (reason === 'credentials') {
      findings.push({ item: 'source.connectivity', result: 'pass', found: `${where} answers`, remedy: '' });
      findings.push({ item: 'source.authentication', result: 'fail', found, remedy });
      if (source.tls) findings.push(notChecked('source.tls', 'the login failed'));
      return { findings, conn: null, unreachable: `user '${source.user}' cannot log in` };
    }
    if (reason === 'tls') {
      findings.push({ item: 'source.connectivity', result: 'pass', found: `${where} answers`, remedy: '' });
      findings.push({ item: 'source.tls', result: 'fail', found, remedy });
      findings.push(notChecked('source.authentication', 'the TLS handshake failed'));
      return { findings, conn: null, unreachable: 'the TLS handshake failed' };
    }
    findings.push({ item: 'source.connectivity', result: 'fail', found, remedy });
    findings.push(notChecked('source.authentication', `the source is unreachable`));
    if (source.tls) findings.push(notChecked('source.tls', 'the source is unreachable'));
    return { findings, conn: null, unreachable: `the source ${where} is unreachable` };
  }
  findings.push({
    item: 'source.connectivity',
    result: 'pass',
    found: `${where} answers (${flavorText(conn.flavor)})`,
    remedy: '',
  });
  findings.push({
    item: 'source.authentication',
    result: 'pass',
    found: `logged in as '${source.user}'`,
    remedy: '',
  });
  if (source.tls) {
    const rows = await conn.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Ssl_cipher'").catch(() => []);
    const cipher = rows[0]?.Value ?? '';
    findings.push(
      cipher
        ? { item: 'source.tls', result: 'pass', found: `TLS in use (${cipher})`, remedy: '' }
        : {
            item: 'source.tls',
            result: 'fail',
            found: 'source.tls is configured but the session is not encrypted',
            remedy: 'enable TLS on the server (ssl_cert / ssl_key in my.cnf) and restart it',
          },
    );
  }
  return { findings, conn, unreachable: null };
}
