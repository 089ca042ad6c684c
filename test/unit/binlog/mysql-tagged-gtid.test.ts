import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import { EventType } from '../../../src/binlog/event-type.js';
import type { MysqlGtidEvent, PreviousGtidsEvent } from '../../../src/binlog/events/gtid.js';
import { encodeVarUint, readVarInt, readVarUint } from '../../../src/binlog/mysql-serialization.js';
import { PacketReader } from '../../../src/binlog/packet-reader.js';
import type { CaptureEvent } from '../../../src/capture/capture-event.js';
import { toCaptureEvents } from '../../../src/capture/from-binlog.js';
import { encodeMysqlGtidSet } from '../../../src/protocol/commands.js';
import { event, fde, raw, u64 } from './build.js';

/**
 * MySQL 8.3+ tagged GTIDs, on bytes: a local MariaDB cannot write them. The vectors follow
 * mysql-server's libs/mysql/serialization (readme.md, variable_length_integers.h) and
 * Gtid_event::define_fields; one is the body of a real MySQL 9.1 event (a `mysqlbinlog
 * --hexdump` published in a bug report).
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The varlen rule of the serialization readme, written independently of the decoder. */
function varuint(value: bigint): Buffer {
  const v = BigInt.asUintN(64, value);
  const bits = v === 0n ? 0 : v.toString(2).length;
  const length = bits > 56 ? 9 : Math.max(1, Math.ceil(bits / 7));
  if (length === 9) return Buffer.concat([Buffer.from([0xff]), u64(v)]);
  const marker = (1 << (length - 1)) - 1;
  const out = Buffer.alloc(length);
  out[0] = marker | Number((v << BigInt(length)) & 0xffn);
  let rest = v >> BigInt(8 - length);
  for (let i = 1; i < length; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}
const varint = (s: bigint) => varuint(s < 0n ? -s * 2n - 1n : s * 2n);
const id = (n: number) => varuint(BigInt(n));

/** A GTID_TAGGED_LOG_EVENT body: the message header, then the given `[field id, value bytes]`. */
function taggedBody(fields: [number, Buffer][], lastNonIgnorable = 0): Buffer {
  const payload = Buffer.concat(fields.map(([f, v]) => Buffer.concat([id(f), v])));
  // The declared size counts the three header varints; 1 + 1-byte size + 1 fits these tests.
  const size = payload.length + 3;
  return Buffer.concat([varuint(1n), varuint(BigInt(size)), varuint(BigInt(lastNonIgnorable)), payload]);
}

function uuidField(uuid: string): Buffer {
  return Buffer.concat([...hex(uuid.replaceAll('-', ''))].map((b) => varuint(BigInt(b))));
}

function decodeOne(type: number, body: Buffer) {
  const d = new BinlogDecoder();
  d.decode(raw(fde('8.4.3')));
  return d.decode(raw(event(type, body, { checksum: true })));
}

describe('mysql::serialization varlen integers', () => {
  it('reads the examples of the format (unsigned and zig-zag signed)', () => {
    const unsigned: [string, bigint][] = [
      ['00', 0n],
      ['02', 1n],
      ['fe', 127n],
      ['0102', 128n],
      ['b104', 300n],
      ['fbff07', 65535n],
      ['83d009', 80400n],
      ['1f0000000040', 2n ** 40n],
      ['7f402220182 40a06', 1700000000123456n],
      ['ff0000000000000001', 2n ** 56n],
      ['ffffffffffffffffff', 2n ** 64n - 1n],
    ];
    for (const [bytes, value] of unsigned) {
      const r = new PacketReader(hex(bytes));
      expect(readVarUint(r)).toBe(value);
      expect(r.remaining).toBe(0);
    }
    const signed: [string, bigint][] = [
      ['00', 0n],
      ['04', 1n],
      ['02', -1n],
      ['5c', 23n],
      ['5a', -23n],
      ['c10e', 472n],
      ['73201b', 111111n],
      ['ffffffffffffffffff', -(2n ** 63n)],
    ];
    for (const [bytes, value] of signed) expect(readVarInt(new PacketReader(hex(bytes)))).toBe(value);
  });

  it('round-trips any 64-bit value, and a cut one is a typed truncation', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const bytes = varuint(v);
        expect(readVarUint(new PacketReader(bytes))).toBe(v);
        expect(encodeVarUint(v).equals(bytes)).toBe(true);
        if (bytes.length > 1) {
          expect(() => readVarUint(new PacketReader(bytes.subarray(0, bytes.length - 1)))).toThrow(
            expect.objectContaining({ code: 'BLK_B2001' }),
          );
        }
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(readVarInt(new PacketReader(varint(v)))).toBe(v);
      }),
    );
  });
});

