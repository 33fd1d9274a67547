// Synthetic packets for the analysis unit tests: real pcapng bytes (SHB with capture target
// metadata, named IDBs with ns resolution, EPBs of Ethernet/IPv4/TCP or UDP frames at given
// times), read back by the library's reader so the tests see the Packet objects a capture gives.
import { captureTargetYaml } from '../../../src/core/shb/capture-metadata';
import { OptionCode, PcapngPacketReader, encodeBlock, option } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';

export const TCP_SYN = 0x02;
export const TCP_ACK = 0x10;

export interface FrameSpec {
  /** timestamp in ms (fractions allowed) */
  ms: number;
  src?: string;
  dst?: string;
  proto?: 'tcp' | 'udp';
  srcPort?: number;
  dstPort?: number;
  /** TCP flags byte (default ACK) */
  flags?: number;
  /** payload bytes (default 10) */
  payload?: number;
  /** interface id in the section (default 0) */
  iface?: number;
}

export interface SectionSpec {
  node?: string;
  container?: string;
  ifaces?: string[];
}

function ipv4(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** An Ethernet frame carrying IPv4 and a TCP or UDP header plus payload. */
export function frameOf(f: FrameSpec): Buffer {
  const proto = f.proto ?? 'udp';
  const l4 = proto === 'tcp' ? Buffer.alloc(20) : Buffer.alloc(8);
  const payload = Buffer.alloc(f.payload ?? 10, 0x61);
  l4.writeUInt16BE(f.srcPort ?? 40000, 0);
  l4.writeUInt16BE(f.dstPort ?? 21000, 2);
  if (proto === 'tcp') {
    l4[12] = 5 << 4;
    l4[13] = f.flags ?? TCP_ACK;
    l4.writeUInt16BE(65535, 14);
  } else {
    l4.writeUInt16BE(8 + payload.length, 4);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length + payload.length, 2);
  ip[8] = 64;
  ip[9] = proto === 'tcp' ? 6 : 17;
  ipv4(f.src ?? '198.18.1.1').copy(ip, 12);
  ipv4(f.dst ?? '198.18.2.1').copy(ip, 16);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, l4, payload]);
}

/** One pcapng section holding these frames. */
export function pcapngOf(frames: FrameSpec[], section: SectionSpec = {}): Buffer {
  const le = true;
  const yaml = captureTargetYaml({ 'container-name': section.container ?? 'csharg-t1(1)', 'container-type': 'proc', 'node-name': section.node ?? 'node-a' });
  const parts = [encodeBlock({ kind: 'shb', littleEndian: le, options: [option.string(OptionCode.COMMENT, yaml)], endOfOptions: true }, le)];
  for (const name of section.ifaces ?? ['eth0']) {
    parts.push(encodeBlock({
      kind: 'idb', linkType: 1, snapLen: 262144, littleEndian: le, endOfOptions: true,
      options: [option.string(OptionCode.IF_NAME, name), option.u8(OptionCode.IF_TSRESOL, 9)],
    }, le));
  }
  for (const f of frames) {
    const ns = BigInt(Math.round(f.ms * 1e6));
    const data = frameOf(f);
    parts.push(encodeBlock({
      kind: 'epb', interfaceId: f.iface ?? 0, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn),
      originalLength: data.length, data, littleEndian: le,
    }, le));
  }
  return Buffer.concat(parts);
}

/** The packets of pcapngOf(frames, section). */
export function packetsOf(frames: FrameSpec[], section: SectionSpec = {}): Packet[] {
  const reader = new PcapngPacketReader();
  const packets = reader.push(pcapngOf(frames, section));
  reader.end();
  return packets;
}
