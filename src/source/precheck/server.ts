import type { Config } from '../../config/config.js';
import type { Finding } from '../../core/finding.js';
import type { SourceConnection } from '../connection.js';
import { flavorText, supportLevel, versionAtLeast } from '../flavor.js';

/**
 * Precheck items about the server and its binlog settings: `server.version`, `binlog.log_bin`,
 * `binlog.format`, `binlog.row_image`, `binlog.row_metadata`, `binlog.row_value_options`,
 * `server.server_id`, `binlog.retention`, `binlog.log_slave_updates`,
 * `binlog.transaction_compression`, `binlog.gtid`. Reads `SHOW GLOBAL VARIABLES`, which needs no
 * privilege; a variable the server does not have is treated as "not applicable".
 */
const VARIABLES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'binlog_row_value_options',
  'server_id',
  'binlog_expire_logs_seconds',
  'binlog_expire_logs_auto_purge',
  'expire_logs_days',
  'log_slave_updates',
  'log_replica_updates',
  'binlog_transaction_compression',
  'gtid_mode',
  'gtid_binlog_pos',
  'gtid_strict_mode',
];

export type ServerVariables = Record<string, string>;

export async function readServerVariables(conn: SourceConnection): Promise<ServerVariables> {
  const rows = await conn.query<{ Variable_name: string; Value: string | null }>(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
    VARIABLES,
  );
  return Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value ?? '')]));
}

const ON = new Set(['ON', '1', 'YES', 'TRUE']);
const pass = (item: string, found: string): Finding => ({ item, result: 'pass', found, remedy: '' });

function days(seconds: number): string {
  const d = seconds / 86400;
  return d >= 1 ? `${Number(d.toFixed(2))} days` : `${Number((seconds / 3600).toFixed(2))} hours`;
}

/** Whether the source is itself a replica: null when it cannot tell (no privilege to look). */
async function isReplica(conn: SourceConnection): Promise<boolean | null> {
  for (const sql of ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS']) {
    try {
      return (await conn.query(sql)).length > 0;
    } catch {}
  }
  // Without REPLICA MONITOR / REPLICATION CLIENT: MariaDB counts running replica connections in a
  // status variable anyone may read.
  if (conn.flavor.flavor === 'mariadb') {
    try {
      const [row] = await conn.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Slaves_running'");
      if (row) return Number(row.Value) > 0;
    } catch {}
  }
  return null;
}