describe('GTID_TAGGED_LOG_EVENT (42)', () => {
  it('decodes a body built by the MySQL source rules', () => {
    // uuid 3e11fa47-…, tag mytag, gno 23, last_committed 5, sequence_number 6, commit time
    // 1700000000123456 µs (original = immediate, so field 7 is left out), length 300, 80400.
    const body = hex(`02 74 00 00 00 02 7c 22 e9 03 8e e2 29 03 22 85 03 79 02 66 21 03 14 a5 02 84 55 02 c4
      04 5c 06 0a 6d 79 74 61 67 08 14 0a 18 0c 7f 40 22 20 18 24 0a 06 10 b1 04 12 83 d0 09`);
    const e = decodeOne(EventType.GTID_TAGGED, body) as MysqlGtidEvent;
    expect(e.type).toBe('gtid');
    expect(e.gtid).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:mytag:23');
    expect(e).toMatchObject({
      flags: 0,
      tag: 'mytag',
      gno: 23n,
      lastCommitted: 5n,
      sequenceNumber: 6n,
      immediateCommitTimestamp: 1700000000123456n,
      originalCommitTimestamp: 1700000000123456n,
      transactionLength: 300n,
      immediateServerVersion: 80400,
      originalServerVersion: 80400,
      commitGroupTicket: 0n,
    });
    expect(e.dump()).toMatchObject({ eventType: 'GTID_TAGGED', gtid: e.gtid, tag: 'mytag' });
  });

  it('decodes the body of a real MySQL 9.1 event', () => {
    const body = Buffer.concat([
      hex('02 78 00 00 00 02 aa aa aa aa 88 88 66 66 44 44 22 22 22 22 22 22 04 73 20 1b 06 14'),
      Buffer.from('secondtest'),
      hex('08 c1 0e 0a d1 0e 0c 7f 23 35 48 61 bd 26 06 10 59 04 12 a3 ff 0a'),
    ]);
    const e = decodeOne(EventType.GTID_TAGGED, body) as MysqlGtidEvent;
    expect(e.gtid).toBe('55555555-4444-3333-2222-111111111111:secondtest:111111');
    expect(e).toMatchObject({
      lastCommitted: 472n,
      sequenceNumber: 474n,
      immediateCommitTimestamp: 1731444683060515n,
      transactionLength: 278n,
      immediateServerVersion: 90100,
    });
    // capture records the tagged GTID as the transaction's GTID
    const out: CaptureEvent[] = [];
    toCaptureEvents(e, 83, out);
    expect(out[0]).toMatchObject({ kind: 'gtid', gtid: e.gtid, domain: null });
  });

  it('reads optional fields when present, skips fields of newer servers, refuses non-ignorable ones', () => {
    const fields: [number, Buffer][] = [
      [0, varuint(1n)],
      [1, uuidField('d1f19a8d-90da-11f1-9a41-908d6e5f6e8d')],
      [2, varint(9n)],
      [3, Buffer.concat([varuint(8n), Buffer.from('test_tag')])],
      [4, varint(-1n)],
      [5, varint(2n)],
      [6, varuint(1_700_000_000_000_001n)],
      [7, varuint(1_600_000_000_000_000n)],
      [8, varuint(1234n)],
      [9, varuint(90500n)],
      [10, varuint(80036n)],
      [11, varuint(42n)],
      [12, varuint(7n)], // a field binlake does not know: ignorable
    ];
    const e = decodeOne(EventType.GTID_TAGGED, taggedBody(fields)) as MysqlGtidEvent;
    expect(e.gtid).toBe('d1f19a8d-90da-11f1-9a41-908d6e5f6e8d:test_tag:9');
    expect(e).toMatchObject({
      flags: 1,
      lastCommitted: -1n,
      originalCommitTimestamp: 1_600_000_000_000_000n,
      originalServerVersion: 80036,
      commitGroupTicket: 42n,
    });
    expect(() => decodeOne(EventType.GTID_TAGGED, taggedBody(fields, 13))).toThrow(
      expect.objectContaining({ code: 'BLK_B2003' }),
    );
    // a tag with characters no tag has would make GTID text that cannot be parsed back
    const badTag = fields.map(([f, v]): [number, Buffer] =>
      f === 3 ? [f, Buffer.concat([varuint(3n), Buffer.from('a:b')])] : [f, v],
    );
    expect(() => decodeOne(EventType.GTID_TAGGED, taggedBody(badTag))).toThrow(
      expect.objectContaining({ code: 'BLK_B2003' }),
    );
    // cut anywhere inside: a typed error naming the event, never a crash or a wrong GTID
    const whole = taggedBody(fields);
    for (let n = 0; n < whole.length; n++) {
      let error: unknown = null;
      try {
        decodeOne(EventType.GTID_TAGGED, whole.subarray(0, n));
      } catch (e) {
        error = e;
      }
      expect(error, `cut at ${n}`).toMatchObject({ code: expect.stringMatching(/^BLK_B200[13]$/) });
    }
  });
});

