// The direction-normalised 5-tuple of a packet: endpoint `a` is the one whose (address bytes, port)
// sorts first, so both directions of a conversation share one key.

import type { DecodedPacket } from '../decode/decoded-packet';
import { IpProtocol } from '../decode/link-type';

export type FlowProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'ip';

export interface FlowEndpoint {
  readonly address: string;
  /** 0 for protocols without ports */
  readonly port: number;
}

export interface FlowKey {
  /** `protocol a:port b:port`, e.g. `tcp 198.18.1.1:20001 198.18.2.1:80` (IPv6 in brackets) */
  readonly id: string;
  readonly protocol: FlowProtocol;
  /** the IP protocol number */
  readonly ipProtocol: number;
  readonly a: FlowEndpoint;
  readonly b: FlowEndpoint;
  /** the packet goes from a to b */
  readonly aToB: boolean;
}

function protocolName(n: number, ipVersion: number): FlowProtocol {
  if (n === IpProtocol.TCP) return 'tcp';
  if (n === IpProtocol.UDP) return 'udp';
  if (n === IpProtocol.ICMP && ipVersion === 4) return 'icmp';
  if (n === IpProtocol.ICMPV6 && ipVersion === 6) return 'icmpv6';
  return 'ip';
}

function endpointText(e: FlowEndpoint, v6: boolean): string {
  return v6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** The packet's flow key; undefined without a readable IP header. */
export function flowKeyOf(p: DecodedPacket): FlowKey | undefined {
  const d = p.dissection;
  const b = p.bytes;
  const v = d.ipVersion;
  if (v === 0) return undefined;
  const size = v === 4 ? 4 : 16;
  const so = d.l3Offset + (v === 4 ? 12 : 8);
  const dso = so + size;
  if (dso + size > b.length) return undefined;
  const src = p.src!;
  const dst = p.dst!;
  const sp = p.srcPort ?? 0;
  const dp = p.dstPort ?? 0;
  let order = b.compare(b, dso, dso + size, so, so + size);
  if (order === 0) order = sp - dp;
  const aToB = order <= 0;
  const ipProtocol = d.l4Protocol >= 0 ? d.l4Protocol : v === 4 ? b[d.l3Offset + 9]! : -1;
  const protocol = protocolName(ipProtocol, v);
  const a = aToB ? { address: src, port: sp } : { address: dst, port: dp };
  const z = aToB ? { address: dst, port: dp } : { address: src, port: sp };
  return { id: `${protocol === 'ip' ? `ip/${ipProtocol}` : protocol} ${endpointText(a, v === 6)} ${endpointText(z, v === 6)}`, protocol, ipProtocol, a, b: z, aToB };
}
