import { BinlakeError } from '../../core/errors.js';
import {
  peekFieldId,
  readMessageHeader,
  readVarInt,
  readVarString,
  readVarUint,
  readVarUintAtMost,
} from '../mysql-serialization.js';
import type { PacketReader } from '../packet-reader.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

function uuid(r: PacketReader): string {
  return uuidText(r.bytes(16));
}

function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * MySQL GTID (33) and ANONYMOUS_GTID (34), `Gtid_event` in binlog_event.h:
 * flags(1) sid(16) gno(8) [lt_type(1)=2 last_committed(8) sequence_number(8)]
 * [immediate_commit_timestamp(7, top bit: original follows) original_commit_timestamp(7)]
 * [transaction_length(packed)] [immediate_server_version(4, top bit: original follows) original(4)].
 * Each optional group is present when bytes remain (older servers write fewer).
 */
/** What a GTID event says, whichever of its two layouts (33/34 or 42) carried it. */
export interface MysqlGtidFields {
  anonymous: boolean;
  /** Bit 0: the transaction may contain statement-based changes (`FLAG_MAY_HAVE_SBR`; 5.6's commit flag). */
  flags: number;
  sid: string;
  gno: bigint;
  /** The GTID's tag (MySQL 8.3+ GTID_TAGGED_LOG_EVENT), or null for an untagged GTID. */
  tag: string | null;
  lastCommitted: bigint | null;
  sequenceNumber: bigint | null;
  /** Microseconds since the epoch. */
  immediateCommitTimestamp: bigint | null;
  originalCommitTimestamp: bigint | null;
  transactionLength: bigint | null;
  immediateServerVersion: number | null;
  originalServerVersion: number | null;
  /** MySQL group replication's commit ticket (tagged events only; 0 when unset). */
  commitGroupTicket: bigint | null;
}

export class MysqlGtidEvent extends BaseEvent {
  declare readonly type: 'gtid' | 'anonymous_gtid';
  declare readonly flags: number;
  declare readonly sid: string;
  declare readonly gno: bigint;
  declare readonly tag: string | null;
  declare readonly lastCommitted: bigint | null;
  declare readonly sequenceNumber: bigint | null;
  declare readonly immediateCommitTimestamp: bigint | null;
  declare readonly originalCommitTimestamp: bigint | null;
  declare readonly transactionLength: bigint | null;
  declare readonly immediateServerVersion: number | null;
  declare readonly originalServerVersion: number | null;
  declare readonly commitGroupTicket: bigint | null;

  constructor(header: MysqlGtidEvent['header'], file: string, position: number, fields: MysqlGtidFields) {
    super(header, file, position);
    const { anonymous, ...rest } = fields;
    Object.assign(this, rest);
    this.type = anonymous ? 'anonymous_gtid' : 'gtid';
  }

