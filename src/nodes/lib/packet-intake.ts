// Incoming messages (pcapng chunks, packets, batches, blocks with a packet) as DecodedPackets for
// the analysis operators, each remembering the payload it came from so that nodes can pass the
// original object on (filter) or build on it (decode, alert evidence).
// A packet payload that carries its packet (packet-message.ts) is taken as it is; one that comes
// as JSON is made into a packet from its fields (held-packet.ts). Either way no pcapng bytes are
// written and read again. One node sees each interface (link type, name, time unit) as one
// interface, however its packets came (cloned, from several captures), as the per-interface
// statistics count them.
import { PcapngPacketReader, Packet } from '../../core/pcapng';
import type { InterfaceInfo } from '../../core/pcapng';
import { DecodedPacket, decode } from '../../core/decode';
import { recordOf } from './message-packets';
import { carriedPacket, packetPayload, PACKET } from './packet-message';
import type { PacketPayload } from './packet-message';
import { fieldInterface, fieldPacket } from './held-packet';
import { isRecordLike } from '../../core/records';

/** bounds on per-node state that message contents decide (interface names, chunk streams) */
const MAX_INTERFACES = 1024;
const MAX_CHUNK_STREAMS = 256;
const NS_RESOLUTION = 9;

export interface IntakePacket {
  readonly packet: DecodedPacket;
  /** the message's packet object, or a PacketPayload made from a chunk's packet */
  readonly payload: Record<string, unknown>;
  /** the payload came from a chunk (it is a fresh PacketPayload) */
  readonly fromChunk: boolean;
}

function interfaceKey(linkType: number, name: string | null, tsresol: number, offsetSeconds: bigint): string {
  return `${linkType}\0${name ?? ''}\0${tsresol}\0${offsetSeconds}`;
}

/** One interface per link type, name and time unit, for the packets of one node. */
class InterfaceTable {
  readonly #interfaces = new Map<string, InterfaceInfo>();
  /** the answers given so far, by the packets' own interface objects */
  #known = new WeakMap<InterfaceInfo, InterfaceInfo>();

  /** the node's interface for packets given as fields (nanosecond timestamps) */
  forFields(linkType: number, name: string | null): InterfaceInfo {
    const key = interfaceKey(linkType, name, NS_RESOLUTION, 0n);
    let iface = this.#interfaces.get(key);
    if (iface === undefined) {
      iface = fieldInterface(linkType, name);
      this.#add(key, iface);
    }
    return iface;
  }

  /** the node's interface for a packet's own (the first one seen like it) */
  canonical(iface: InterfaceInfo): InterfaceInfo {
    const seen = this.#known.get(iface);
    if (seen !== undefined) return seen;
    const key = interfaceKey(iface.linkType, iface.name ?? null, iface.scale.tsresol, iface.scale.offsetSeconds);
    let known = this.#interfaces.get(key);
    if (known === undefined) {
      this.#add(key, iface);
      known = iface;
    }
    this.#known.set(iface, known);
    return known;
  }

  #add(key: string, iface: InterfaceInfo): void {
    // a table full of names forgets them all (as a new section would)
    if (this.#interfaces.size >= MAX_INTERFACES) {
      this.#interfaces.clear();
      this.#known = new WeakMap();
    }
    this.#interfaces.set(key, iface);
  }
}

/** Reads message payloads into decoded packets; chunk streams are told apart by msg.topic. */
export class PacketIntake {
  readonly #chunkReaders = new Map<string, PcapngPacketReader>();
  readonly #interfaces = new InterfaceTable();

  /** Whether the payload is one packet (not a chunk, not a batch). */
  static isSingle(payload: unknown): boolean {
    return !Buffer.isBuffer(payload) && !Array.isArray(payload);
  }

