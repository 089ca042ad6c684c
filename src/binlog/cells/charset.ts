import { TextDecoder } from 'node:util';

/**
 * Collation ids (as TABLE_MAP optional metadata carries them) → character set, and character
 * set → how binlake turns stored bytes into the JS string `SELECT` returns.
 *
 * The id lists are MariaDB 10.11's `information_schema.COLLATIONS`; MySQL 8 adds
 * utf8mb4_0900_* (255..323) and gb18030 (248..250); MariaDB 10.10+ adds the computed UCA-14.0.0
 * ids from 2048 on (utf8mb3, utf8mb4, ucs2, utf16, utf32 in blocks of 256).
 */
const COLLATIONS: Record<string, number[]> = {
  big5: [1, 84, 1025, 1108],
  latin2: [2, 9, 21, 27, 77, 1033, 1101],
  dec8: [3, 69, 1027, 1093],
  cp850: [4, 80, 1028, 1104],
  latin1: [5, 8, 15, 31, 47, 48, 49, 94, 1032, 1071],
  hp8: [6, 72, 1030, 1096],
  koi8r: [7, 74, 1031, 1098],
  swe7: [10, 82, 1034, 1106],
  ascii: [11, 65, 1035, 1089],
  ujis: [12, 91, 1036, 1115],
  sjis: [13, 88, 1037, 1112],
  cp1251: [14, 23, 50, 51, 52, 1074, 1075],
  hebrew: [16, 71, 1040, 1095],
  tis620: [18, 89, 1042, 1113],
  euckr: [19, 85, 1043, 1109],
  latin7: [20, 41, 42, 79, 1065, 1103],
  koi8u: [22, 75, 1046, 1099],
  gb2312: [24, 86, 1048, 1110],
  greek: [25, 70, 1049, 1094],
  cp1250: [26, 34, 44, 66, 99, 1050, 1090],
  gbk: [28, 87, 1052, 1111],
  cp1257: [29, 58, 59, 1082, 1083],
  latin5: [30, 78, 1054, 1102],
  armscii8: [32, 64, 1056, 1088],
  utf8mb3: [
    33, 83, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210,
    211, 212, 213, 214, 215, 223, 576, 577, 578, 1057, 1107, 1216, 1238,
  ],
  ucs2: [
    35, 90, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146,
    147, 148, 149, 150, 151, 159, 640, 641, 642, 1059, 1114, 1152, 1174,
  ],
  cp866: [36, 68, 1060, 1092],
  keybcs2: [37, 73, 1061, 1097],
  macce: [38, 43, 1062, 1067],
  macroman: [39, 53, 1063, 1077],
  cp852: [40, 81, 1064, 1105],
  utf8mb4: [
    45, 46, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
    243, 244, 245, 246, 247, 608, 609, 610, 1069, 1070, 1248, 1270,
  ],
  utf16: [
    54, 55, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119,
    120, 121, 122, 123, 124, 672, 673, 674, 1078, 1079, 1125, 1147,
  ],
  utf16le: [56, 62, 1080, 1086],
  cp1256: [57, 67, 1081, 1091],
  utf32: [
    60, 61, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178,
    179, 180, 181, 182, 183, 736, 737, 738, 1084, 1085, 1184, 1206,
  ],
  binary: [63],
  geostd8: [92, 93, 1116, 1117],
  cp932: [95, 96, 1119, 1120],
  eucjpms: [97, 98, 1121, 1122],
};

const BY_ID = new Map<number, string>();
for (const [charset, ids] of Object.entries(COLLATIONS)) for (const id of ids) BY_ID.set(id, charset);

/** The character set of a collation id, or null when unknown. 63 is `binary`. */
export function charsetOfCollation(id: number): string | null {
  const known = BY_ID.get(id);
  if (known) return known;
  if (id >= 255 && id <= 323) return 'utf8mb4'; // MySQL 8 utf8mb4_0900_* and friends
  if (id >= 248 && id <= 250) return 'gb18030';
  if (id >= 2048 && id < 2048 + 5 * 256) {
    return ['utf8mb3', 'utf8mb4', 'ucs2', 'utf16', 'utf32'][(id - 2048) >> 8];
  }
  return null;
}

/** How a charset's bytes become a string: Buffer's fast utf8, a WHATWG TextDecoder, or not at all. */
export type TextCodec =
  | { kind: 'utf8' }
  | { kind: 'latin1' }
  | { kind: 'decoder'; decoder: TextDecoder }
  | { kind: 'utf32' };

/** MySQL charset name → WHATWG encoding label (latin1 is handled by `decodeLatin1`). */
const WHATWG: Record<string, string> = {
  latin2: 'iso-8859-2',
  latin5: 'iso-8859-9',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  macroman: 'macintosh',
  tis620: 'windows-874',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

const codecs = new Map<string, TextCodec | null>();

/**
 * The codec for a charset name; null for `binary` and for charsets binlake cannot decode
 * (dec8, hp8, swe7, armscii8, keybcs2, macce, cp850, cp852, geostd8), whose values stay bytes.
 */
export function textCodec(charset: string | null): TextCodec | null {
  if (charset === null || charset === 'binary') return null;
  const cached = codecs.get(charset);
  if (cached !== undefined) return cached;
  let codec: TextCodec | null = null;
  if (charset === 'utf8mb4' || charset === 'utf8mb3' || charset === 'utf8' || charset === 'ascii') {
    codec = { kind: 'utf8' };
  } else if (charset === 'latin1') {
    codec = { kind: 'latin1' };
  } else if (charset === 'utf32') {
    codec = { kind: 'utf32' };
  } else if (WHATWG[charset]) {
    try {
      codec = { kind: 'decoder', decoder: new TextDecoder(WHATWG[charset]) };
    } catch {
      codec = null;
    }
  }
  codecs.set(charset, codec);
  return codec;
}

/** Decodes big-endian UTF-32 (MySQL's utf32). */
export function decodeUtf32(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i + 3 < end; i += 4) {
    const cp = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
  }
  return out;
}

/**
 * MySQL's latin1 is Windows-1252 (0x80 is €), except that the five bytes cp1252 leaves
 * undefined map to the C1 controls. Node's TextDecoder treats 'windows-1252' as ISO-8859-1,
 * so the 0x80..0x9f range is mapped here.
 */
const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export function decodeLatin1(buf: Buffer, start: number, end: number): string {
  const s = buf.toString('latin1', start, end);
  if (!/[\u0080-\u009f]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x80 && c <= 0x9f ? CP1252_HIGH[c - 0x80] : s[i];
  }
  return out;
}