  /** `uuid:gno` (`uuid:tag:gno` when tagged), or null for an anonymous transaction. */
  get gtid(): string | null {
    if (this.type === 'anonymous_gtid') return null;
    return this.tag === null ? `${this.sid}:${this.gno}` : `${this.sid}:${this.tag}:${this.gno}`;
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
      tag: this.tag ?? undefined,
      commitGroupTicket: this.commitGroupTicket ?? undefined,
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
  return new MysqlGtidEvent(ctx.header, ctx.file, ctx.position, {
    anonymous: ctx.header.typeCode === 34,
    flags,
    sid,
    gno,
    tag: null,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestamp: immediate,
    originalCommitTimestamp: original,
    transactionLength,
    immediateServerVersion: immediateVersion,
    originalServerVersion: originalVersion,
    commitGroupTicket: null,
  });
};

/** Field ids of GTID_TAGGED_LOG_EVENT, in order (`Gtid_event::define_fields` in MySQL 8.3+). */
const TaggedGtidField = {
  FLAGS: 0,
  UUID: 1,
  GNO: 2,
  TAG: 3,
  LAST_COMMITTED: 4,
  SEQUENCE_NUMBER: 5,
  IMMEDIATE_COMMIT_TIMESTAMP: 6,
  ORIGINAL_COMMIT_TIMESTAMP: 7,
  TRANSACTION_LENGTH: 8,
  IMMEDIATE_SERVER_VERSION: 9,
  ORIGINAL_SERVER_VERSION: 10,
  COMMIT_GROUP_TICKET: 11,
} as const;
const LAST_TAGGED_GTID_FIELD = TaggedGtidField.COMMIT_GROUP_TICKET;
/** MySQL's `Tag::tag_max_length`. */
const TAG_MAX_LENGTH = 32;
/** A GTID tag as MySQL 8.3+ accepts it: a letter or underscore, then letters, digits or underscores. */
const GTID_TAG = /^[a-z_][a-z0-9_]{0,31}$/i;

export function isGtidTag(text: string): boolean {
  return GTID_TAG.test(text);
}

/** A tag field: empty (untagged) or a valid tag, else BLK_B2003 (it would corrupt GTID text). */
function readTag(r: PacketReader): string {
  const at = r.pos;
  const tag = readVarString(r, TAG_MAX_LENGTH, 'GTID tag');
  if (tag !== '' && !isGtidTag(tag)) {
    throw new BinlakeError('BLK_B2003', `GTID tag ${JSON.stringify(tag)} has characters a tag cannot have`, {
      details: { offset: at },
    });
  }
  return tag;
}

/**
 * MySQL 8.3+ GTID_TAGGED_LOG_EVENT (42), written instead of GTID (33) for a tagged GTID: the
 * same fields as one `mysql::serialization` message (see mysql-serialization.ts), each
 * `varuint(id) value`: flags(0) uuid(1, 16 varuint bytes) gno(2, signed) tag(3, string ≤ 32)
 * last_committed(4) sequence_number(5) immediate_commit_timestamp(6)
 * [original_commit_timestamp(7), when it differs] transaction_length(8)
 * immediate_server_version(9) [original_server_version(10)] [commit_group_ticket(11), when set].
 * A field that is left out takes MySQL's default; fields of newer servers are skipped.
 */
export const decodeMysqlTaggedGtid: BodyDecoder = (r, ctx) => {
  readMessageHeader(r, LAST_TAGGED_GTID_FIELD, 'GTID_TAGGED_LOG_EVENT');
  const end = r.end;
  // Each known field in order: present when the next id is its own, else left out.
  const has = (id: number) => {
    if (peekFieldId(r, end) !== id) return false;
    readVarUint(r);
    return true;
  };
  const flags = has(TaggedGtidField.FLAGS) ? readVarUintAtMost(r, 0xff, 'GTID flags') : 1;
  let sid = '00000000-0000-0000-0000-000000000000';
  if (has(TaggedGtidField.UUID)) {
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) bytes[i] = readVarUintAtMost(r, 0xff, 'GTID uuid byte');
    sid = uuidText(bytes);
  }
  const gno = has(TaggedGtidField.GNO) ? readVarInt(r) : 0n;
  const tag = has(TaggedGtidField.TAG) ? readTag(r) : '';
  const lastCommitted = has(TaggedGtidField.LAST_COMMITTED) ? readVarInt(r) : null;
  const sequenceNumber = has(TaggedGtidField.SEQUENCE_NUMBER) ? readVarInt(r) : null;
  const immediate = has(TaggedGtidField.IMMEDIATE_COMMIT_TIMESTAMP) ? readVarUint(r) : null;
  const original = has(TaggedGtidField.ORIGINAL_COMMIT_TIMESTAMP) ? readVarUint(r) : immediate;
  const transactionLength = has(TaggedGtidField.TRANSACTION_LENGTH) ? readVarUint(r) : null;
  const immediateVersion = has(TaggedGtidField.IMMEDIATE_SERVER_VERSION)
    ? readVarUintAtMost(r, 0xffff_ffff, 'server version')
    : null;
  const originalVersion = has(TaggedGtidField.ORIGINAL_SERVER_VERSION)
    ? readVarUintAtMost(r, 0xffff_ffff, 'original server version')
    : immediateVersion;
  const ticket = has(TaggedGtidField.COMMIT_GROUP_TICKET) ? readVarUint(r) : 0n;
  r.pos = end; // fields a newer server added
  return new MysqlGtidEvent(ctx.header, ctx.file, ctx.position, {
    anonymous: false,
    flags,
    sid,
    gno,
    tag: tag === '' ? null : tag,
    lastCommitted,
    sequenceNumber,
    immediateCommitTimestamp: immediate,
    originalCommitTimestamp: original,
    transactionLength,
    immediateServerVersion: immediateVersion,
    originalServerVersion: originalVersion,
    commitGroupTicket: ticket,
  });
};

