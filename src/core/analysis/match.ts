// Packet selection by fields: `packetMatcher(criteria)` compiles the criteria once into a
// predicate that reads addresses and ports straight from the frame (no strings per packet).
//
// Semantics: every field given must match (AND); a field given as an array matches when any of its
// values does (OR); a field not given (or undefined) matches everything.
//   host       the source or the destination address is in one of the addresses/prefixes
//   src, dst   the source / destination address is in one of them
//              (IPv4 `198.18.1.1`, `198.18.1.0/30`; IPv6 `fd00::1`, `fd00::/64`; IP packets only,
//              so ARP, for example, never matches an address criterion)
//   port       the TCP/UDP source or destination port is one of them
//   srcPort, dstPort  the TCP/UDP source / destination port (packets without ports never match)
//   protocol   the packet carries that protocol at some layer (`DecodedPacket.has`): `udp`
//              matches DNS over UDP too, `ipv4` matches all IPv4
//   iface      the packet's interface name (exact; merged captures name it `node/target/interface`)
//   vlan       one of the packet's VLAN ids (outer or inner tag)

import { isIPv4, isIPv6 } from 'node:net';
import { CshargError } from '../errors';
import { decode } from '../decode/decoded-packet';
import type { DecodedPacket, ProtocolName } from '../decode/decoded-packet';
import { isProtocolName } from '../decode/protocol-layers';
import type { Packet } from '../pcapng/packet';

export type OneOrMany<T> = T | readonly T[];

export interface PacketCriteria {
  host?: OneOrMany<string>;
  src?: OneOrMany<string>;
  dst?: OneOrMany<string>;
  port?: OneOrMany<number>;
  srcPort?: OneOrMany<number>;
  dstPort?: OneOrMany<number>;
  protocol?: OneOrMany<ProtocolName>;
  iface?: OneOrMany<string>;
  vlan?: OneOrMany<number>;
}

/** Criteria that cannot be used: an unknown key, a malformed address or prefix, a bad port. */
export class MatchCriteriaError extends CshargError {
  constructor(
    /** the offending key */
    readonly key: string,
    detail: string,
  ) {
    super('MATCH_CRITERIA', `match criteria, "${key}": ${detail}`);
  }
}

export type PacketPredicate = (packet: Packet | DecodedPacket) => boolean;

/** An IPv4 prefix as numbers, or an IPv6 prefix as 16 bytes and a length. */
type Prefix = { v: 4; net: number; mask: number } | { v: 6; bytes: Uint8Array; bits: number };

// A module-local binding: the per-packet call skips the import's accessor.
const decodePacket = decode;

const KEYS = new Set(['host', 'src', 'dst', 'port', 'srcPort', 'dstPort', 'protocol', 'iface', 'vlan']);

