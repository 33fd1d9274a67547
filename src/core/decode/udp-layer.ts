// UDP. The checksum is not verified.

import { u16 } from './bytes';

export class UdpLayer {
  constructor(
    private readonly b: Buffer,
    readonly offset: number,
    /** end of the datagram's captured bytes */
    private readonly end: number,
  ) {}

  get malformed(): string | undefined {
    const captured = this.end - this.offset;
    if (captured < 8) return `truncated: UDP header needs 8 bytes, ${Math.max(0, captured)} captured`;
    if (this.length < 8 && this.length !== 0) return `UDP length ${this.length} < 8`;
    return undefined;
  }

  get srcPort(): number {
    return u16(this.b, this.offset);
  }

  get dstPort(): number {
    return u16(this.b, this.offset + 2);
  }

  /** header and payload, as the header says (0 for jumbograms) */
  get length(): number {
    return u16(this.b, this.offset + 4);
  }

  get checksum(): number {
    return u16(this.b, this.offset + 6);
  }

  /** the captured payload (a view) */
  get payload(): Buffer {
    const claimed = this.length >= 8 ? this.offset + this.length : this.end;
    return this.b.subarray(Math.min(this.end, this.offset + 8), Math.min(this.end, claimed));
  }
}
