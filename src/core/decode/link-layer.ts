// The link layer: Ethernet (with its VLAN tags), Linux cooked captures v1/v2, raw IP, loopback.

import { formatMac } from './address-format';
import { u16, u32, u8 } from './bytes';
import type { Dissection, LinkKind } from './dissection';

export class LinkLayer {
  constructor(
    private readonly b: Buffer,
    private readonly d: Dissection,
  ) {}

  get kind(): LinkKind {
    return this.d.linkKind;
  }

  /** the pcapng interface's link type */
  get linkType(): number {
    return this.d.linkType;
  }

  /** why the link header could not be read; undefined when it was fine */
  get malformed(): string | undefined {
    return this.d.linkMalformed;
  }

  /** the network layer's EtherType (after any VLAN tags); undefined when there is none */
  get etherType(): number | undefined {
    return this.d.etherType < 0 ? undefined : this.d.etherType;
  }

  /** Ethernet destination MAC */
  get dst(): string | undefined {
    return this.d.linkKind === 'ethernet' && this.b.length >= 14 ? formatMac(this.b, 0) : undefined;
  }

  /** Ethernet source MAC, or the cooked header's link-layer address */
  get src(): string | undefined {
    const b = this.b;
    switch (this.d.linkKind) {
      case 'ethernet':
        return b.length >= 14 ? formatMac(b, 6) : undefined;
      case 'sll': {
        const length = Math.min(8, u16(b, 4));
        return b.length >= 16 && length > 0 ? formatMac(b, 6, length) : undefined;
      }
      case 'sll2': {
        const length = Math.min(8, u8(b, 11));
        return b.length >= 20 && length > 0 ? formatMac(b, 12, length) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** cooked captures: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us */
  get packetType(): number | undefined {
    if (this.d.linkKind === 'sll' && this.b.length >= 16) return u16(this.b, 0);
    if (this.d.linkKind === 'sll2' && this.b.length >= 20) return u8(this.b, 10);
    return undefined;
  }

  /** cooked captures: the ARPHRD_ type of the interface */
  get hardwareType(): number | undefined {
    if (this.d.linkKind === 'sll' && this.b.length >= 16) return u16(this.b, 2);
    if (this.d.linkKind === 'sll2' && this.b.length >= 20) return u16(this.b, 8);
    return undefined;
  }

  /** SLL2: the interface index the packet was seen on */
  get interfaceIndex(): number | undefined {
    return this.d.linkKind === 'sll2' && this.b.length >= 20 ? u32(this.b, 4) : undefined;
  }
}

/** One 802.1Q / 802.1ad tag. */
export interface VlanTag {
  /** the tag's TPID: 0x8100, 0x88a8 or 0x9100 */
  readonly tpid: number;
  readonly id: number;
  readonly priority: number;
  readonly dropEligible: boolean;
}

export function vlanTags(b: Buffer, d: Dissection): VlanTag[] {
  const tags: VlanTag[] = [];
  for (let i = 0, o = d.vlanOffset; i < d.vlanCount; i++, o += 4) {
    const tci = u16(b, o);
    tags.push({ tpid: u16(b, o - 2), id: tci & 0x0fff, priority: tci >> 13, dropEligible: (tci & 0x1000) !== 0 });
  }
  return tags;
}
