// The packet-filter node's edit-dialog fields as PacketCriteria: comma-separated lists, empty
// fields match everything; addresses may be CIDR prefixes. Bad values are MatchCriteriaErrors.
import { MatchCriteriaError, packetMatcher } from '../../core/analysis/match';
import type { PacketCriteria } from '../../core/analysis/match';
import { isProtocolName } from '../../core/decode';
import type { ProtocolName } from '../../core/decode';

function items(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string') throw new MatchCriteriaError('field', `expected text, got ${typeof value}`);
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function portList(key: string, value: unknown): number[] | undefined {
  const list = items(value).map((s) => {
    if (!/^\d{1,5}$/.test(s)) throw new MatchCriteriaError(key, `expected a port 0..65535, got ${JSON.stringify(s)}`);
    return Number(s);
  });
  return list.length > 0 ? list : undefined;
}

function textList(value: unknown): string[] | undefined {
  const list = items(value);
  return list.length > 0 ? list : undefined;
}

/** Criteria from the node's fields: protocol, host, src, dst, port, srcPort, dstPort, iface. */
export function filterCriteria(def: Readonly<Record<string, unknown>>): PacketCriteria {
  const criteria: PacketCriteria = {};
  const protocols = textList(def.protocol);
  if (protocols) {
    for (const p of protocols) if (!isProtocolName(p)) throw new MatchCriteriaError('protocol', `unknown protocol ${JSON.stringify(p)}`);
    criteria.protocol = protocols as ProtocolName[];
  }
  const host = textList(def.host);
  if (host) criteria.host = host;
  const src = textList(def.src);
  if (src) criteria.src = src;
  const dst = textList(def.dst);
  if (dst) criteria.dst = dst;
  const port = portList('port', def.port);
  if (port) criteria.port = port;
  const srcPort = portList('srcPort', def.srcPort);
  if (srcPort) criteria.srcPort = srcPort;
  const dstPort = portList('dstPort', def.dstPort);
  if (dstPort) criteria.dstPort = dstPort;
  const iface = textList(def.iface);
  if (iface) criteria.iface = iface;
  packetMatcher(criteria); // checks addresses and prefixes now, at deploy
  return criteria;
}
