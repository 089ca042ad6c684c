import { BinlakeError } from '../../core/errors.js';
import { charsetOfCollation } from '../cells/charset.js';
import { inflateMariadb } from '../compression.js';
import { EventType } from '../event-type.js';
import { postHeaderLength } from '../format.js';
import type { PacketReader } from '../packet-reader.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/** The status variables binlake reads (MySQL `Q_*_CODE`, MariaDB `Q_HRNOW`, `Q_XID`). */
export interface QueryStatus {
  flags2?: number;
  sqlMode?: bigint;
  catalog?: string;
  autoIncrement?: { increment: number; offset: number };
  /** character_set_client, collation_connection, collation_server (collation ids). */
  charset?: { client: number; connection: number; server: number };
  timeZone?: string;
  lcTimeNames?: number;
  charsetDatabase?: number;
  tableMapForUpdate?: bigint;
  invoker?: { user: string; host: string };
  updatedDatabases?: string[];
  microseconds?: number;
  explicitDefaultsForTimestamp?: boolean;
  ddlXid?: bigint;
  defaultCollationForUtf8mb4?: number;
  sqlRequirePrimaryKey?: number;
  defaultTableEncryption?: number;
  /** MariaDB: high-resolution statement time (microseconds part). */
  hrnow?: number;
  /** MariaDB: the XID of a DDL logged with one. */
  xid?: bigint;
  gtidFlags3?: number;
  /** Set when parsing stopped at a code binlake does not know (its length is unknowable). */
  unknownCode?: number;
}

/**
 * QUERY (2) and MariaDB QUERY_COMPRESSED (165): thread_id(4) exec_time(4) db_len(1)
 * error_code(2) status_vars_len(2), status variables, db NUL, SQL text. In the compressed form
 * the SQL text is MariaDB's compressed record (see compression.ts).
 */
export class QueryEvent extends BaseEvent {
  get type(): 'query' {
    return 'query';
  }
  declare readonly threadId: number;
  declare readonly executionTime: number;
  declare readonly errorCode: number;
  declare readonly database: string;
  declare readonly sql: string;
  declare readonly status: QueryStatus;
  declare readonly compressed: boolean;

  constructor(
    header: QueryEvent['header'],
    file: string,
    position: number,
    threadId: number,
    executionTime: number,
    errorCode: number,
    /** The default database (`USE db`) when the statement ran; '' when none. */
    database: string,
    sql: string,
    status: QueryStatus,
    compressed: boolean,
  ) {
    super(header, file, position);
    this.threadId = threadId;
    this.executionTime = executionTime;
    this.errorCode = errorCode;
    this.database = database;
    this.sql = sql;
    this.status = status;
    this.compressed = compressed;
  }

  /** character_set_client as a charset name, when the status variables say. */
  get charset(): string | null {
    return this.status.charset ? charsetOfCollation(this.status.charset.client) : null;
  }

  protected body() {
    return {
      database: this.database,
      sql: this.sql,
      threadId: this.threadId,
      executionTime: this.executionTime,
      errorCode: this.errorCode,
      charset: this.charset,
      compressed: this.compressed || undefined,
      status: this.status,
    };
  }
}

function shortString(r: PacketReader): string {
  return r.str(r.u8());
}

export function readQueryStatus(r: PacketReader): QueryStatus {
  const s: QueryStatus = {};
  while (r.remaining > 0) {
    const code = r.u8();
    switch (code) {
      case 0:
        s.flags2 = r.u32();
        break;
      case 1:
        s.sqlMode = r.u64n(8);
        break;
      case 2:
        s.catalog = shortString(r);
        r.skip(1);
        break;
      case 3:
        s.autoIncrement = { increment: r.u16(), offset: r.u16() };
        break;
      case 4:
        s.charset = { client: r.u16(), connection: r.u16(), server: r.u16() };
        break;
      case 5:
        s.timeZone = shortString(r);
        break;
      case 6:
        s.catalog = shortString(r);
        break;
      case 7:
        s.lcTimeNames = r.u16();
        break;
      case 8:
        s.charsetDatabase = r.u16();
        break;
      case 9:
        s.tableMapForUpdate = r.u64n(8);
        break;
      case 10:
        r.skip(4); // Q_MASTER_DATA_WRITTEN_CODE
        break;
      case 11:
        s.invoker = { user: shortString(r), host: shortString(r) };
        break;
      case 12: {
        const count = r.u8();
        s.updatedDatabases = [];
        if (count !== 254) for (let i = 0; i < count; i++) s.updatedDatabases.push(r.cstr());
        break;
      }
      case 13:
        s.microseconds = r.u24();
        break;
      case 16:
        s.explicitDefaultsForTimestamp = r.u8() !== 0;
        break;
      case 17:
        s.ddlXid = r.u64n(8);
        break;
      case 18:
        s.defaultCollationForUtf8mb4 = r.u16();
        break;
      case 19:
        s.sqlRequirePrimaryKey = r.u8();
        break;
      case 20:
        s.defaultTableEncryption = r.u8();
        break;
      case 128:
        s.hrnow = r.u24();
        break;
      case 129:
        s.xid = r.u64n(8);
        break;
      case 130:
        s.gtidFlags3 = r.u8();
        break;
      default:
        s.unknownCode = code;
        r.pos = r.end;
    }
  }
  return s;
}

export const decodeQuery: BodyDecoder = (r, ctx) => {
  const compressed = ctx.header.typeCode === EventType.QUERY_COMPRESSED;
  const postHeader = postHeaderLength(ctx.format, ctx.header.typeCode);
  const start = r.pos;
  const threadId = r.u32();
  const executionTime = r.u32();
  const dbLength = r.u8();
  const errorCode = r.u16();
  const statusLength = postHeader >= 13 ? r.u16() : 0;
  r.pos = start;
  r.skip(postHeader);
  const status = readQueryStatus(r.sub(statusLength));
  const database = r.str(dbLength);
  if (r.u8() !== 0) {
    throw new BinlakeError('BLK_B2003', 'QUERY database name is not NUL-terminated', {
      details: { offset: r.pos - 1 },
    });
  }
  const sql = compressed ? inflateMariadb(r.rest()).toString('utf8') : r.str(r.remaining);
  return new QueryEvent(
    ctx.header,
    ctx.file,
    ctx.position,
    threadId,
    executionTime,
    errorCode,
    database,
    sql,
    status,
    compressed,
  );
};
