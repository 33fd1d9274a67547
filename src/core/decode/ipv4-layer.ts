// IPv4: header fields read on demand, options listed, fragments flagged. The checksum is not verified.

import { formatIpv4 } from './address-format';
import { u16, u8 } from './bytes';
import type { Dissection } from './dissection';

export interface Ipv4Option {
  readonly type: number;
  /** whole option length in bytes (1 for EOL and NOP) */
  readonly length: number;
  /** the option's value bytes (a view) */
  readonly data: Buffer;
}

export class Ipv4Layer {
  readonly version = 4;

  constructor(
    private readonly b: Buffer,
    /** where the header starts in the frame */
    readonly offset: number,
    private readonly d: Dissection,
  ) {}

  get malformed(): string | undefined {
    return this.d.l3Malformed;
  }

  /** the total length claims more bytes than were captured */
  get truncated(): boolean {
    return this.d.ipClaimedEnd > this.b.length;
  }

  get headerLength(): number {
    return (u8(this.b, this.offset) & 0x0f) * 4;
  }

  get dscp(): number {
    return u8(this.b, this.offset + 1) >> 2;
  }

  get ecn(): number {
    return u8(this.b, this.offset + 1) & 3;
  }

  get totalLength(): number {
    return u16(this.b, this.offset + 2);
  }

  get identification(): number {
    return u16(this.b, this.offset + 4);
  }

  get dontFragment(): boolean {
    return (u8(this.b, this.offset + 6) & 0x40) !== 0;
  }

  get moreFragments(): boolean {
    return (u8(this.b, this.offset + 6) & 0x20) !== 0;
  }

  /** in bytes */
  get fragmentOffset(): number {
    return (u16(this.b, this.offset + 6) & 0x1fff) * 8;
  }

  /** part of a fragmented datagram (MF set or a non-zero offset); only the first carries the transport header */
  get fragment(): boolean {
    return this.d.fragment;
  }

  get ttl(): number {
    return u8(this.b, this.offset + 8);
  }

  /** the IP protocol number (6 TCP, 17 UDP, 1 ICMP, …) */
  get protocol(): number {
    return u8(this.b, this.offset + 9);
  }

  get checksum(): number {
    return u16(this.b, this.offset + 10);
  }

  /** undefined when the header was not captured */
  get src(): string | undefined {
    return this.offset + 20 <= this.b.length ? formatIpv4(this.b, this.offset + 12) : undefined;
  }

  get dst(): string | undefined {
    return this.offset + 20 <= this.b.length ? formatIpv4(this.b, this.offset + 16) : undefined;
  }

  /** the options; a malformed option list ends the list where it stops making sense */
  get options(): Ipv4Option[] {
    const out: Ipv4Option[] = [];
    const end = Math.min(this.b.length, this.offset + this.headerLength);
    for (let p = this.offset + 20; p < end; ) {
      const type = this.b[p]!;
      if (type === 0 || type === 1) {
        out.push({ type, length: 1, data: this.b.subarray(p + 1, p + 1) });
        p++;
        if (type === 0) break;
        continue;
      }
      const length = p + 1 < end ? this.b[p + 1]! : 0;
      if (length < 2 || p + length > end) break;
      out.push({ type, length, data: this.b.subarray(p + 2, p + length) });
      p += length;
    }
    return out;
  }
}
