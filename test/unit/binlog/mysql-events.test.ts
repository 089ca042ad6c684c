import { describe, expect, it } from 'vitest';
import { BinlogDecoder } from '../../../src/binlog/decoder.js';
import { EventType } from '../../../src/binlog/event-type.js';
import { event, fde, packed, raw, str, u8, u16, u32, u48, u64 } from './build.js';

/**
 * MySQL 8 events a local MariaDB cannot produce, assembled from the layouts in MySQL's
 * libbinlogevents headers: GTID, PREVIOUS_GTIDS, rows v2 with extra data, TRANSACTION_PAYLOAD.
 */
const SID = Buffer.from('3e11fa4771ca11e19e33c80aa9429562', 'hex');
const SID_TEXT = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

function mysqlDecoder(): BinlogDecoder {
  const d = new BinlogDecoder();
  d.decode(raw(fde('8.0.36')));
  return d;
}

/** TABLE_MAP of `shop.t (id INT UNSIGNED, name VARCHAR(20) utf8mb4, amount DECIMAL(10,2))` with FULL metadata. */
function tableMap(tableId: number): Buffer {
  const types = Buffer.from([3, 15, 246]);
  const meta = Buffer.concat([u16(80), u8(10), u8(2)]);
  const names = Buffer.concat([packed(2), str('id'), packed(4), str('name'), packed(6), str('amount')]);
  const optional = Buffer.concat([
    u8(1),
    packed(1),
    Buffer.from([0b10000000]), // SIGNEDNESS: id unsigned, amount signed
    u8(2),
    packed(3),
    packed(255), // DEFAULT_CHARSET: utf8mb4_0900_ai_ci
    u8(4),
    packed(names.length),
    names,
    u8(8),
    packed(1),
    packed(0), // SIMPLE_PRIMARY_KEY: column 0
  ]);
  const body = Buffer.concat([
    u48(tableId),
    u16(1),
    u8(4),
    str('shop'),
    u8(0),
    u8(1),
    str('t'),
    u8(0),
    packed(3),
    types,
    packed(meta.length),
    meta,
    Buffer.from([0b110]), // name and amount nullable
    optional,
  ]);
  return event(EventType.TABLE_MAP, body, { checksum: true });
}

/** DECIMAL(10,2) in MySQL's binary format: 8 integer digits (4 bytes) + 2 fraction digits (1 byte). */
function dec10_2(unscaled: number): Buffer {
  const negative = unscaled < 0;
  const abs = Math.abs(unscaled);
  const b = Buffer.concat([Buffer.from([0, 0, 0, 0]), u8(abs % 100)]);
  b.writeUInt32BE(Math.floor(abs / 100), 0);
  b[0] ^= 0x80;
  if (negative) for (let i = 0; i < b.length; i++) b[i] ^= 0xff;
  return b;
}

function writeRowsV2(tableId: number, extra: Buffer, rows: Buffer[], checksum = true): Buffer {
  const body = Buffer.concat([
    u48(tableId),
    u16(1),
    u16(2 + extra.length),
    extra,
    packed(3),
    Buffer.from([0b111]),
    ...rows,
  ]);
  return event(EventType.WRITE_ROWS_V2, body, { checksum });
}

function row(id: number, name: string | null, amount: number | null): Buffer {
  const nulls = (name === null ? 2 : 0) | (amount === null ? 4 : 0);
  const parts = [u8(nulls), u32(id)];
  if (name !== null) parts.push(u8(Buffer.byteLength(name)), str(name));
  if (amount !== null) parts.push(dec10_2(amount));
  return Buffer.concat(parts);
}

