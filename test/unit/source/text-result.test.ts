import { describe, expect, it } from 'vitest';
import { type CellColumn, CellRows } from '../../../src/core/cell-rows.js';
import {
  comQueryPacket,
  RESULT_TOO_LARGE,
  Spares,
  TextResultReader,
} from '../../../src/protocol/text-result.js';

/**
 * The text-protocol result reader on byte vectors built from the MySQL manual's "Text
 * Resultset", "EOF_Packet" and "ERR_Packet" pages: what the local server sends in one piece
 * is fed here cut at every byte, and what it never sends (continued packets, broken lengths,
 * more results) is built by hand.
 */

const text: CellColumn = { form: 'utf8', value: (b, s, e) => b.toString('utf8', s, e) };
const int: CellColumn = { form: 'integer', value: (b, s, e) => Number(b.toString('latin1', s, e)) };

function packet(seq: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq & 0xff;
  return Buffer.concat([head, payload]);
}

/** A length-encoded string (NULL as 0xFB). */
function cell(value: string | null): Buffer {
  if (value === null) return Buffer.from([0xfb]);
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length < 0xfb) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  if (bytes.length < 0x10000) {
    const n = Buffer.alloc(3);
    n[0] = 0xfc;
    n.writeUInt16LE(bytes.length, 1);
    return Buffer.concat([n, bytes]);
  }
  const n = Buffer.alloc(4);
  n[0] = 0xfd;
  n.writeUIntLE(bytes.length, 1, 3);
  return Buffer.concat([n, bytes]);
}

const EOF = Buffer.from([0xfe, 0, 0, 0x02, 0]);
const definition = Buffer.from('\x03def\x00\x00\x00\x01x\x00\x0c', 'latin1');

function result(rows: (string | null)[][], width = 2, end: Buffer = EOF): Buffer {
  const parts = [packet(1, Buffer.from([width]))];
  let seq = 2;
  for (let i = 0; i < width; i++) parts.push(packet(seq++, definition));
  parts.push(packet(seq++, EOF));
  for (const row of rows) parts.push(packet(seq++, Buffer.concat(row.map(cell))));
  parts.push(packet(seq, end));
  return Buffer.concat(parts);
}

function readAll(bytes: Buffer, columns: CellColumn[], step = bytes.length): CellRows {
  const reader = new TextResultReader(columns, { rows: 1, bytes: 16 });
  let done = false;
  for (let at = 0; at < bytes.length; at += step) {
    expect(done).toBe(false);
    done = reader.push(bytes.subarray(at, Math.min(bytes.length, at + step)));
  }
  expect(done).toBe(true);
  return reader.result();
}

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected an error');
}

describe('TextResultReader', () => {
  const long = 'é'.repeat(200); // 400 bytes: a 0xFC length
  const rows = [
    ['1', 'a'],
    ['-42', null],
    [null, long],
    ['7', ''],
  ];

  it('reads rows, NULLs and long cells, whatever the cuts between socket chunks', () => {
    const bytes = result(rows);
    for (const step of [bytes.length, 1, 3, 7]) {
      const got = readAll(bytes, [int, text], step);
      expect(got.length).toBe(4);
      expect(got.rows()).toEqual([
        [1, 'a'],
        [-42, null],
        [null, long],
        [7, ''],
      ]);
    }
  });

  it('joins a payload of 0xFFFFFF bytes with the packet that continues it', () => {
    // One row of two cells, a little over 16 MiB in all: the wire cuts it after 0xFFFFFF bytes.
    const big = 'x'.repeat(MAX - 100);
    const tail = 't'.repeat(200);
    const payload = Buffer.concat([cell(big), cell(tail)]);
    const wire = Buffer.concat([
      packet(1, Buffer.from([2])),
      packet(2, definition),
      packet(3, definition),
      packet(4, EOF),
      packet(5, payload.subarray(0, MAX)),
      packet(6, payload.subarray(MAX)),
      packet(7, EOF),
    ]);
    const got = readAll(wire, [text, text], 1 << 20);
    expect(got.length).toBe(1);
    expect(got.value(0, 0)).toBe(big);
    expect(got.value(0, 1)).toBe(tail);
  });

  it("reports the server's error with its number, state and message", () => {
    const err = Buffer.concat([
      Buffer.from([0xff, 0x7a, 0x04]),
      Buffer.from('#42S02', 'latin1'),
      Buffer.from("Table 'x' doesn't exist"),
    ]);
    const reader = new TextResultReader([int]);
    expect(reader.push(packet(1, err))).toBe(true);
    expect(errorOf(() => reader.result())).toMatchObject({
      errno: 1146,
      sqlState: '42S02',
      sqlMessage: "Table 'x' doesn't exist",
    });
    // An error after some rows (a KILL in the middle of the result)
    const killed = Buffer.concat([
      Buffer.from([0xff, 0x87, 0x07]),
      Buffer.from('#70100Connection was killed'),
    ]);
    const reader2 = new TextResultReader([int, text]);
    expect(reader2.push(result([['1', 'a']], 2, killed))).toBe(true);
    expect(errorOf(() => reader2.result())).toMatchObject({ errno: 1927, sqlState: '70100' });
  });

  it('refuses a malformed result with a fatal error that names what is wrong', () => {
    const cases: [Buffer, CellColumn[], RegExp][] = [
      [result(rows), [int, text, text], /2 columns, 3 expected/],
      [packet(1, Buffer.from([0x00, 0, 0, 2, 0, 0, 0])), [int], /no result set/],
      [
        Buffer.concat([result([], 1).subarray(0, -9), packet(4, Buffer.from([5, 0x31])), packet(5, EOF)]),
        [int],
        /runs past the end of its row/,
      ],
      [
        Buffer.concat([
          result([], 1).subarray(0, -9),
          packet(4, Buffer.from([1, 0x31, 1, 0x32])),
          packet(5, EOF),
        ]),
        [int],
        /more than 1 cells/,
      ],
      [result([['1']], 1, Buffer.from([0xfe, 0, 0, 0x0a, 0])), [int], /more than one result set/],
      [Buffer.concat([result([['1']], 1), Buffer.from([1, 0, 0, 9, 0])]), [int], /after the end/],
    ];
    for (const [bytes, columns, message] of cases) {
      const error = errorOf(() => new TextResultReader(columns).push(bytes));
      expect(String(error.message)).toMatch(message);
      expect(error.fatal).toBe(true);
    }
  });

  it('writes COM_QUERY with and without the query attributes header', () => {
    expect([...comQueryPacket('SELECT 1', false)]).toEqual([9, 0, 0, 0, 3, ...Buffer.from('SELECT 1')]);
    expect([...comQueryPacket('SELECT é', true)]).toEqual([12, 0, 0, 0, 3, 0, 1, ...Buffer.from('SELECT é')]);
  });
});