function list<T>(v: OneOrMany<T> | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function ipv4Number(a: string): number {
  const [x, y, z, w] = a.split('.').map(Number) as [number, number, number, number];
  return ((x << 24) | (y << 16) | (z << 8) | w) >>> 0;
}

function ipv6Bytes(a: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = a;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4Number(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** Parses `address` or `address/bits` (IPv4 or IPv6). */
export function parsePrefix(key: string, text: string): Prefix {
  if (typeof text !== 'string') throw new MatchCriteriaError(key, `expected an address string, got ${typeof text}`);
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bitsText = slash < 0 ? undefined : text.slice(slash + 1);
  const v = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (v === 0) throw new MatchCriteriaError(key, `not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  const max = v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!(bits >= 0 && bits <= max)) throw new MatchCriteriaError(key, `bad prefix length in ${JSON.stringify(text)} (0..${max})`);
  if (v === 4) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { v: 4, net: (ipv4Number(address) & mask) >>> 0, mask };
  }
  return { v: 6, bytes: ipv6Bytes(address), bits };
}

/** Whether the address at `o` in `b` (IPv4 or IPv6 by `version`) is in one of the prefixes. */
function inPrefixes(prefixes: readonly Prefix[], b: Buffer, o: number, version: number): boolean {
  for (const p of prefixes) {
    if (p.v === 4) {
      if (version !== 4) continue;
      const a = (b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!)) >>> 0;
      if (((a & p.mask) >>> 0) === p.net) return true;
    } else if (version === 6 && sameV6Prefix(p.bytes, p.bits, b, o)) return true;
  }
  return false;
}

function sameV6Prefix(net: Uint8Array, bits: number, b: Buffer, o: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (net[i] !== b[o + i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (net[i]! & mask) === (b[o + i]! & mask);
}

function ports(key: string, v: OneOrMany<number> | undefined): readonly number[] | undefined {
  const l = list(v);
  for (const p of l ?? []) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new MatchCriteriaError(key, `expected a port 0..65535, got ${String(p)}`);
  }
  return l;
}

// Loops rather than some(): no closure per packet on the hot path.
function hasAnyProtocol(p: DecodedPacket, names: readonly ProtocolName[]): boolean {
  for (let i = 0; i < names.length; i++) if (p.has(names[i]!)) return true;
  return false;
}

function hasAnyVlan(ids: readonly number[], wanted: readonly number[]): boolean {
  for (let i = 0; i < ids.length; i++) if (wanted.includes(ids[i]!)) return true;
  return false;
}

/** Compiles criteria into a predicate (see the file comment for the semantics). */
export function packetMatcher(criteria: PacketCriteria): (packet: Packet | DecodedPacket) => boolean {
  if (criteria === null || typeof criteria !== 'object') throw new MatchCriteriaError('', 'expected an object of criteria');
  for (const k of Object.keys(criteria)) if (!KEYS.has(k)) throw new MatchCriteriaError(k, `unknown key (known: ${[...KEYS].join(', ')})`);
  const host = list(criteria.host)?.map((a) => parsePrefix('host', a));
  const src = list(criteria.src)?.map((a) => parsePrefix('src', a));
  const dst = list(criteria.dst)?.map((a) => parsePrefix('dst', a));
  const port = ports('port', criteria.port);
  const srcPort = ports('srcPort', criteria.srcPort);
  const dstPort = ports('dstPort', criteria.dstPort);
  const protocol = list(criteria.protocol);
  for (const p of protocol ?? []) if (!isProtocolName(p)) throw new MatchCriteriaError('protocol', `unknown protocol ${JSON.stringify(p)}`);
  const iface = list(criteria.iface);
  for (const i of iface ?? []) if (typeof i !== 'string') throw new MatchCriteriaError('iface', 'expected interface names');
  const vlan = list(criteria.vlan);
  for (const v of vlan ?? []) if (!Number.isInteger(v) || v < 0 || v > 4095) throw new MatchCriteriaError('vlan', `expected a VLAN id 0..4095, got ${String(v)}`);
  const needsAddress = host !== undefined || src !== undefined || dst !== undefined;
  const needsPorts = port !== undefined || srcPort !== undefined || dstPort !== undefined;

  return (packet: Packet | DecodedPacket): boolean => {
    if (iface !== undefined && !iface.includes(packet.interfaceName ?? '')) return false;
    const p = decodePacket(packet);
    if (protocol !== undefined && !hasAnyProtocol(p, protocol)) return false;
    if (vlan !== undefined && !hasAnyVlan(p.vlan, vlan)) return false;
    if (needsAddress) {
      const d = p.dissection;
      const b = d.buffer;
      const v = d.ipVersion;
      if (v === 0 || d.l3Offset + (v === 4 ? 20 : 40) > p.capturedLength) return false;
      const so = d.base + d.l3Offset + (v === 4 ? 12 : 8);
      const dso = d.base + d.l3Offset + (v === 4 ? 16 : 24);
      if (src !== undefined && !inPrefixes(src, b, so, v)) return false;
      if (dst !== undefined && !inPrefixes(dst, b, dso, v)) return false;
      if (host !== undefined && !inPrefixes(host, b, so, v) && !inPrefixes(host, b, dso, v)) return false;
    }
    if (needsPorts) {
      const sp = p.srcPort;
      const dp = p.dstPort;
      if (sp === undefined || dp === undefined) return false;
      if (srcPort !== undefined && !srcPort.includes(sp)) return false;
      if (dstPort !== undefined && !dstPort.includes(dp)) return false;
      if (port !== undefined && !port.includes(sp) && !port.includes(dp)) return false;
    }
    return true;
  };
}
