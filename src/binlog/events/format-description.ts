import { BinlakeError } from '../../core/errors.js';
import { type ChecksumAlgorithm, fdeHasChecksumAlgorithm } from '../format.js';
import { EVENT_HEADER_LENGTH } from '../raw-event.js';
import { BaseEvent } from './base.js';
import type { BodyDecoder } from './context.js';

/**
 * FORMAT_DESCRIPTION (15): binlog_version(2) server_version(50, NUL-padded) create_timestamp(4)
 * header_length(1) post_header_lengths(one per type) [checksum_alg(1) checksum(4)].
 * The last five bytes exist when the server version is checksum-aware (see
 * `fdeHasChecksumAlgorithm`); they are there even when the algorithm is OFF.
 */
export class FormatDescriptionEvent extends BaseEvent {
  get type(): 'format_description' {
    return 'format_description';
  }
  declare readonly binlogVersion: number;
  declare readonly serverVersion: string;
  declare readonly createTimestamp: number;
  declare readonly headerLength: number;
  declare readonly postHeaderLengths: number[];
  declare readonly checksumAlgorithm: ChecksumAlgorithm | null;

  constructor(
    header: FormatDescriptionEvent['header'],
    file: string,
    position: number,
    binlogVersion: number,
    serverVersion: string,
    createTimestamp: number,
    headerLength: number,
    postHeaderLengths: number[],
    /** null when the server predates checksums (no algorithm byte). */
    checksumAlgorithm: ChecksumAlgorithm | null,
  ) {
    super(header, file, position);
    this.binlogVersion = binlogVersion;
    this.serverVersion = serverVersion;
    this.createTimestamp = createTimestamp;
    this.headerLength = headerLength;
    this.postHeaderLengths = postHeaderLengths;
    this.checksumAlgorithm = checksumAlgorithm;
  }

  get mariadb(): boolean {
    return /mariadb/i.test(this.serverVersion);
  }

  protected body() {
    return {
      binlogVersion: this.binlogVersion,
      serverVersion: this.serverVersion,
      createTimestamp: this.createTimestamp,
      headerLength: this.headerLength,
      checksum: this.checksumAlgorithm,
      postHeaderLengths: this.postHeaderLengths,
    };
  }
}

/** Reads the server version of an FDE straight from its bytes (before the event is decoded). */
export function fdeServerVersion(bytes: Buffer): string {
  const start = EVENT_HEADER_LENGTH + 2;
  const end = Math.min(start + 50, bytes.length);
  const raw = bytes.subarray(start, end);
  const nul = raw.indexOf(0);
  return raw.toString('latin1', 0, nul < 0 ? raw.length : nul);
}

/** The checksum algorithm byte of an FDE: 0 off, 1 CRC32, 255 undefined, or null when absent. */
export function fdeChecksumByte(bytes: Buffer): number | null {
  if (!fdeHasChecksumAlgorithm(fdeServerVersion(bytes))) return null;
  if (bytes.length < EVENT_HEADER_LENGTH + 57 + 5) return null;
  return bytes[bytes.length - 5];
}

export const decodeFormatDescription: BodyDecoder = (r, ctx) => {
  const binlogVersion = r.u16();
  const versionBytes = r.bytes(50);
  const nul = versionBytes.indexOf(0);
  const serverVersion = versionBytes.toString('latin1', 0, nul < 0 ? 50 : nul);
  const createTimestamp = r.u32();
  const headerLength = r.u8();
  if (headerLength !== EVENT_HEADER_LENGTH) {
    throw new BinlakeError('BLK_B2003', `FORMAT_DESCRIPTION declares a ${headerLength}-byte common header`, {
      details: { offset: r.pos - 1 },
    });
  }
  const hasAlg = fdeHasChecksumAlgorithm(serverVersion);
  const count = r.remaining - (hasAlg ? 5 : 0);
  if (count < 0) r.truncated(5);
  const postHeaderLengths = [...r.bytes(count)];
  let checksumAlgorithm: ChecksumAlgorithm | null = null;
  if (hasAlg) {
    const alg = r.u8();
    r.skip(4);
    if (alg === 1) checksumAlgorithm = 'crc32';
    else if (alg === 0 || alg === 255) checksumAlgorithm = 'none';
    else {
      throw new BinlakeError('BLK_B2003', `unknown binlog checksum algorithm ${alg}`, {
        details: { offset: r.pos - 5 },
      });
    }
  }
  return new FormatDescriptionEvent(
    ctx.header,
    ctx.file,
    ctx.position,
    binlogVersion,
    serverVersion,
    createTimestamp,
    headerLength,
    postHeaderLengths,
    checksumAlgorithm,
  );
};
