// IPv6: the fixed header and the chain of extension headers (hop-by-hop, routing, fragment,
// destination options, AH).

import { formatIpv6 } from './address-format';
import { u16, u32, u8 } from './bytes';
import type { Dissection } from './dissection';
import { MAX_IPV6_EXTENSIONS, ipv6ExtensionLength, isIpv6Extension } from './dissection';
import { IpProtocol } from './link-type';

export interface Ipv6ExtensionHeader {
  /** its protocol number: 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options, 51 AH */
  readonly type: number;
  readonly name: 'hop-by-hop' | 'routing' | 'fragment' | 'destination-options' | 'ah';
  /** where it starts in the frame */
  readonly offset: number;
  readonly length: number;
}

export interface Ipv6Fragment {
  /** in bytes */
  readonly offset: number;
  readonly more: boolean;
  readonly identification: number;
}

const EXTENSION_NAMES: Record<number, Ipv6ExtensionHeader['name']> = {
  [IpProtocol.HOP_BY_HOP]: 'hop-by-hop',
  [IpProtocol.ROUTING]: 'routing',
  [IpProtocol.FRAGMENT]: 'fragment',
  [IpProtocol.DESTINATION_OPTIONS]: 'destination-options',
  [IpProtocol.AH]: 'ah',
};

export class Ipv6Layer {
  readonly version = 6;

  constructor(
    private readonly b: Buffer,
    readonly offset: number,
    private readonly d: Dissection,
  ) {}

  get malformed(): string | undefined {
    return this.d.l3Malformed;
  }

  get truncated(): boolean {
    return this.d.ipClaimedEnd > this.b.length;
  }

  get trafficClass(): number {
    return (u16(this.b, this.offset) >> 4) & 0xff;
  }

  get flowLabel(): number {
    return u32(this.b, this.offset) & 0xfffff;
  }

  get payloadLength(): number {
    return u16(this.b, this.offset + 4);
  }

  /** the first next-header value (an extension header or the transport protocol) */
  get nextHeader(): number {
    return u8(this.b, this.offset + 6);
  }

  get hopLimit(): number {
    return u8(this.b, this.offset + 7);
  }

  /** the transport protocol after the extension headers; -1 when the chain could not be walked */
  get protocol(): number {
    return this.d.l4Protocol;
  }

  get fragment(): boolean {
    return this.d.fragment;
  }

  /** undefined when the header was not captured */
  get src(): string | undefined {
    return this.offset + 40 <= this.b.length ? formatIpv6(this.b, this.offset + 8) : undefined;
  }

  get dst(): string | undefined {
    return this.offset + 40 <= this.b.length ? formatIpv6(this.b, this.offset + 24) : undefined;
  }

  /** the extension headers in order, as far as they were captured */
  get extensionHeaders(): Ipv6ExtensionHeader[] {
    const out: Ipv6ExtensionHeader[] = [];
    const b = this.b;
    let next = u8(b, this.offset + 6);
    let p = this.offset + 40;
    while (isIpv6Extension(next) && out.length < MAX_IPV6_EXTENSIONS && p + 8 <= b.length) {
      const length = ipv6ExtensionLength(next, b[p + 1]!);
      out.push({ type: next, name: EXTENSION_NAMES[next]!, offset: p, length });
      next = b[p]!;
      p += length;
    }
    return out;
  }

  /** the fragment header's fields, when there is one */
  get fragmentHeader(): Ipv6Fragment | undefined {
    const h = this.extensionHeaders.find((e) => e.type === IpProtocol.FRAGMENT);
    if (!h) return undefined;
    const v = u16(this.b, h.offset + 2);
    return { offset: v & 0xfff8, more: (v & 1) !== 0, identification: u32(this.b, h.offset + 4) };
  }
}
