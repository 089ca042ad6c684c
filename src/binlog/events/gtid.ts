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
  readonly type: 'gtid' | 'anonymous_gtid';
  constructor(
    header: MysqlGtidEvent['header'],
    file: string,
    position: number,
    anonymous: boolean,
    /** Bit 0: the transaction may commit in parallel with the previous one ("commit flag"). */
    readonly flags: number,
    readonly sid: string,
    readonly gno: bigint,
    readonly lastCommitted: bigint | null,
    readonly sequenceNumber: bigint | null,
    /** Microseconds since the epoch. */
    readonly immediateCommitTimestamp: bigint | null,
    readonly originalCommitTimestamp: bigint | null,
    readonly transactionLength: bigint | null,
    readonly immediateServerVersion: number | null,
    readonly originalServerVersion: number | null,
  ) {
    super(header, file, position);
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
 */
export class PreviousGtidsEvent extends BaseEvent {
  readonly type = 'previous_gtids' as const;
  constructor(
    header: PreviousGtidsEvent['header'],
    file: string,
    position: number,
    readonly sets: { sid: string; intervals: GtidInterval[] }[],
  ) {
    super(header, file, position);
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
    return { gtidSet: this.gtidSet };
  }
}

export const decodePreviousGtids: BodyDecoder = (r, ctx) => {
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
  readonly type = 'mariadb_gtid' as const;
  constructor(
    header: MariadbGtidEvent['header'],
    file: string,
    position: number,
    readonly seqNo: bigint,
    readonly domainId: number,
    readonly flags: number,
    readonly commitId: bigint | null,
    readonly xid: { formatId: number; gtrid: Uint8Array; bqual: Uint8Array } | null,
  ) {
    super(header, file, position);
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
  readonly type = 'mariadb_gtid_list' as const;
  constructor(
    header: MariadbGtidListEvent['header'],
    file: string,
    position: number,
    readonly flags: number,
    readonly gtids: MariadbGtid[],
  ) {
    super(header, file, position);
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