export async function serverFindings(conn: SourceConnection, config: Config): Promise<Finding[]> {
  const f = conn.flavor;
  const findings: Finding[] = [];
  const level = supportLevel(f);
  findings.push(
    level === 'supported'
      ? pass('server.version', `${flavorText(f)} (${f.version}): supported`)
      : level === 'untested'
        ? {
            item: 'server.version',
            result: 'warn',
            found: `${flavorText(f)} is newer than the versions binlake is tested with (MySQL 5.7/8.x, MariaDB 10.x/11.x)`,
            remedy: 'run a test sync first; report problems with the server version',
          }
        : {
            item: 'server.version',
            result: 'fail',
            found: `${flavorText(f)} is not supported (MySQL 5.7/8.x, MariaDB 10.x/11.x are)`,
            remedy: 'upgrade the source server',
          },
  );

  const v = await readServerVariables(conn);
  const logBinOn = ON.has((v.log_bin ?? '').toUpperCase());
  findings.push(
    logBinOn
      ? pass('binlog.log_bin', 'log_bin=ON')
      : {
          item: 'binlog.log_bin',
          result: 'fail',
          found: 'log_bin=OFF: the server writes no binlog, so no change can be captured',
          remedy:
            'add log-bin=mysql-bin, binlog_format=ROW and server-id=1 under [mysqld] in my.cnf and restart the server',
        },
  );

  const format = (v.binlog_format ?? '').toUpperCase();
  findings.push(
    format === 'ROW'
      ? pass('binlog.format', 'binlog_format=ROW')
      : {
          item: 'binlog.format',
          result: 'fail',
          found: `binlog_format=${format || '(unknown)'}: binlake needs row events`,
          remedy:
            "SET GLOBAL binlog_format='ROW' and binlog_format=ROW in my.cnf; sessions already open keep the old format until they reconnect",
        },
  );

  if (v.binlog_row_image !== undefined) {
    const image = v.binlog_row_image.toUpperCase();
    findings.push(
      image === 'FULL'
        ? pass('binlog.row_image', 'binlog_row_image=FULL')
        : {
            item: 'binlog.row_image',
            result: 'fail',
            found: `binlog_row_image=${image}: row events would miss unchanged columns`,
            remedy: "SET GLOBAL binlog_row_image='FULL' and binlog_row_image=FULL in my.cnf",
          },
    );
  } else {
    findings.push(pass('binlog.row_image', 'the server always logs full row images'));
  }

  if (v.binlog_row_metadata !== undefined) {
    const metadata = v.binlog_row_metadata.toUpperCase();
    findings.push(
      metadata === 'FULL'
        ? pass(
            'binlog.row_metadata',
            'binlog_row_metadata=FULL: column names and keys come with every row event',
          )
        : {
            item: 'binlog.row_metadata',
            result: 'warn',
            found: `binlog_row_metadata=${metadata}: binlake falls back to information_schema and DDL tracking`,
            remedy: "SET GLOBAL binlog_row_metadata='FULL' and binlog_row_metadata=FULL in my.cnf",
          },
    );
  } else {
    findings.push(
      pass(
        'binlog.row_metadata',
        `${flavorText(f)} has no binlog_row_metadata; binlake reads information_schema and tracks DDL`,
      ),
    );
  }

  if (v.binlog_row_value_options !== undefined && /PARTIAL_JSON/i.test(v.binlog_row_value_options)) {
    findings.push({
      item: 'binlog.row_value_options',
      result: 'fail',
      found: 'binlog_row_value_options=PARTIAL_JSON: JSON updates are logged as diffs, not values',
      remedy: "SET GLOBAL binlog_row_value_options='' and remove it from my.cnf",
    });
  }

  const serverId = Number(v.server_id ?? 0);
  findings.push(
    serverId === 0
      ? {
          item: 'server.server_id',
          result: 'fail',
          found: 'server_id=0: the server refuses replicas',
          remedy:
            'set server-id to a unique non-zero number in my.cnf and restart (SET GLOBAL server_id works until the restart)',
        }
      : serverId === config.source.serverId
        ? {
            item: 'server.server_id',
            result: 'fail',
            found: `server_id=${serverId} is the same as source.serverId, which binlake registers with`,
            remedy: 'set source.serverId in the config to a number no server in the topology uses',
          }
        : pass('server.server_id', `server_id=${serverId}, binlake registers as ${config.source.serverId}`),
  );

  const seconds = Number(v.binlog_expire_logs_seconds ?? 0);
  const expireDays = Number(v.expire_logs_days ?? 0);
  const retention = seconds > 0 ? seconds : expireDays * 86400;
  const autoPurgeOff =
    v.binlog_expire_logs_auto_purge !== undefined && !ON.has(v.binlog_expire_logs_auto_purge.toUpperCase());
  if (retention === 0 || autoPurgeOff) {
    findings.push(pass('binlog.retention', 'binlogs never expire automatically'));
  } else if (retention < 3 * 86400) {
    findings.push({
      item: 'binlog.retention',
      result: 'warn',
      found: `binlogs expire after ${days(retention)}: a sync stopped longer than that must run the full sync again`,
      remedy:
        f.flavor === 'mysql' || versionAtLeast(f, 10, 6)
          ? 'SET GLOBAL binlog_expire_logs_seconds=604800 (7 days) and the same in my.cnf'
          : 'SET GLOBAL expire_logs_days=7 and the same in my.cnf',
    });
  } else {
    findings.push(pass('binlog.retention', `binlogs expire after ${days(retention)}`));
  }

  const slaveUpdates = v.log_replica_updates ?? v.log_slave_updates;
  if (slaveUpdates !== undefined) {
    const on = ON.has(slaveUpdates.toUpperCase());
    const replica = await isReplica(conn);
    const name = v.log_replica_updates !== undefined ? 'log_replica_updates' : 'log_slave_updates';
    if (on) findings.push(pass('binlog.log_slave_updates', `${name}=ON`));
    else if (replica === false)
      findings.push(pass('binlog.log_slave_updates', 'the source is not a replica'));
    else {
      findings.push({
        item: 'binlog.log_slave_updates',
        result: replica ? 'fail' : 'warn',
        found: replica
          ? `the source is a replica with ${name}=OFF: changes it replicates are not in its binlog`
          : `${name}=OFF and binlake could not tell whether the source is a replica (no privilege for SHOW REPLICA STATUS)`,
        remedy: `set ${name}=ON in my.cnf and restart the server (only matters when it is a replica)`,
      });
    }
  }

  if (v.binlog_transaction_compression !== undefined) {
    const on = ON.has(v.binlog_transaction_compression.toUpperCase());
    findings.push(
      pass(
        'binlog.transaction_compression',
        `binlog_transaction_compression=${on ? 'ON' : 'OFF'}: compressed transaction payloads are supported`,
      ),
    );
  }

  if (f.flavor === 'mysql') {
    findings.push(
      pass(
        'binlog.gtid',
        `gtid_mode=${v.gtid_mode ?? 'OFF'} (informational: binlake resumes from file and position)`,
      ),
    );
  } else {
    findings.push(
      pass(
        'binlog.gtid',
        `gtid_binlog_pos=${v.gtid_binlog_pos || '(empty)'}, gtid_strict_mode=${v.gtid_strict_mode ?? 'OFF'} (informational)`,
      ),
    );
  }
  return findings;
}
