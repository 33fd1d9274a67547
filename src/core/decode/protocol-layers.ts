// Types that narrow a DecodedPacket by protocol: `WithProtocol<'tcp'>` is a packet whose `tcp`
// layer is defined (it may still be `malformed`: check that before trusting its fields).

import type { ArpLayer } from './arp-layer';
import type { DecodedPacket, IpLayer, ProtocolName } from './decoded-packet';
import type { DnsLayer } from './dns-layer';
import type { IcmpLayer } from './icmp-layer';
import type { Ipv4Layer } from './ipv4-layer';
import type { Ipv6Layer } from './ipv6-layer';
import type { TcpLayer } from './tcp-layer';
import type { UdpLayer } from './udp-layer';

export interface ProtocolLayers {
  tcp: { readonly tcp: TcpLayer; readonly ip: IpLayer };
  udp: { readonly udp: UdpLayer; readonly ip: IpLayer };
  icmp: { readonly icmp: IcmpLayer; readonly ip: Ipv4Layer; readonly ipv4: Ipv4Layer };
  icmpv6: { readonly icmpv6: IcmpLayer; readonly ip: Ipv6Layer; readonly ipv6: Ipv6Layer };
  dns: { readonly dns: DnsLayer; readonly ip: IpLayer };
  arp: { readonly arp: ArpLayer };
  ipv4: { readonly ip: Ipv4Layer; readonly ipv4: Ipv4Layer };
  ipv6: { readonly ip: Ipv6Layer; readonly ipv6: Ipv6Layer };
}

/** A decoded packet known to carry protocol P. */
export type WithProtocol<P extends ProtocolName, T extends DecodedPacket = DecodedPacket> = T & ProtocolLayers[P];

export const PROTOCOL_NAMES: readonly ProtocolName[] = ['dns', 'tcp', 'udp', 'icmp', 'icmpv6', 'arp', 'ipv4', 'ipv6'];

export function isProtocolName(name: unknown): name is ProtocolName {
  return typeof name === 'string' && (PROTOCOL_NAMES as readonly string[]).includes(name);
}

/** A type guard for `filter`: the packet carries protocol P. */
export function hasProtocol<P extends ProtocolName>(protocol: P): <T extends DecodedPacket>(packet: T) => packet is WithProtocol<P, T> {
  return <T extends DecodedPacket>(packet: T): packet is WithProtocol<P, T> => packet.has(protocol);
}
