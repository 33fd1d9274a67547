// The pcapng link types (LINKTYPE_* values) the decoder understands, and the EtherTypes it follows.

export const LinkType = {
  /** BSD loopback: a 4-byte address family in the writer's byte order */
  NULL: 0,
  ETHERNET: 1,
  /** raw IPv4 or IPv6, told apart by the version nibble */
  RAW: 101,
  /** OpenBSD loopback: the address family in network byte order */
  LOOP: 108,
  /** Linux cooked capture v1 (the `any` interface of older libpcap) */
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  /** Linux cooked capture v2 (the `any` interface since libpcap 1.10) */
  LINUX_SLL2: 276,
} as const;

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  /** the pre-standard QinQ outer tag some switches still send */
  QINQ_OLD: 0x9100,
} as const;

export const IpProtocol = {
  HOP_BY_HOP: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NO_NEXT_HEADER: 59,
  DESTINATION_OPTIONS: 60,
} as const;
