import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binlogDumpPacket, encodeMysqlGtidSet, parseErrPacket } from '../../../src/protocol/commands.js';
import { MAX_PACKET_PAYLOAD, PacketFramer } from '../../../src/protocol/packet-framer.js';

/** Wire packets for one logical payload, split at 0xFFFFFF as the server does. */
function wire(payload: Buffer, seq = 1): Buffer {
  const packets: Buffer[] = [];
  let at = 0;
  for (;;) {
    const n = Math.min(MAX_PACKET_PAYLOAD, payload.length - at);
    const head = Buffer.alloc(4);
    head.writeUIntLE(n, 0, 3);
    head[3] = seq++ & 0xff;
    packets.push(head, payload.subarray(at, at + n));
    at += n;
    if (n < MAX_PACKET_PAYLOAD) break;
  }
  return Buffer.concat(packets);
}

function feed(stream: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  const framer = new PacketFramer((b, start, end) => out.push(Buffer.from(b.subarray(start, end))));
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b)) {
    framer.push(stream.subarray(at, cut));
    at = cut;
  }
  framer.push(stream.subarray(at));
  expect(framer.bufferedBytes).toBe(0);
  return out;
}

describe('PacketFramer', () => {
  it('yields the same payloads however the byte stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(7000), { maxLength: 40 }),
        (payloads, cuts) => {
          const buffers = payloads.map((p) => Buffer.from(p));
          const stream = Buffer.concat(buffers.map((b) => wire(b)));
          expect(feed(stream, cuts)).toEqual(buffers);
        },
      ),
    );
  });

  it('joins a payload of 16 MiB and more from its 0xFFFFFF-byte packets', () => {
    const exact = Buffer.alloc(MAX_PACKET_PAYLOAD, 7); // needs an empty packet after it
    const large = Buffer.alloc(MAX_PACKET_PAYLOAD + 1000);
    for (let i = 0; i < large.length; i += 4096) large[i] = i & 0xff;
    const small = Buffer.from([0, 1, 2]);
    const stream = Buffer.concat([wire(exact), wire(large), wire(small)]);
    const out = feed(stream, [
      3,
      70_000,
      MAX_PACKET_PAYLOAD + 2,
      MAX_PACKET_PAYLOAD + 9,
      2 * MAX_PACKET_PAYLOAD,
    ]);
    expect(out.length).toBe(3);
    expect(out[0].equals(exact)).toBe(true);
    expect(out[1].equals(large)).toBe(true);
    expect(out[2].equals(small)).toBe(true);
  });
});

describe('replication commands', () => {
  it('COM_BINLOG_DUMP layout', () => {
    const p = binlogDumpPacket({ serverId: 0x01020304, file: 'binlog.000007', position: 1234, flags: 1 });
    expect(p.readUIntLE(0, 3)).toBe(p.length - 4);
    expect(p[3]).toBe(0);
    expect(p[4]).toBe(0x12);
    expect(p.readUInt32LE(5)).toBe(1234);
    expect(p.readUInt16LE(9)).toBe(1);
    expect(p.readUInt32LE(11)).toBe(0x01020304);
    expect(p.toString('utf8', 15)).toBe('binlog.000007');
  });

  it('encodes a MySQL GTID set with exclusive interval ends', () => {
    const set = encodeMysqlGtidSet(
      '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7, 00000000-0000-0000-0000-000000000001:3',
    );
    expect(set.readBigUInt64LE(0)).toBe(2n);
    expect(set.subarray(8, 24).toString('hex')).toBe('3e11fa4771ca11e19e33c80aa9429562');
    expect(set.readBigUInt64LE(24)).toBe(2n);
    expect([set.readBigUInt64LE(32), set.readBigUInt64LE(40)]).toEqual([1n, 6n]);
    expect([set.readBigUInt64LE(48), set.readBigUInt64LE(56)]).toEqual([7n, 8n]);
    expect(set.readBigUInt64LE(80)).toBe(1n);
    expect([set.readBigUInt64LE(88), set.readBigUInt64LE(96)]).toEqual([3n, 4n]);
    expect(set.length).toBe(104);
    expect(encodeMysqlGtidSet('').equals(Buffer.alloc(8))).toBe(true);
    expect(() => encodeMysqlGtidSet('0-1-42')).toThrow(/not a MySQL GTID set/);
  });

  it('parses an ERR packet', () => {
    const payload = Buffer.concat([
      Buffer.from([0xff, 0xd4, 0x04]),
      Buffer.from('#HY000Could not find first log'),
    ]);
    expect(parseErrPacket(payload)).toEqual({
      code: 1236,
      sqlState: 'HY000',
      message: 'Could not find first log',
    });
  });
});
