// Hand-built frames for decoder tests, and packets carrying them (through real pcapng bytes).

import { OptionCode, PcapngPacketReader, encodeBlock, option } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';
import { DecodedPacket } from '../../../src/core/decode';

export interface FrameSpec {
  data: Buffer;
  linkType?: number;
  iface?: string;
  /** milliseconds since the epoch */
  timeMs?: number;
  originalLength?: number;
}

/** Packets read back from a pcapng stream holding these frames (one interface per name and link type). */
export function packetsOf(frames: FrameSpec[]): Packet[] {
  const parts = [encodeBlock({ kind: 'shb', littleEndian: true, endOfOptions: true })];
  const ifaces = new Map<string, number>();
  for (const f of frames) {
    const key = `${f.iface ?? 'eth0'}|${f.linkType ?? 1}`;
    let id = ifaces.get(key);
    if (id === undefined) {
      id = ifaces.size;
      ifaces.set(key, id);
      parts.push(encodeBlock({
        kind: 'idb', littleEndian: true, linkType: f.linkType ?? 1, snapLen: 262144,
        options: [option.string(OptionCode.IF_NAME, f.iface ?? 'eth0'), option.u8(OptionCode.IF_TSRESOL, 6)], endOfOptions: true,
      }));
    }
    const us = BigInt(Math.round((f.timeMs ?? 1_700_000_000_000) * 1000));
    parts.push(encodeBlock({
      kind: 'epb', littleEndian: true, interfaceId: id, timestampHigh: Number(us >> 32n), timestampLow: Number(us & 0xffffffffn),
      originalLength: f.originalLength ?? f.data.length, data: f.data,
    }));
  }
  return new PcapngPacketReader().push(Buffer.concat(parts));
}

export function decoded(data: Buffer, linkType = 1, iface = 'eth0'): DecodedPacket {
  const p = packetsOf([{ data, linkType, iface }])[0]!;
  return new DecodedPacket(p.block, p.iface);
}

export const MAC_A = Buffer.from('020000000001', 'hex');
export const MAC_B = Buffer.from('020000000002', 'hex');

export function ethernet(type: number, payload: Buffer, vlans: { tpid: number; tci: number }[] = []): Buffer {
  const tags = vlans.map((v) => Buffer.from([v.tpid >> 8, v.tpid & 0xff, v.tci >> 8, v.tci & 0xff]));
  return Buffer.concat([MAC_B, MAC_A, ...tags, Buffer.from([type >> 8, type & 0xff]), payload]);
}

export function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

export function ipv6Bytes(a: string): Buffer {
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 2 * i));
  return b;
}

export interface Ipv4Spec {
  src?: string;
  dst?: string;
  protocol: number;
  payload: Buffer;
  options?: Buffer;
  flagsAndOffset?: number;
  totalLength?: number;
  ttl?: number;
}

export function ipv4(s: Ipv4Spec): Buffer {
  const opts = s.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + opts.length);
  h[0] = 0x40 | ((20 + opts.length) / 4);
  h.writeUInt16BE(s.totalLength ?? h.length + s.payload.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE(s.flagsAndOffset ?? 0x4000, 6);
  h[8] = s.ttl ?? 64;
  h[9] = s.protocol;
  ipv4Bytes(s.src ?? '198.18.1.1').copy(h, 12);
  ipv4Bytes(s.dst ?? '198.18.2.1').copy(h, 16);
  opts.copy(h, 20);
  return Buffer.concat([h, s.payload]);
}

export function ipv6(s: { src?: string; dst?: string; next: number; payload: Buffer; payloadLength?: number }): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60012345, 0);
  h.writeUInt16BE(s.payloadLength ?? s.payload.length, 4);
  h[6] = s.next;
  h[7] = 64;
  ipv6Bytes(s.src ?? 'fd00::1').copy(h, 8);
  ipv6Bytes(s.dst ?? 'fd00::2').copy(h, 24);
  return Buffer.concat([h, s.payload]);
}

export function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function tcp(s: { srcPort: number; dstPort: number; seq?: number; ack?: number; flags: number; window?: number; options?: Buffer; payload?: Buffer }): Buffer {
  const opts = s.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20 + opts.length);
  h.writeUInt16BE(s.srcPort, 0);
  h.writeUInt16BE(s.dstPort, 2);
  h.writeUInt32BE(s.seq ?? 1000, 4);
  h.writeUInt32BE(s.ack ?? 0, 8);
  h.writeUInt16BE((((20 + opts.length) / 4) << 12) | s.flags, 12);
  h.writeUInt16BE(s.window ?? 65535, 14);
  opts.copy(h, 20);
  return Buffer.concat([h, s.payload ?? Buffer.alloc(0)]);
}