describe('CellRows', () => {
  it('concat keeps every cell and NULL, with the bytes moved', () => {
    const a = readAll(
      result([
        ['1', 'x'],
        [null, 'yy'],
      ]),
      [int, text],
    );
    const b = readAll(result([['3', null]]), [int, text]);
    const joined = CellRows.concat([a, b]);
    expect(joined.length).toBe(3);
    expect([...joined]).toEqual([
      [1, 'x'],
      [null, 'yy'],
      [3, null],
    ]);
  });

  it('release empties a batch; the next reads reuse its buffers and keep their own cells', () => {
    const rowsOf = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => [String(i), `${tag}${'v'.repeat(i % 50)}`]);
    const values = (n: number, tag: string) => rowsOf(n, tag).map(([i, v]) => [Number(i), v]);
    const read = (tag: string) => {
      const reader = new TextResultReader([int, text], { rows: 300, bytes: 20_000 });
      expect(reader.push(result(rowsOf(300, tag)))).toBe(true);
      return reader.result();
    };
    const first = read('a');
    first.release();
    expect(first.length).toBe(0);
    expect([...first]).toEqual([]);
    first.release(); // twice is harmless

    const second = read('b');
    const third = read('c');
    expect([...second]).toEqual(values(300, 'b'));
    expect([...third]).toEqual(values(300, 'c'));
    second.release();
    expect([...third]).toEqual(values(300, 'c'));
  });

  it('spares: a buffer serves a request of a quarter of its size up; the larger ones are kept', () => {
    let made = 0;
    const spares = new Spares<Uint8Array>(
      (n) => {
        made++;
        return new Uint8Array(n);
      },
      2,
      5000,
    );
    const a = spares.take(1000);
    spares.give(a);
    expect(spares.take(4001)).not.toBe(a); // too small
    expect(spares.take(249)).not.toBe(a); // would be pinned by a small request
    expect(spares.take(250)).toBe(a);
    expect(made).toBe(3);
    spares.give(new Uint8Array(10));
    spares.give(new Uint8Array(20));
    spares.give(a); // full: replaces the smallest
    expect(spares.take(1000)).toBe(a);
    expect(spares.take(20).length).toBe(20);
    expect(made).toBe(3);
    // Beyond the largest kept: let go.
    const huge = spares.take(6000);
    spares.give(huge);
    expect(spares.take(6000)).not.toBe(huge);
  });

  it('refuses a result beyond its most bytes with a fatal error the caller can retry on', () => {
    const reader = new TextResultReader([int, text], { rows: 4, bytes: 1024, maxBytes: 4096 });
    const bytes = result(Array.from({ length: 100 }, (_, i) => [String(i), 'x'.repeat(100)]));
    const error = errorOf(() => {
      for (let at = 0; at < bytes.length; at += 1000) reader.push(bytes.subarray(at, at + 1000));
    });
    expect(error.code).toBe(RESULT_TOO_LARGE);
    expect(error.fatal).toBe(true);
    expect(String(error.message)).toMatch(/larger than 4096 bytes: ask for fewer rows/);
  });
});

const MAX = 0xffffff;
