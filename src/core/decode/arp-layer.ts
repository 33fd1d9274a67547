// ARP (and RARP-style layouts): addresses formatted when they are MAC and IPv4 sized.

import { formatIpv4, formatMac } from './address-format';
import { u16, u8 } from './bytes';

export class ArpLayer {
  constructor(
    private readonly b: Buffer,
    readonly offset: number,
  ) {}

  get malformed(): string | undefined {
    const captured = this.b.length - this.offset;
    if (captured < 8) return `truncated: ARP header needs 8 bytes, ${Math.max(0, captured)} captured`;
    const need = 8 + 2 * (this.hardwareSize + this.protocolSize);
    return captured < need ? `truncated: ARP message needs ${need} bytes, ${captured} captured` : undefined;
  }

  get hardwareType(): number {
    return u16(this.b, this.offset);
  }

  get protocolType(): number {
    return u16(this.b, this.offset + 2);
  }

  get hardwareSize(): number {
    return u8(this.b, this.offset + 4);
  }

  get protocolSize(): number {
    return u8(this.b, this.offset + 5);
  }

  /** 1 request, 2 reply */
  get opcode(): number {
    return u16(this.b, this.offset + 6);
  }

  get senderMac(): string | undefined {
    return this.#mac(this.offset + 8);
  }

  get senderIp(): string | undefined {
    return this.#ip(this.offset + 8 + this.hardwareSize);
  }

  get targetMac(): string | undefined {
    return this.#mac(this.offset + 8 + this.hardwareSize + this.protocolSize);
  }

  get targetIp(): string | undefined {
    return this.#ip(this.offset + 8 + 2 * this.hardwareSize + this.protocolSize);
  }

  #mac(o: number): string | undefined {
    return this.hardwareSize === 6 && o + 6 <= this.b.length ? formatMac(this.b, o) : undefined;
  }

  #ip(o: number): string | undefined {
    return this.protocolSize === 4 && o + 4 <= this.b.length ? formatIpv4(this.b, o) : undefined;
  }
}