  packets(payload: unknown, stream = ''): IntakePacket[] {
    if (Buffer.isBuffer(payload)) {
      let reader = this.#chunkReaders.get(stream);
      if (!reader) {
        reader = new PcapngPacketReader();
        if (this.#chunkReaders.size >= MAX_CHUNK_STREAMS) this.#chunkReaders.delete(this.#chunkReaders.keys().next().value!);
        this.#chunkReaders.set(stream, reader);
      }
      return reader.push(payload).map((p) => {
        const made = packetPayload(p);
        // analyse the payload's own packet (its bytes a copy), so that the chunk is not kept
        const held = made[PACKET];
        return { packet: decode(held ?? p), payload: made as unknown as Record<string, unknown>, fromChunk: true };
      });
    }
    const items: unknown[] = Array.isArray(payload) ? payload : [payload];
    const out: IntakePacket[] = [];
    for (const item of items) {
      // a block without a packet (SHB, IDB…) carries nothing to analyse
      if (isRecordLike(item) && typeof item.kind === 'string' && !isRecordLike(item.packet)) continue;
      if (!isRecordLike(item)) throw recordOfError(item);
      const object = isRecordLike(item.packet) ? item.packet : item;
      out.push({ packet: this.#packetOf(object), payload: object, fromChunk: false });
    }
    return out;
  }

  #packetOf(object: Record<string, unknown>): DecodedPacket {
    const carried = carriedPacket(object);
    if (carried) {
      const iface = this.#interfaces.canonical(carried.iface);
      return new DecodedPacket(carried.block, iface);
    }
    const record = recordOf(object);
    const packet = fieldPacket(this.#interfaces.forFields(record.linkType, record.interface), record.timestampNs, record.originalLength, record.data);
    return decode(packet);
  }
}

function recordOfError(item: unknown): Error {
  try {
    recordOf(item);
  } catch (err) {
    return err as Error;
  }
  return new Error('not a packet');
}

/** The decoded fields of a packet, JSON-safe. */
export interface DecodedFields {
  protocol: string;
  src: string | null;
  dst: string | null;
  srcPort: number | null;
  dstPort: number | null;
  /** set TCP flags by name (e.g. ['syn', 'ack']); null without TCP */
  tcpFlags: string[] | null;
  vlan: number[];
  /** ICMP / ICMPv6 type and code */
  icmp: { type: number; code: number } | null;
  /** DNS query names and whether the message is a response */
  dns: { queryNames: string[]; response: boolean | null } | null;
  /** every layer's malformed reason, outermost first */
  malformed: string[];
}

const TCP_FLAGS = ['fin', 'syn', 'rst', 'psh', 'ackFlag', 'urg', 'ece', 'cwr'] as const;

export function decodedFields(p: DecodedPacket): DecodedFields {
  const tcp = p.tcp;
  const icmp = p.icmp ?? p.icmpv6;
  const dns = p.dns;
  return {
    protocol: p.protocol,
    src: p.src ?? null,
    dst: p.dst ?? null,
    srcPort: p.srcPort ?? null,
    dstPort: p.dstPort ?? null,
    tcpFlags: tcp ? TCP_FLAGS.filter((f) => tcp[f]).map((f) => (f === 'ackFlag' ? 'ack' : f)) : null,
    vlan: [...p.vlan],
    icmp: icmp ? { type: icmp.type, code: icmp.code } : null,
    dns: dns ? { queryNames: dns.queryNames, response: dns.isResponse ?? null } : null,
    malformed: p.malformed,
  };
}

/** A packet message payload with its decoded fields (bytes as a Buffer, never a JSON'd one). */
export function decodedPayload(item: IntakePacket): PacketPayload & DecodedFields {
  if (item.fromChunk) return { ...(item.payload as unknown as PacketPayload), ...decodedFields(item.packet) };
  // the fields as the packet has them, then the message's own; the packet goes along for the next node
  const base = { ...fieldsOf(item.packet), ...item.payload, data: item.packet.data };
  base[PACKET] = heldAs(item.packet);
  return { ...base, ...decodedFields(item.packet) };
}

/** The JSON-safe fields of a packet (packetPayload's, without copying the bytes again). */
function fieldsOf(p: Packet): Omit<PacketPayload, 'data'> {
  return {
    interface: p.interfaceName ?? null,
    linkType: p.linkType,
    timestamp: p.timestampMs,
    timestampNs: p.timestampNs?.toString() ?? null,
    capturedLength: p.capturedLength,
    originalLength: p.originalLength,
    target: p.target?.['container-name'] || null,
  };
}

/** A decoded packet as a plain Packet to carry (a DecodedPacket's private caches do not survive cloning). */
function heldAs(p: DecodedPacket): Packet {
  return new Packet(p.block, p.iface);
}
