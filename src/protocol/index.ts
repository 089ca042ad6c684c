/** The replication connection: mysql2 for the handshake, our own replication commands and framing. */
export {
  BINLOG_DUMP_NON_BLOCK,
  binlogDumpGtidPacket,
  binlogDumpPacket,
  encodeMysqlGtidSet,
  isMariadbGtidPosition,
  registerSlavePacket,
} from './commands.js';
export { connectError, missingStartFile, replicationServerError } from './errors.js';
export { PacketFramer } from './packet-framer.js';
export {
  openReplicationStream,
  type ReplicationStart,
  type ReplicationStream,
  type ReplicationStreamOptions,
} from './replication-stream.js';
export { binlogFiles, type Flavor, firstBinlogFile, type SessionTarget, type TlsOption } from './session.js';
