/**
 * Cuts a byte stream into MySQL protocol payloads (MySQL manual, "MySQL Packets"): each wire
 * packet is a 3-byte little-endian payload length, a 1-byte sequence id and the payload. A
 * payload of exactly 0xFFFFFF bytes is continued by the next packet, so one logical payload
 * of 16 MiB or more arrives as several packets; the framer hands out the joined payload.
 *
 * Copies are kept to a minimum because every binlog byte goes through here: a payload that
 * lies inside one socket chunk is handed out as a range of that chunk (Node never reuses a
 * chunk it has emitted), a payload that spans chunks is copied once into a buffer of its own
 * size, and only the few header bytes cut by a chunk boundary are copied twice.
 */
export const MAX_PACKET_PAYLOAD = 0xffffff;

export class PacketFramer {
  /** Bytes of an incomplete wire packet whose header was complete: its chunks, in order. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Total length (header + payload) of the wire packet being collected in `parts`. */
  private need = 0;
  /** Fewer than 4 bytes left at the end of a chunk: the start of the next header. */
  private headerRest: Buffer | null = null;
  /** Pieces of a logical payload split over 0xFFFFFF-byte packets. */
  private continued: Buffer[] | null = null;
  private continuedLength = 0;

  /**
   * `onPayload` gets each complete logical payload as `buf[start, end)` (a range, so that the
   * caller makes the one view it needs); the framer never touches those bytes again.
   */
  constructor(private readonly onPayload: (buf: Buffer, start: number, end: number) => void) {}

  /** Bytes held for incomplete packets (for backpressure accounting). */
  get bufferedBytes(): number {
    return this.partsLength + this.continuedLength + (this.headerRest?.length ?? 0);
  }

  push(input: Buffer): void {
    let chunk = input;
    let offset = 0;
    if (this.need > 0) {
      const missing = this.need - this.partsLength;
      if (chunk.length < missing) {
        this.parts.push(chunk);
        this.partsLength += chunk.length;
        return;
      }
      const packet = Buffer.allocUnsafeSlow(this.need);
      let at = 0;
      for (const part of this.parts) at += part.copy(packet, at);
      chunk.copy(packet, at, 0, missing);
      this.parts = [];
      this.partsLength = 0;
      this.need = 0;
      this.packet(packet, 4, packet.length, packet.readUIntLE(0, 3));
      offset = missing;
    } else if (this.headerRest) {
      chunk = Buffer.concat([this.headerRest, chunk]);
      this.headerRest = null;
    }
    const end = chunk.length;
    while (offset < end) {
      if (end - offset < 4) {
        this.headerRest = Buffer.from(chunk.subarray(offset));
        return;
      }
      const length = chunk[offset] | (chunk[offset + 1] << 8) | (chunk[offset + 2] << 16);
      const total = length + 4;
      if (end - offset < total) {
        this.parts.push(chunk.subarray(offset));
        this.partsLength = end - offset;
        this.need = total;
        return;
      }
      this.packet(chunk, offset + 4, offset + total, length);
      offset += total;
    }
  }

  /** Drops every partial packet (used before the socket is replaced). */
  reset(): void {
    this.parts = [];
    this.partsLength = 0;
    this.need = 0;
    this.headerRest = null;
    this.continued = null;
    this.continuedLength = 0;
  }

  private packet(buf: Buffer, start: number, end: number, length: number): void {
    if (this.continued) {
      this.continued.push(buf.subarray(start, end));
      this.continuedLength += length;
      if (length === MAX_PACKET_PAYLOAD) return;
      const joined = Buffer.concat(this.continued, this.continuedLength);
      this.continued = null;
      this.continuedLength = 0;
      this.onPayload(joined, 0, joined.length);
      return;
    }
    if (length === MAX_PACKET_PAYLOAD) {
      this.continued = [buf.subarray(start, end)];
      this.continuedLength = length;
      return;
    }
    this.onPayload(buf, start, end);
  }
}