export interface GtidInterval {
  /** First gno of the interval. */
  start: bigint;
  /** Last gno of the interval (inclusive). */
  end: bigint;
}

/** The GTIDs of one source (and tag) in a GTID set. */
export interface GtidSetEntry {
  sid: string;
  /** The tag (MySQL 8.3+), or null. */
  tag: string | null;
  intervals: GtidInterval[];
}

/**
 * PREVIOUS_GTIDS (35): a GTID set, `Gtid_set::encode` in MySQL. Untagged format: n_sids(8), then
 * per sid uuid(16) n_intervals(8) and intervals of start(8) end(8), `end` exclusive on the wire.
 * MySQL 8.3+ writes the tagged format when its GTIDs have tags: the first 8 bytes are then
 * `01, n_sids(6), 01` and every entry has the tag (varuint length + bytes, length 0 for none)
 * after its uuid. `gtidSet` is MySQL's text form (`uuid:1-5:tag:1-3`).
 */
export class PreviousGtidsEvent extends BaseEvent {
  get type(): 'previous_gtids' {
    return 'previous_gtids';
  }
  declare readonly sets: GtidSetEntry[];
  /** Written in MySQL 8.3+'s tagged format. */
  declare readonly tagged: boolean;

  constructor(
    header: PreviousGtidsEvent['header'],
    file: string,
    position: number,
    sets: GtidSetEntry[],
    tagged = false,
  ) {
    super(header, file, position);
    this.sets = sets;
    this.tagged = tagged;
  }

  get gtidSet(): string {
    const parts: string[] = [];
    let previous: string | null = null;
    for (const s of this.sets) {
      const intervals = s.intervals.map((i) => (i.start === i.end ? `${i.start}` : `${i.start}-${i.end}`));
      const items = s.tag === null ? intervals : [s.tag, ...intervals];
      // Entries are sorted by uuid, then tag: one uuid's entries share its text.
      if (s.sid === previous) parts[parts.length - 1] += `:${items.join(':')}`;
      else parts.push([s.sid, ...items].join(':'));
      previous = s.sid;
    }
    return parts.join(',');
  }

  protected body() {
    return this.tagged ? { gtidSet: this.gtidSet, tagged: true } : { gtidSet: this.gtidSet };
  }
}

/** The first byte and the top byte of a tagged GTID set's first 8 bytes (`Gtid_format::tagged`). */
const TAGGED_GTID_SET_FORMAT = 1;

export const decodePreviousGtids: BodyDecoder = (r, ctx) => {
  const tagged = r.remaining >= 8 && r.buf[r.pos + 7] === TAGGED_GTID_SET_FORMAT;
  let count: number;
  if (tagged) {
    if (r.buf[r.pos] !== TAGGED_GTID_SET_FORMAT) {
      throw new BinlakeError('BLK_B2003', 'tagged GTID set header does not start with its format byte 1', {
        details: { offset: r.pos },
      });
    }
    r.skip(1);
    count = r.uintLE(6);
    r.skip(1);
  } else {
    count = Number(r.u64n(8));
  }
  // Each entry takes at least uuid(16) + n_intervals(8) (+ a tag length byte when tagged).
  const minimum = tagged ? 25 : 24;
  if (count * minimum > r.remaining) r.truncated(count * minimum);
  const sets: GtidSetEntry[] = [];
  for (let i = 0; i < count; i++) {
    const sid = uuid(r);
    const tag = tagged ? readTag(r) : '';
    const n = Number(r.u64n(8));
    if (n * 16 > r.remaining) r.truncated(n * 16);
    const intervals: GtidInterval[] = [];
    for (let j = 0; j < n; j++) {
      const start = r.i64n();
      const end = r.i64n() - 1n;
      intervals.push({ start, end });
    }
    sets.push({ sid, tag: tag === '' ? null : tag, intervals });
  }
  return new PreviousGtidsEvent(ctx.header, ctx.file, ctx.position, sets, tagged);
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