describe('MySQL 8 events from byte vectors', () => {
  it('decodes GTID with commit timestamps, transaction length and server versions', () => {
    const d = mysqlDecoder();
    const immediate = 1_700_000_000_123_456n;
    const original = 1_699_999_999_000_001n;
    const ts7 = (v: bigint, more: boolean) => u64(more ? v | (1n << 55n) : v).subarray(0, 7);
    const body = Buffer.concat([
      u8(1),
      SID,
      u64(42n),
      u8(2),
      u64(7n),
      u64(8n),
      ts7(immediate, true),
      ts7(original, false),
      packed(1234),
      u32(80036 | 0x80000000),
      u32(80035),
    ]);
    const e = d.decode(raw(event(EventType.GTID, body, { checksum: true })));
    expect(e.type).toBe('gtid');
    if (e.type !== 'gtid') return;
    expect(e.gtid).toBe(`${SID_TEXT}:42`);
    expect(e.lastCommitted).toBe(7n);
    expect(e.sequenceNumber).toBe(8n);
    expect(e.immediateCommitTimestamp).toBe(immediate);
    expect(e.originalCommitTimestamp).toBe(original);
    expect(e.transactionLength).toBe(1234n);
    expect(e.immediateServerVersion).toBe(80036);
    expect(e.originalServerVersion).toBe(80035);
    expect(e.dump()).toMatchObject({ type: 'gtid', gtid: `${SID_TEXT}:42`, transactionLength: '1234' });
  });

  it('decodes a short (5.7-style) ANONYMOUS_GTID and PREVIOUS_GTIDS', () => {
    const d = mysqlDecoder();
    const anon = d.decode(
      raw(
        event(
          EventType.ANONYMOUS_GTID,
          Buffer.concat([u8(0), Buffer.alloc(16), u64(0n), u8(2), u64(1n), u64(2n)]),
          { checksum: true },
        ),
      ),
    );
    expect(anon.type).toBe('anonymous_gtid');
    expect(anon.type === 'anonymous_gtid' && anon.gtid).toBeNull();
    const prev = d.decode(
      raw(
        event(
          EventType.PREVIOUS_GTIDS,
          Buffer.concat([u64(1n), SID, u64(2n), u64(1n), u64(6n), u64(9n), u64(10n)]),
          { checksum: true },
        ),
      ),
    );
    expect(prev.type === 'previous_gtids' && prev.gtidSet).toBe(`${SID_TEXT}:1-5:9`);
    // MySQL 8.3+ tagged format (top byte of the first 8 bytes = 1): see mysql-tagged-gtid.test.ts
  });

  it('decodes v2 rows with extra data, FULL metadata names, unsigned and decimals', () => {
    const d = mysqlDecoder();
    const map = d.decode(raw(tableMap(70)));
    expect(map.type).toBe('table_map');
    if (map.type === 'table_map') expect(map.optional.primaryKey).toEqual([{ column: 0, prefix: 0 }]);
    // ROWS_V_TAG_PARTITION_INFO (1): partition id 3
    const extra = Buffer.concat([u8(1), u16(3)]);
    const e = d.decode(
      raw(writeRowsV2(70, extra, [row(4294967295, 'héllo', -12345), row(1, null, null), row(2, '', 0)])),
    );
    expect(e.type).toBe('write_rows');
    if (e.type !== 'write_rows') return;
    expect(e.version).toBe(2);
    expect(e.table).toEqual({ database: 'shop', table: 't' });
    expect(e.columnNames).toEqual(['id', 'name', 'amount']);
    expect(e.extraData).toMatchObject([{ tag: 1, partitionId: 3 }]);
    expect(e.partial).toBe(false);
    expect(e.rows).toEqual([
      [4294967295, 'héllo', '-123.45'],
      [1, null, null],
      [2, '', '0.00'],
    ]);
  });

  it('reports a rows event whose table map is unknown as BLK_B2004', () => {
    const d = mysqlDecoder();
    expect(() => d.decode(raw(writeRowsV2(99, Buffer.alloc(0), [row(1, 'a', 1)])))).toThrow(
      expect.objectContaining({ code: 'BLK_B2004' }),
    );
  });

  it('uses the schema hint when the table map has no metadata', () => {
    const d = new BinlogDecoder({
      schemaFor: (database, table) =>
        database === 'shop' && table === 't'
          ? {
              database,
              table,
              key: ['id'],
              keySource: 'primary',
              columns: ['id', 'name', 'amount'].map((name, i) => ({
                name,
                kind: (['int', 'varchar', 'decimal'] as const)[i],
                columnType: '',
                unsigned: i === 0,
                nullable: i > 0,
                length: null,
                scale: null,
                fsp: null,
                charset: i === 1 ? 'utf8mb4' : null,
                members: null,
                defaultSql: null,
              })),
            }
          : undefined,
    });
    d.decode(raw(fde('8.0.36')));
    const full = tableMap(5);
    // cut the optional metadata: rebuild the event without it
    const bodyEnd = full.length - 4;
    const optionalStart = full.indexOf(Buffer.from([0b110]), 19 + 6 + 2 + 6 + 3 + 1 + 3 + 1 + 4) + 1;
    const plain = event(EventType.TABLE_MAP, full.subarray(19, optionalStart), { checksum: true });
    expect(bodyEnd).toBeGreaterThan(optionalStart);
    d.decode(raw(plain));
    const e = d.decode(raw(writeRowsV2(5, Buffer.alloc(0), [row(4294967295, 'ü', 5)])));
    expect(e.type === 'write_rows' && e.rows).toEqual([[4294967295, 'ü', '0.05']]);
    expect(e.type === 'write_rows' && e.columnNames).toEqual(['id', 'name', 'amount']);
    // without hint and metadata: signed ints, text as bytes, names @1..
    const bare = new BinlogDecoder();
    bare.decode(raw(fde('8.0.36')));
    bare.decode(raw(plain));
    const b = bare.decode(raw(writeRowsV2(5, Buffer.alloc(0), [row(4294967295, 'ü', 5)])));
    expect(b.type === 'write_rows' && b.rows).toEqual([[-1, new Uint8Array(Buffer.from('ü')), '0.05']]);
    expect(b.type === 'write_rows' && b.columnNames).toEqual(['@1', '@2', '@3']);
  });

  it('decodes a zstd TRANSACTION_PAYLOAD into its events with the same table cache', () => {
    const d = mysqlDecoder();
    const inner = Buffer.concat([
      event(EventType.QUERY, Buffer.concat([u32(9), u32(0), u8(0), u16(0), u16(0), u8(0), str('BEGIN')])),
      stripCrc(tableMap(71)),
      writeRowsV2(71, Buffer.alloc(0), [row(7, 'seven', 700)], false),
      event(EventType.XID, u64(555n)),
    ]);
    const frame = zstdRawFrame(inner);
    const body = Buffer.concat([
      packed(2),
      packed(1),
      packed(0), // compression type: zstd
      packed(3),
      packed(packed(inner.length).length),
      packed(inner.length),
      packed(1),
      packed(packed(frame.length).length),
      packed(frame.length),
      packed(0),
      frame,
    ]);
    const e = d.decode(raw(event(EventType.TRANSACTION_PAYLOAD, body, { checksum: true })));
    expect(e.type).toBe('transaction_payload');
    if (e.type !== 'transaction_payload') return;
    expect(e.compression).toBe('zstd');
    expect(e.uncompressedSize).toBe(inner.length);
    expect(e.events.map((x) => x.type)).toEqual(['query', 'table_map', 'write_rows', 'xid']);
    const rows = e.events[2];
    expect(rows.type === 'write_rows' && rows.rows).toEqual([[7, 'seven', '7.00']]);
    expect(d.tables.get(71)?.ref).toEqual({ database: 'shop', table: 't' });
    expect(JSON.parse(JSON.stringify(e.dump()))).toMatchObject({
      events: [{ type: 'query', sql: 'BEGIN' }, {}, {}, { xid: '555' }],
    });
  });

  it('rejects a payload that is not zstd as BLK_B2003', () => {
    const d = mysqlDecoder();
    const body = Buffer.concat([packed(2), packed(1), packed(0), packed(0), Buffer.from('not zstd')]);
    expect(() => d.decode(raw(event(EventType.TRANSACTION_PAYLOAD, body, { checksum: true })))).toThrow(
      expect.objectContaining({
        code: 'BLK_B2003',
        details: expect.objectContaining({ eventType: 'TRANSACTION_PAYLOAD' }),
      }),
    );
  });

  it('decodes HEARTBEAT, HEARTBEAT_V2, XID, STOP, INCIDENT, ROWS_QUERY and keeps unknown types', () => {
    const d = mysqlDecoder();
    const hb = d.decode(
      raw(
        event(EventType.HEARTBEAT, str('binlog.000007'), {
          checksum: true,
          nextPosition: 1234,
          timestamp: 0,
        }),
      ),
    );
    expect(hb.type === 'heartbeat' && [hb.logFile, hb.logPosition]).toEqual(['binlog.000007', 1234]);
    const v2body = Buffer.concat([
      packed(0),
      packed(13),
      str('binlog.000008'),
      packed(1),
      packed(4),
      packed(70000),
    ]);
    const hb2 = d.decode(raw(event(EventType.HEARTBEAT_V2, v2body, { checksum: true })));
    expect(hb2.type === 'heartbeat' && [hb2.logFile, hb2.logPosition, hb2.v2]).toEqual([
      'binlog.000008',
      70000,
      true,
    ]);
    expect(d.decode(raw(event(EventType.XID, u64(77n), { checksum: true }))).dump()).toMatchObject({
      xid: '77',
    });
    expect(d.decode(raw(event(EventType.STOP, Buffer.alloc(0), { checksum: true }))).type).toBe('stop');
    const incident = d.decode(
      raw(event(EventType.INCIDENT, Buffer.concat([u16(1), u8(4), str('lost')]), { checksum: true })),
    );
    expect(incident.type === 'incident' && incident.message).toBe('lost');
    const rq = d.decode(
      raw(event(EventType.ROWS_QUERY, Buffer.concat([u8(3), str('abc')]), { checksum: true })),
    );
    expect(rq.type === 'rows_query' && rq.sql).toBe('abc');
    const unknown = d.decode(raw(event(230, Buffer.from([1, 2, 3]), { checksum: true })));
    expect(unknown.type).toBe('unknown');
    expect(unknown.dump()).toMatchObject({ type: 'unknown', eventType: 'UNKNOWN_230', data: '0x010203' });
  });

  it('reads a ROTATE (real and fake) and the QUERY status variables', () => {
    const d = mysqlDecoder();
    const rot = d.decode(
      raw(
        event(EventType.ROTATE, Buffer.concat([u64(4n), str('binlog.000002')]), {
          checksum: true,
          timestamp: 0,
        }),
      ),
    );
    expect(rot.type === 'rotate' && [rot.nextFile, rot.nextFilePosition, rot.fake]).toEqual([
      'binlog.000002',
      4,
      true,
    ]);
    const status = Buffer.concat([
      u8(0),
      u32(0),
      u8(1),
      u64(0x20000000n),
      u8(6),
      u8(3),
      str('std'),
      u8(4),
      u16(255),
      u16(255),
      u16(255),
      u8(5),
      u8(6),
      str('+00:00'),
      u8(12),
      u8(1),
      str('shop'),
      u8(0),
    ]);
    const body = Buffer.concat([
      u32(11),
      u32(2),
      u8(4),
      u16(0),
      u16(status.length),
      status,
      str('shop'),
      u8(0),
      str('ALTER TABLE t ADD c INT'),
    ]);
    const q = d.decode(raw(event(EventType.QUERY, body, { checksum: true })));
    expect(q.type).toBe('query');
    if (q.type !== 'query') return;
    expect([q.database, q.sql, q.threadId, q.charset]).toEqual([
      'shop',
      'ALTER TABLE t ADD c INT',
      11,
      'utf8mb4',
    ]);
    expect(q.status).toMatchObject({
      catalog: 'std',
      timeZone: '+00:00',
      updatedDatabases: ['shop'],
      sqlMode: 0x20000000n,
    });
  });
});

function stripCrc(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes.subarray(0, bytes.length - 4));
  out.writeUInt32LE(out.length, 9);
  return out;
}

/**
 * A zstd frame (RFC 8878) with one raw block: magic, frame header descriptor 0xA0 (single
 * segment, 4-byte content size, no checksum), content size, block header
 * (size << 3 | type raw (0) << 1 | last), the bytes.
 */
function zstdRawFrame(data: Buffer): Buffer {
  const blockHeader = Buffer.alloc(3);
  blockHeader.writeUIntLE((data.length << 3) | 1, 0, 3);
  return Buffer.concat([u32(0xfd2fb528), u8(0xa0), u32(data.length), blockHeader, data]);
}
