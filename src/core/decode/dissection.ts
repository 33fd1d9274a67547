// One pass over a frame that finds where each layer starts, as plain numbers: no strings, no
// objects beyond this one. Layer views (and address strings) are built from it only on demand.
// Truncated or garbage input never throws: the walk stops and records why.

import { EtherType, IpProtocol, LinkType } from './link-type';

// Module-local copies: the hot path reads plain constants, not another module's exports.
const { ETHERNET, LINUX_SLL, LINUX_SLL2, RAW, IPV4: LINK_IPV4, IPV6: LINK_IPV6, NULL, LOOP } = LinkType;
const { IPV4, IPV6, ARP, VLAN, QINQ, QINQ_OLD } = EtherType;
const { HOP_BY_HOP, ROUTING, FRAGMENT, ESP, AH, NO_NEXT_HEADER, DESTINATION_OPTIONS } = IpProtocol;

export type LinkKind = 'ethernet' | 'sll' | 'sll2' | 'raw' | 'null' | 'loop' | 'unsupported';

/** At most this many VLAN tags (QinQ has 2) and IPv6 extension headers are walked. */
export const MAX_VLAN_TAGS = 8;
export const MAX_IPV6_EXTENSIONS = 16;

export class Dissection {
  linkKind: LinkKind = 'unsupported';
  /** why the link layer could not be read; undefined when it could */
  linkMalformed: string | undefined = undefined;
  /** offset of the first VLAN tag's TCI, -1 without tags */
  vlanOffset = -1;
  vlanCount = 0;
  /** the EtherType of the network layer (BSD loopback families mapped to one); -1 when unknown */
  etherType = -1;
  /** start of the network layer (IP, ARP); -1 when there is none */
  l3Offset = -1;
  /** why the network layer could not be read */
  l3Malformed: string | undefined = undefined;
  ipVersion: 0 | 4 | 6 = 0;
  /** end of the IP payload: the IP length, capped at the captured bytes */
  ipEnd = 0;
  /** end of the IP payload by the header's length field (beyond the captured bytes when truncated) */
  ipClaimedEnd = 0;
  /** IPv4 MF or offset, or an IPv6 fragment header */
  fragment = false;
  /** the transport protocol number (IPv4 protocol, IPv6's last next header); -1 when none */
  l4Protocol = -1;
  /** start of the transport header; -1 when there is none (or a later fragment) */
  l4Offset = -1;

  readonly #x: number;
  readonly #n: number;

  /** the buffer read (the frame is at `base` in it, `capturedLength` bytes) */
  get base(): number {
    return this.#x;
  }

  get capturedLength(): number {
    return this.#n;
  }

  /** the frame's bytes (a view, made on each call) */
  get bytes(): Buffer {
    return this.buffer.subarray(this.#x, this.#x + this.#n);
  }

  constructor(
    /** the buffer holding the frame (a chunk, or the frame itself) */
    readonly buffer: Buffer,
    readonly linkType: number,
    base = 0,
    length = buffer.length - base,
  ) {
    this.#x = base;
    this.#n = length;
    this.#link(buffer, linkType);
    if (this.l3Offset >= 0) {
      if (this.etherType === IPV4) this.#ipv4(buffer, this.l3Offset);
      else if (this.etherType === IPV6) this.#ipv6(buffer, this.l3Offset);
    }
  }

  #link(b: Buffer, linkType: number): void {
    const n = this.#n;
    const x = this.#x;
    switch (linkType) {
      case ETHERNET:
        this.linkKind = 'ethernet';
        if (n < 14) return this.#linkTruncated(14);
        this.#etherTypeAt(b, 12);
        return;
      case LINUX_SLL:
        this.linkKind = 'sll';
        if (n < 16) return this.#linkTruncated(16);
        this.#etherTypeAt(b, 14);
        return;
      case LINUX_SLL2:
        this.linkKind = 'sll2';
        if (n < 20) return this.#linkTruncated(20);
        // The protocol comes first in SLL2; the tags (if any) follow the 20-byte header.
        this.#etherTypeFrom((b[x + 0]! << 8) | b[x + 1]!, b, 20);
        return;
      case RAW:
        this.linkKind = 'raw';
        if (n < 1) return this.#linkTruncated(1);
        this.#rawIp(b, 0, b[x + 0]! >> 4);
        return;
      case LINK_IPV4:
        this.linkKind = 'raw';
        this.#rawIp(b, 0, 4);
        return;
      case LINK_IPV6:
        this.linkKind = 'raw';
        this.#rawIp(b, 0, 6);
        return;
      case NULL:
      case LOOP: {
        this.linkKind = linkType === NULL ? 'null' : 'loop';
        if (n < 4) return this.#linkTruncated(4);
        const be = b.readUInt32BE(x);
        // NULL is in the writer's byte order: a family above 0xffff read big-endian was little-endian.
        const family = linkType === NULL && be > 0xffff ? b.readUInt32LE(x) : be;
        if (family === 2) this.#rawIp(b, 4, 4);
        else if (family === 10 || family === 24 || family === 28 || family === 30) this.#rawIp(b, 4, 6);
        else this.linkMalformed = `unknown address family ${family}`;
        return;
      }
      default:
        this.linkMalformed = `unsupported link type ${linkType}`;
    }
  }