describe('PREVIOUS_GTIDS in the tagged format', () => {
  const uuid = hex('3e11fa4771ca11e19e33c80aa9429562');
  /** One tagged-format entry: uuid, tag (varlen length + bytes), interval count, [start, end) pairs. */
  const entry = (tag: string, ...intervals: [bigint, bigint][]) =>
    Buffer.concat([
      uuid,
      varuint(BigInt(tag.length)),
      Buffer.from(tag),
      u64(BigInt(intervals.length)),
      ...intervals.flatMap(([start, end]) => [u64(start), u64(end)]),
    ]);
  it('decodes tagged and untagged entries into MySQL text', () => {
    const tagged = Buffer.concat([hex('01 01 00 00 00 00 00 01'), entry('mytag', [1n, 24n])]);
    const one = decodeOne(EventType.PREVIOUS_GTIDS, tagged) as PreviousGtidsEvent;
    expect(one.tagged).toBe(true);
    expect(one.gtidSet).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:mytag:1-23');
    expect(one.dump()).toMatchObject({ gtidSet: one.gtidSet, tagged: true });

    const mixed = Buffer.concat([
      hex('01 02 00 00 00 00 00 01'),
      entry('', [1n, 101n], [200n, 201n]),
      entry('mytag', [1n, 24n]),
    ]);
    const two = decodeOne(EventType.PREVIOUS_GTIDS, mixed) as PreviousGtidsEvent;
    expect(two.gtidSet).toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-100:200:mytag:1-23');
    expect(() => decodeOne(EventType.PREVIOUS_GTIDS, mixed.subarray(0, 60))).toThrow(
      expect.objectContaining({ code: 'BLK_B2001' }),
    );
  });
});

describe('tagged GTID sets for COM_BINLOG_DUMP_GTID', () => {
  const text = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  it('encodes the tagged form only when a tag is present, and decodes back to the same text', () => {
    expect(encodeMysqlGtidSet(`${text}:mytag:1-23`).toString('hex')).toBe(
      `01010000000000013e11fa4771ca11e19e33c80aa94295620a${Buffer.from('mytag').toString('hex')}` +
        '0100000000000000' +
        '0100000000000000' +
        '1800000000000000',
    );
    for (const set of [`${text}:1-100:200:mytag:1-23`, `${text}:1-5`, `${text}:a_b:7`]) {
      const decoded = decodeOne(EventType.PREVIOUS_GTIDS, encodeMysqlGtidSet(set)) as PreviousGtidsEvent;
      expect(decoded.gtidSet).toBe(set);
      expect(decoded.tagged).toBe(set.includes('_') || set.includes('mytag'));
    }
    // unordered, overlapping and repeated parts are sent as the server reads sets: sorted, joined
    const messy = decodeOne(
      EventType.PREVIOUS_GTIDS,
      encodeMysqlGtidSet(`${text}:11:3-9:1-5:mytag:4, ${text}:12-20:mytag:1-3`),
    ) as PreviousGtidsEvent;
    expect(messy.gtidSet).toBe(`${text}:1-9:11-20:mytag:1-4`);
    expect(() => encodeMysqlGtidSet(`${text}:mytag`)).toThrow(/has no intervals/);
    expect(() => encodeMysqlGtidSet(`${text}:1-2:bad-tag`)).toThrow(/neither a GTID interval/);
    // GNOs end at 2^63 - 2 (MySQL's GNO_END - 1): larger is a config error, not a RangeError
    expect(encodeMysqlGtidSet(`${text}:1-${2n ** 63n - 2n}`).length).toBe(8 + 16 + 8 + 16);
    expect(() => encodeMysqlGtidSet(`${text}:1-${2n ** 63n - 1n}`)).toThrow(
      expect.objectContaining({ code: 'BLK_C0006' }),
    );
    expect(() => encodeMysqlGtidSet(`${text}:99999999999999999999999`)).toThrow(
      expect.objectContaining({ code: 'BLK_C0006' }),
    );
  });
});
