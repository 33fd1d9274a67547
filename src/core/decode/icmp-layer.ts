// ICMP and ICMPv6: type, code, and the echo identifier and sequence. The checksum is not verified.

import { u16, u8 } from './bytes';

export class IcmpLayer {
  constructor(
    private readonly b: Buffer,
    readonly offset: number,
    private readonly end: number,
    /** 4 for ICMP, 6 for ICMPv6 */
    readonly ipVersion: 4 | 6,
  ) {}

  get malformed(): string | undefined {
    const captured = this.end - this.offset;
    return captured < 4 ? `truncated: ICMP header needs 4 bytes, ${Math.max(0, captured)} captured` : undefined;
  }

  get type(): number {
    return u8(this.b, this.offset);
  }

  get code(): number {
    return u8(this.b, this.offset + 1);
  }

  get checksum(): number {
    return u16(this.b, this.offset + 2);
  }

  /** an echo request or reply (ICMP 8/0, ICMPv6 128/129) */
  get echo(): boolean {
    const t = this.type;
    return this.ipVersion === 4 ? t === 0 || t === 8 : t === 128 || t === 129;
  }

  /** echo messages: the identifier */
  get identifier(): number | undefined {
    return this.echo && this.end - this.offset >= 8 ? u16(this.b, this.offset + 4) : undefined;
  }

  /** echo messages: the sequence number */
  get sequence(): number | undefined {
    return this.echo && this.end - this.offset >= 8 ? u16(this.b, this.offset + 6) : undefined;
  }

  /** the bytes after the 4-byte header (a view) */
  get body(): Buffer {
    return this.b.subarray(Math.min(this.end, this.offset + 4), this.end);
  }
}
