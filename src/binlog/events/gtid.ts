import type { PacketReader } from '../packet-reader.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

function uuid(r: PacketReader): string {
  const h = r.bytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * MySQL GTID (33) and ANONYMOUS_GTID (34), `Gtid_event` in binlog_event.h:
 * flags(1) sid(16) gno(8) [lt_type(1)=2 last_committed(8) sequence_number(8)]
 * [immediate_commit_timestamp(7, top bit: original follows) original_commit_timestamp(7)]
 * [transaction_length(packed)] [immediate_server_version(4, top bit: original follows) original(4)].
 * Each optional group is present when bytes remain (older servers write fewer).
 */
export class MysqlGtidEvent extends BaseEvent {
  declare readonly type: 'gtid' | 'anonymous_gtid';
  declare readonly flags: number;
  declare readonly sid: string;
  declare readonly gno: bigint;
  declare readonly lastCommitted: bigint | null;
  declare readonly sequenceNumber: bigint | null;
  declare readonly immediateCommitTimestamp: bigint | null;
  declare readonly originalCommitTimestamp: bigint | null;
  declare readonly transactionLength: bigint | null;
  declare readonly immediateServerVersion: number | null;
  declare readonly originalServerVersion: number | null;

  constructor(
    header: MysqlGtidEvent['header'],
    file: string,
    position: number,
    anonymous: boolean,
    /** Bit 0: the transaction may commit in parallel with the previous one ("commit flag"). */
    flags: number,
    sid: string,
    gno: bigint,
    lastCommitted: bigint | null,
    sequenceNumber: bigint | null,
    /** Microseconds since the epoch. */
    immediateCommitTimestamp: bigint | null,
    originalCommitTimestamp: bigint | null,
    transactionLength: bigint | null,
    immediateServerVersion: number | null,
    originalServerVersion: number | null,
  ) {
    super(header, file, position);
    this.flags = flags;
    this.sid = sid;
    this.gno = gno;
    this.lastCommitted = lastCommitted;
    this.sequenceNumber = sequenceNumber;
    this.immediateCommitTimestamp = immediateCommitTimestamp;
    this.originalCommitTimestamp = originalCommitTimestamp;
    this.transactionLength = transactionLength;
    this.immediateServerVersion = immediateServerVersion;
    this.originalServerVersion = originalServerVersion;
    this.type = anonymous ? 'anonymous_gtid' : 'gtid';
  }

  /** `uuid:gno`, or null for an anonymous transaction. */
  get gtid(): string | null {
    return this.type === 'anonymous_gtid' ? null : `${this.sid}:${this.gno}`;
  }

  protected body() {
    return {
      gtid: this.gtid,
      flags: this.flags,
      lastCommitted: this.lastCommitted,
      sequenceNumber: this.sequenceNumber,
      immediateCommitTimestamp: this.immediateCommitTimestamp,
      originalCommitTimestamp: this.originalCommitTimestamp,
      transactionLength: this.transactionLength,
      immediateServerVersion: this.immediateServerVersion,
      originalServerVersion: this.originalServerVersion,
    };
  }
}

const TOP_BIT_56 = 1n << 55n;

export const decodeMysqlGtid: BodyDecoder = (r, ctx) => {
  const flags = r.u8();
  const sid = uuid(r);
  const gno = r.i64n();
  let lastCommitted: bigint | null = null;
  let sequenceNumber: bigint | null = null;
  let immediate: bigint | null = null;
  let original: bigint | null = null;
  let transactionLength: bigint | null = null;
  let immediateVersion: number | null = null;
  let originalVersion: number | null = null;
  if (r.remaining >= 17 && r.buf[r.pos] === 2) {
    r.skip(1);
    lastCommitted = r.i64n();
    sequenceNumber = r.i64n();
  }
  if (r.remaining >= 7) {
    immediate = r.u64n(7);
    if (immediate & TOP_BIT_56) {
      immediate &= TOP_BIT_56 - 1n;
      original = r.u64n(7);
    } else {
      original = immediate;
    }
  }
  if (r.remaining >= 1) transactionLength = r.packedn();
  if (r.remaining >= 4) {
    immediateVersion = r.u32();
    if (immediateVersion & 0x80000000) {
      immediateVersion &= 0x7fffffff;
      originalVersion = r.u32();
    } else {
      originalVersion = immediateVersion;
    }
  }
  return new MysqlGtidEvent(
    ctx.header,
    ctx.file,
    ctx.position,
    ctx.header.typeCode === 34,
    flags,
    sid,
    gno,
    lastCommitted,
    sequenceNumber,
    immediate,
    original,
    transactionLength,
    immediateVersion,
    originalVersion,
  );
};

export interface GtidInterval {
  /** First gno of the interval. */
  start: bigint;
  /** Last gno of the interval (inclusive). */
  end: bigint;
}

/**
 * PREVIOUS_GTIDS (35): n_sids(8) then per sid: uuid(16) n_intervals(8) and intervals of
 * start(8) end(8), `end` exclusive on the wire. `gtidSet` is MySQL's text form.
 *
 * MySQL 8.3+ writes the set in a *tagged* format when it holds tagged GTIDs: the top byte of the
 * first 8 bytes is then 1 instead of 0. binlake does not decode that format yet; the event is
 * kept whole (`tagged`, `encoded`) instead of failing, since capture only needs its position.
 */
export class PreviousGtidsEvent extends BaseEvent {
  get type(): 'previous_gtids' {
    return 'previous_gtids';
  }
  declare readonly sets: { sid: string; intervals: GtidInterval[] }[];
  /** The body as stored when it is in the tagged format (then `sets` is empty), else null. */
  declare readonly encoded: Uint8Array | null;

  constructor(
    header: PreviousGtidsEvent['header'],
    file: string,
    position: number,
    sets: { sid: string; intervals: GtidInterval[] }[],
    encoded: Uint8Array | null = null,
  ) {
    super(header, file, position);
    this.sets = sets;
    this.encoded = encoded;
  }

  get tagged(): boolean {
    return this.encoded !== null;
  }

  get gtidSet(): string {
    return this.sets
      .map((s) =>
        [s.sid, ...s.intervals.map((i) => (i.start === i.end ? `${i.start}` : `${i.start}-${i.end}`))].join(
          ':',
        ),
      )
      .join(',');
  }

  protected body() {
    return this.encoded ? { tagged: true, encoded: this.encoded } : { gtidSet: this.gtidSet };
  }
}

/** The top byte of a PREVIOUS_GTIDS body's first 8 bytes: 0 untagged, 1 tagged (MySQL 8.3+). */
const TAGGED_GTID_SET_FORMAT = 1;

export const decodePreviousGtids: BodyDecoder = (r, ctx) => {
  if (r.remaining >= 8 && r.buf[r.pos + 7] === TAGGED_GTID_SET_FORMAT) {
    return new PreviousGtidsEvent(ctx.header, ctx.file, ctx.position, [], r.copy(r.remaining));
  }
  const count = Number(r.u64n(8));
  if (count * 24 > r.remaining) r.truncated(count * 24);
  const sets: { sid: string; intervals: GtidInterval[] }[] = [];
  for (let i = 0; i < count; i++) {
    const sid = uuid(r);
    const n = Number(r.u64n(8));
    if (n * 16 > r.remaining) r.truncated(n * 16);
    const intervals: GtidInterval[] = [];
    for (let j = 0; j < n; j++) {
      const start = r.i64n();
      const end = r.i64n() - 1n;
      intervals.push({ start, end });
    }
    sets.push({ sid, intervals });
  }
  return new PreviousGtidsEvent(ctx.header, ctx.file, ctx.position, sets);
};

/** MariaDB GTID flags (`Gtid_log_event::FL_*`). */
export const MariadbGtidFlag = {
  STANDALONE: 1,
  GROUP_COMMIT_ID: 2,
  TRANSACTIONAL: 4,
  ALLOW_PARALLEL: 8,
  WAITED: 16,
  DDL: 32,
  PREPARED_XA: 64,
  COMPLETED_XA: 128,
} as const;

/**
 * MariaDB GTID (162), which starts every event group: seq_no(8) domain_id(4) flags2(1), then
 * commit_id(8) when FL_GROUP_COMMIT_ID, or the XID (format_id(4) gtrid_len(1) bqual_len(1)
 * data) when FL_PREPARED_XA/FL_COMPLETED_XA. The server id is the header's. A *standalone*
 * group (DDL or non-transactional statement) has no XID/COMMIT of its own: it ends after its
 * one QUERY.
 */
export class MariadbGtidEvent extends BaseEvent {
  get type(): 'mariadb_gtid' {
    return 'mariadb_gtid';
  }
  declare readonly seqNo: bigint;
  declare readonly domainId: number;
  declare readonly flags: number;
  declare readonly commitId: bigint | null;
  declare readonly xid: { formatId: number; gtrid: Uint8Array; bqual: Uint8Array } | null;

  constructor(
    header: MariadbGtidEvent['header'],
    file: string,
    position: number,
    seqNo: bigint,
    domainId: number,
    flags: number,
    commitId: bigint | null,
    xid: { formatId: number; gtrid: Uint8Array; bqual: Uint8Array } | null,
  ) {
    super(header, file, position);
    this.seqNo = seqNo;
    this.domainId = domainId;
    this.flags = flags;
    this.commitId = commitId;
    this.xid = xid;
  }

  /** `domain-server-seq`, MariaDB's GTID text. */
  get gtid(): string {
    return `${this.domainId}-${this.header.serverId}-${this.seqNo}`;
  }

  get standalone(): boolean {
    return (this.flags & MariadbGtidFlag.STANDALONE) !== 0;
  }

  get ddl(): boolean {
    return (this.flags & MariadbGtidFlag.DDL) !== 0;
  }

  protected body() {
    return {
      gtid: this.gtid,
      domainId: this.domainId,
      seqNo: this.seqNo,
      flags: this.flags,
      standalone: this.standalone,
      commitId: this.commitId,
      xid: this.xid ?? undefined,
    };
  }
}

export const decodeMariadbGtid: BodyDecoder = (r, ctx) => {
  const seqNo = r.u64n(8);
  const domainId = r.u32();
  const flags = r.u8();
  let commitId: bigint | null = null;
  let xid: MariadbGtidEvent['xid'] = null;
  if (flags & MariadbGtidFlag.GROUP_COMMIT_ID) {
    commitId = r.u64n(8);
  } else if (flags & (MariadbGtidFlag.PREPARED_XA | MariadbGtidFlag.COMPLETED_XA)) {
    const formatId = r.i32();
    const gtridLength = r.u8();
    const bqualLength = r.u8();
    xid = { formatId, gtrid: r.copy(gtridLength), bqual: r.copy(bqualLength) };
  }
  return new MariadbGtidEvent(ctx.header, ctx.file, ctx.position, seqNo, domainId, flags, commitId, xid);
};

export interface MariadbGtid {
  domainId: number;
  serverId: number;
  seqNo: bigint;
}

/**
 * GTID_LIST (163, MariaDB), at the start of every binlog file: count(4; low 28 bits the count,
 * high 4 bits flags) then domain_id(4) server_id(4) seq_no(8) per entry — the binlog state
 * before this file.
 */
export class MariadbGtidListEvent extends BaseEvent {
  get type(): 'mariadb_gtid_list' {
    return 'mariadb_gtid_list';
  }
  declare readonly flags: number;
  declare readonly gtids: MariadbGtid[];

  constructor(
    header: MariadbGtidListEvent['header'],
    file: string,
    position: number,
    flags: number,
    gtids: MariadbGtid[],
  ) {
    super(header, file, position);
    this.flags = flags;
    this.gtids = gtids;
  }

  /** `0-1-5,1-1-9`, MariaDB's gtid_binlog_pos text. */
  get gtidPosition(): string {
    return this.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`).join(',');
  }

  protected body() {
    return { gtidPosition: this.gtidPosition, flags: this.flags };
  }
}

export const decodeMariadbGtidList: BodyDecoder = (r, ctx) => {
  const word = r.u32();
  const count = word & 0x0fffffff;
  if (count * 16 > r.remaining) r.truncated(count * 16);
  const gtids: MariadbGtid[] = [];
  for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32(), serverId: r.u32(), seqNo: r.u64n(8) });
  return new MariadbGtidListEvent(ctx.header, ctx.file, ctx.position, word >>> 28, gtids);
};
