// core/decode: packet decoding (no native code): DecodedPacket and its lazily read layer views,
// link (Ethernet, VLAN, Linux cooked), IPv4, IPv6, TCP, UDP, ICMP, ARP and DNS, never throwing on
// a malformed frame (it is marked malformed with a reason).
//
// May import: the shared model at src/core/ root and core/pcapng/ (the Packet it decodes); never
// RxJS, src/rx/, src/nodes/ or src/cli/ (docs/architecture.md).

export { DecodedPacket, decode } from './decoded-packet';
export type { IpLayer, PacketProtocol, ProtocolName } from './decoded-packet';
export { PROTOCOL_NAMES, hasProtocol, isProtocolName } from './protocol-layers';
export type { ProtocolLayers, WithProtocol } from './protocol-layers';
export { Dissection, MAX_IPV6_EXTENSIONS, MAX_VLAN_TAGS } from './dissection';
export type { LinkKind } from './dissection';
export { LinkLayer } from './link-layer';
export type { VlanTag } from './link-layer';
export { Ipv4Layer } from './ipv4-layer';
export type { Ipv4Option } from './ipv4-layer';
export { Ipv6Layer } from './ipv6-layer';
export type { Ipv6ExtensionHeader, Ipv6Fragment } from './ipv6-layer';
export { TcpFlag, TcpLayer } from './tcp-layer';
export type { TcpOptions } from './tcp-layer';
export { UdpLayer } from './udp-layer';
export { IcmpLayer } from './icmp-layer';
export { ArpLayer } from './arp-layer';
export { DNS_PORTS, DnsLayer } from './dns-layer';
export type { DnsMessage } from './dns-layer';
export { EtherType, IpProtocol, LinkType } from './link-type';
export { formatIpv4, formatIpv6, formatMac } from './address-format';
