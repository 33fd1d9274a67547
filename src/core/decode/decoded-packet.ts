// A packet with its protocol layers. Still a Packet (so it can be written, merged, replayed), and
// nothing is decoded until a layer is read: the first read walks the headers once (dissection.ts),
// each layer view is made once and kept, and address strings are made only when read.

import { Packet } from '../pcapng/packet';
import { formatIpv4, formatIpv6 } from './address-format';
import { ArpLayer } from './arp-layer';
import { Dissection } from './dissection';
import { DNS_PORTS, DnsLayer } from './dns-layer';
import { IcmpLayer } from './icmp-layer';
import { Ipv4Layer } from './ipv4-layer';
import { Ipv6Layer } from './ipv6-layer';
import { EtherType, IpProtocol } from './link-type';
import { LinkLayer, vlanTags } from './link-layer';
import type { VlanTag } from './link-layer';
import { TcpLayer } from './tcp-layer';
import { UdpLayer } from './udp-layer';

// Module-local copies for the hot path (see dissection.ts).
const ETHERTYPE_ARP = EtherType.ARP;
const NewDissection = Dissection;
const { TCP, UDP, ICMP, ICMPV6 } = IpProtocol;
const [DNS_PORT, MDNS_PORT] = DNS_PORTS as [number, number];

/** The protocols a packet can be selected by (`ofProtocol`, `matchPackets`). */
export type ProtocolName = 'dns' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'arp' | 'ipv4' | 'ipv6';

/** A packet's highest decoded protocol (see `DecodedPacket.protocol`); `other` for non-IP, non-ARP frames. */
export type PacketProtocol = ProtocolName | 'other';

export type IpLayer = Ipv4Layer | Ipv6Layer;

const NO_VLANS: readonly number[] = Object.freeze([]);

/** Layer views made so far (one object, made on the first view, so a bare DecodedPacket stays small). */
interface LayerCache {
  link?: LinkLayer;
  vlanTags?: VlanTag[];
  ip?: IpLayer | null;
  transport?: TcpLayer | UdpLayer | IcmpLayer | null;
  arp?: ArpLayer | null;
  dns?: DnsLayer | null;
}

export class DecodedPacket extends Packet {
  #bytes: Buffer | undefined;
  #dissection: Dissection | undefined;
  #vlan: readonly number[] | undefined;
  #cache: LayerCache | undefined;