  #linkTruncated(need: number): void {
    this.linkMalformed = `truncated: ${this.linkKind} header needs ${need} bytes, ${this.#n} captured`;
  }

  #rawIp(b: Buffer, offset: number, version: number): void {
    if (version === 4) this.etherType = IPV4;
    else if (version === 6) this.etherType = IPV6;
    else {
      this.linkMalformed = `raw IP with version ${version}`;
      return;
    }
    this.l3Offset = offset;
    if (offset > this.#n) this.#linkTruncated(offset);
  }

  #etherTypeAt(b: Buffer, o: number): void {
    const x = this.#x;
    this.#etherTypeFrom((b[x + o]! << 8) | b[x + o + 1]!, b, o + 2);
  }

  /** Follows VLAN tags from `next` (the byte after the type field) to the network layer. */
  #etherTypeFrom(type: number, b: Buffer, next: number): void {
    const x = this.#x;
    let o = next;
    while (type === VLAN || type === QINQ || type === QINQ_OLD) {
      if (this.vlanCount === MAX_VLAN_TAGS) {
        this.linkMalformed = `more than ${MAX_VLAN_TAGS} VLAN tags`;
        return;
      }
      if (o + 4 > this.#n) {
        this.linkMalformed = `truncated: VLAN tag at ${o} needs 4 bytes, ${this.#n - o} captured`;
        return;
      }
      if (this.vlanCount === 0) this.vlanOffset = o;
      this.vlanCount++;
      type = (b[x + o + 2]! << 8) | b[x + o + 3]!;
      o += 4;
    }
    this.etherType = type;
    if (type === IPV4 || type === IPV6 || type === ARP) this.l3Offset = o;
  }

  #ipv4(b: Buffer, o: number): void {
    this.ipVersion = 4;
    const n = this.#n;
    const x = this.#x;
    if (o + 20 > n) {
      this.l3Malformed = `truncated: IPv4 header needs 20 bytes, ${Math.max(0, n - o)} captured`;
      return;
    }
    const vihl = b[x + o]!;
    if (vihl >> 4 !== 4) {
      this.l3Malformed = `IPv4 header with version ${vihl >> 4}`;
      return;
    }
    const headerLength = (vihl & 0x0f) * 4;
    const totalLength = (b[x + o + 2]! << 8) | b[x + o + 3]!;
    if (headerLength < 20) {
      this.l3Malformed = `IPv4 header length ${headerLength} < 20`;
      return;
    }
    if (o + headerLength > n) {
      this.l3Malformed = `truncated: IPv4 header of ${headerLength} bytes, ${n - o} captured`;
      return;
    }
    if (totalLength < headerLength) {
      // TSO-offloaded segments leave the total length 0; the frame's length stands in for it.
      if (totalLength !== 0) {
        this.l3Malformed = `IPv4 total length ${totalLength} < header length ${headerLength}`;
        return;
      }
      this.ipEnd = n;
      this.ipClaimedEnd = n;
    } else {
      this.ipEnd = Math.min(n, o + totalLength);
      this.ipClaimedEnd = o + totalLength;
    }
    const fragment = ((b[x + o + 6]! << 8) | b[x + o + 7]!) & 0x3fff; // MF and the offset
    this.fragment = fragment !== 0;
    // Later fragments carry no transport header; the first one does.
    if ((fragment & 0x1fff) !== 0) return;
    this.l4Protocol = b[x + o + 9]!;
    this.l4Offset = o + headerLength;
  }

  #ipv6(b: Buffer, o: number): void {
    this.ipVersion = 6;
    const n = this.#n;
    const x = this.#x;
    if (o + 40 > n) {
      this.l3Malformed = `truncated: IPv6 header needs 40 bytes, ${Math.max(0, n - o)} captured`;
      return;
    }
    if (b[x + o]! >> 4 !== 6) {
      this.l3Malformed = `IPv6 header with version ${b[x + o]! >> 4}`;
      return;
    }
    const payloadLength = (b[x + o + 4]! << 8) | b[x + o + 5]!;
    // Jumbograms (and offloaded segments) say 0: the captured bytes stand in.
    this.ipClaimedEnd = payloadLength === 0 ? n : o + 40 + payloadLength;
    this.ipEnd = Math.min(n, this.ipClaimedEnd);
    let next = b[x + o + 6]!;
    let p = o + 40;
    for (let i = 0; isIpv6Extension(next); i++) {
      if (i === MAX_IPV6_EXTENSIONS) {
        this.l3Malformed = `more than ${MAX_IPV6_EXTENSIONS} IPv6 extension headers`;
        return;
      }
      if (p + 8 > this.ipEnd) {
        this.l3Malformed = `truncated: IPv6 extension header ${next} at ${p}`;
        return;
      }
      const length = ipv6ExtensionLength(next, b[x + p + 1]!);
      if (next === FRAGMENT) {
        const offsetAndMore = (b[x + p + 2]! << 8) | b[x + p + 3]!;
        this.fragment = true;
        if (offsetAndMore >> 3 !== 0) return;
      }
      next = b[x + p]!;
      p += length;
    }
    if (p > this.ipEnd) {
      this.l3Malformed = `truncated: IPv6 extension headers end at ${p}, the packet at ${this.ipEnd}`;
      return;
    }
    this.l4Protocol = next;
    // ESP's payload is encrypted and "no next header" has none: no transport layer to read.
    if (next !== ESP && next !== NO_NEXT_HEADER) this.l4Offset = p;
  }
}

export function isIpv6Extension(next: number): boolean {
  return next === HOP_BY_HOP || next === ROUTING || next === FRAGMENT
    || next === DESTINATION_OPTIONS || next === AH;
}

/** Bytes of an IPv6 extension header from its length byte (AH counts 4-byte units, the rest 8). */
export function ipv6ExtensionLength(next: number, lengthByte: number): number {
  if (next === FRAGMENT) return 8;
  if (next === AH) return (lengthByte + 2) * 4;
  return (lengthByte + 1) * 8;
}