  /** the captured bytes (one view, kept) */
  get bytes(): Buffer {
    return (this.#bytes ??= this.data);
  }

  /** where each layer starts: the walk over the headers, done on first use */
  get dissection(): Dissection {
    // Read in place: the data view (`bytes`) is made only when a layer or a caller asks for it.
    return (this.#dissection ??= new NewDissection(this.dataBuffer, this.linkType, this.dataOffset, this.capturedLength));
  }

  /** this packet's layers (the same object: for code written as `packet.decoded.tcp`) */
  get decoded(): this {
    return this;
  }

  get link(): LinkLayer {
    const c = this.#views();
    return (c.link ??= new LinkLayer(this.bytes, this.dissection));
  }

  /** VLAN ids, outer tag first (QinQ: [service, customer]); empty without tags */
  get vlan(): readonly number[] {
    if (this.#vlan) return this.#vlan;
    const d = this.dissection;
    if (d.vlanCount === 0) return (this.#vlan = NO_VLANS);
    const b = this.bytes;
    const ids: number[] = [];
    for (let i = 0, o = d.vlanOffset; i < d.vlanCount; i++, o += 4) ids.push(((b[o]! << 8) | b[o + 1]!) & 0x0fff);
    return (this.#vlan = ids);
  }

  /** the VLAN tags in full (priority, DEI, TPID) */
  get vlanTags(): readonly VlanTag[] {
    const c = this.#views();
    return (c.vlanTags ??= vlanTags(this.bytes, this.dissection));
  }

  get ip(): IpLayer | undefined {
    const c = this.#views();
    if (c.ip === undefined) {
      const d = this.dissection;
      c.ip = d.ipVersion === 4 ? new Ipv4Layer(this.bytes, d.l3Offset, d) : d.ipVersion === 6 ? new Ipv6Layer(this.bytes, d.l3Offset, d) : null;
    }
    return c.ip ?? undefined;
  }

  get ipv4(): Ipv4Layer | undefined {
    return this.dissection.ipVersion === 4 ? (this.ip as Ipv4Layer) : undefined;
  }

  get ipv6(): Ipv6Layer | undefined {
    return this.dissection.ipVersion === 6 ? (this.ip as Ipv6Layer) : undefined;
  }

  get arp(): ArpLayer | undefined {
    const c = this.#views();
    if (c.arp === undefined) {
      const d = this.dissection;
      c.arp = d.etherType === ETHERTYPE_ARP && d.l3Offset >= 0 ? new ArpLayer(this.bytes, d.l3Offset) : null;
    }
    return c.arp ?? undefined;
  }

  get tcp(): TcpLayer | undefined {
    const t = this.#transport();
    return t instanceof TcpLayer ? t : undefined;
  }

  get udp(): UdpLayer | undefined {
    const t = this.#transport();
    return t instanceof UdpLayer ? t : undefined;
  }

  get icmp(): IcmpLayer | undefined {
    const t = this.#transport();
    return t instanceof IcmpLayer && t.ipVersion === 4 ? t : undefined;
  }

  get icmpv6(): IcmpLayer | undefined {
    const t = this.#transport();
    return t instanceof IcmpLayer && t.ipVersion === 6 ? t : undefined;
  }

  /** DNS or mDNS (port 53 or 5353 on either side, with a payload), decoded when first read */
  get dns(): DnsLayer | undefined {
    const c = this.#views();
    if (c.dns === undefined) {
      if (!this.#isDns()) c.dns = null;
      else {
        const tcp = this.tcp;
        c.dns = tcp ? new DnsLayer(tcp.payload, 'tcp') : new DnsLayer(this.udp!.payload, 'udp');
      }
    }
    return c.dns ?? undefined;
  }

  /** the IP source address; undefined without IP or when the header was not captured */
  get src(): string | undefined {
    const d = this.dissection;
    const o = d.l3Offset;
    if (d.ipVersion === 4) return o + 20 <= this.bytes.length ? formatIpv4(this.bytes, o + 12) : undefined;
    if (d.ipVersion === 6) return o + 40 <= this.bytes.length ? formatIpv6(this.bytes, o + 8) : undefined;
    return undefined;
  }

  get dst(): string | undefined {
    const d = this.dissection;
    const o = d.l3Offset;
    if (d.ipVersion === 4) return o + 20 <= this.bytes.length ? formatIpv4(this.bytes, o + 16) : undefined;
    if (d.ipVersion === 6) return o + 40 <= this.bytes.length ? formatIpv6(this.bytes, o + 24) : undefined;
    return undefined;
  }

  /** TCP or UDP source port; undefined otherwise (or when not captured) */
  get srcPort(): number | undefined {
    const o = this.#portsOffset();
    return o < 0 ? undefined : (this.bytes[o]! << 8) | this.bytes[o + 1]!;
  }

  get dstPort(): number | undefined {
    const o = this.#portsOffset();
    return o < 0 ? undefined : (this.bytes[o + 2]! << 8) | this.bytes[o + 3]!;
  }

  /**
   * The highest protocol decoded: `dns` (by port, see `dns`), else the transport (`tcp`, `udp`,
   * `icmp`, `icmpv6`), else `ipv4`/`ipv6` (other IP protocols, later fragments, malformed
   * headers), `arp`, or `other`.
   */
  get protocol(): PacketProtocol {
    const d = this.dissection;
    if (d.ipVersion === 0) return d.etherType === ETHERTYPE_ARP && d.l3Offset >= 0 ? 'arp' : 'other';
    if (d.l4Offset >= 0) {
      const p = d.l4Protocol;
      if (p === TCP || p === UDP) return this.#isDns() ? 'dns' : p === TCP ? 'tcp' : 'udp';
      if (p === ICMP && d.ipVersion === 4) return 'icmp';
      if (p === ICMPV6 && d.ipVersion === 6) return 'icmpv6';
    }
    return d.ipVersion === 4 ? 'ipv4' : 'ipv6';
  }

  /** whether the packet has this protocol's layer (`dns` implies `udp` or `tcp`, and these `ipv4` or `ipv6`) */
  has(protocol: ProtocolName): boolean {
    const d = this.dissection;
    switch (protocol) {
      case 'ipv4':
        return d.ipVersion === 4;
      case 'ipv6':
        return d.ipVersion === 6;
      case 'arp':
        return d.etherType === ETHERTYPE_ARP && d.l3Offset >= 0;
      case 'tcp':
        return d.l4Offset >= 0 && d.l4Protocol === TCP;
      case 'udp':
        return d.l4Offset >= 0 && d.l4Protocol === UDP;
      case 'icmp':
        return d.l4Offset >= 0 && d.l4Protocol === ICMP && d.ipVersion === 4;
      case 'icmpv6':
        return d.l4Offset >= 0 && d.l4Protocol === ICMPV6 && d.ipVersion === 6;
      case 'dns':
        return this.#isDns();
    }
  }

  /** every layer's malformed reason, outermost first; empty when all decoded layers were fine */
  get malformed(): string[] {
    const out: string[] = [];
    for (const why of [this.link.malformed, this.ip?.malformed, this.arp?.malformed, this.#transport()?.malformed, this.dns?.malformed]) {
      if (why !== undefined) out.push(why);
    }
    return out;
  }

  /** e.g. `udp 198.18.1.1:41000 → 198.18.2.1:41001`, `arp`, `icmp 198.18.1.1 → 198.18.2.1` */
  protected override describe(): string {
    const { src, dst } = this;
    if (src === undefined || dst === undefined) return this.protocol;
    const at = (address: string, port: number | undefined): string => {
      if (port === undefined) return address;
      return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    };
    return `${this.protocol} ${at(src, this.srcPort)} → ${at(dst, this.dstPort)}`;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      protocol: this.protocol,
      src: this.src ?? null,
      dst: this.dst ?? null,
      srcPort: this.srcPort ?? null,
      dstPort: this.dstPort ?? null,
      vlan: this.vlan,
      malformed: this.malformed,
    };
  }

  #views(): LayerCache {
    return (this.#cache ??= {});
  }

  #transport(): TcpLayer | UdpLayer | IcmpLayer | undefined {
    const c = this.#views();
    if (c.transport === undefined) {
      const d = this.dissection;
      const o = d.l4Offset;
      const b = this.bytes;
      if (o < 0) c.transport = null;
      else if (d.l4Protocol === TCP) c.transport = new TcpLayer(b, o, d.ipEnd, d.ipClaimedEnd);
      else if (d.l4Protocol === UDP) c.transport = new UdpLayer(b, o, d.ipEnd);
      else if (d.l4Protocol === ICMP && d.ipVersion === 4) c.transport = new IcmpLayer(b, o, d.ipEnd, 4);
      else if (d.l4Protocol === ICMPV6 && d.ipVersion === 6) c.transport = new IcmpLayer(b, o, d.ipEnd, 6);
      else c.transport = null;
    }
    return c.transport ?? undefined;
  }

  /** offset of the TCP/UDP port pair, -1 when there is none */
  #portsOffset(): number {
    const d = this.dissection;
    const o = d.l4Offset;
    if (o < 0 || (d.l4Protocol !== TCP && d.l4Protocol !== UDP)) return -1;
    return o + 4 <= d.ipEnd ? o : -1;
  }

  /** port 53 or 5353 on either side and payload bytes after a complete header */
  #isDns(): boolean {
    let o = this.#portsOffset();
    if (o < 0) return false;
    const d0 = this.dissection;
    const b = d0.buffer;
    const x = d0.base;
    o += x;
    const sp = (b[o]! << 8) | b[o + 1]!;
    const dp = (b[o + 2]! << 8) | b[o + 3]!;
    if (!isDnsPort(sp) && !isDnsPort(dp)) return false;
    const end = this.dissection.ipEnd + x;
    if (this.dissection.l4Protocol === UDP) return o + 8 < end;
    if (o + 13 > end) return false;
    const headerLength = (b[o + 12]! >> 4) * 4;
    return headerLength >= 20 && o + headerLength < end;
  }
}

function isDnsPort(port: number): boolean {
  return port === DNS_PORT || port === MDNS_PORT;
}

/** The packet with its layers; a packet that is one already is returned as it is. */
export function decode(packet: Packet): DecodedPacket {
  return packet instanceof DecodedPacket ? packet : new DecodedPacket(packet.block, packet.iface);
}
