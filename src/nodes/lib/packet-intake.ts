// Incoming messages (pcapng chunks, packets, batches, blocks with a packet) as DecodedPackets for
// the analysis operators, each remembering the payload it came from so that nodes can pass the
// original object on (filter) or build on it (decode, alert evidence).
// Packets from JSON records are written as pcapng blocks (one IDB per interface, then EPBs) and
// read back: the operators get real Packets with stable interfaces, through public code paths.
import { OptionCode, PcapngPacketReader, encodeBlock, option } from '../../core/pcapng';
import type { Packet } from '../../core/pcapng';
import { decode } from '../../core/decode';
import type { DecodedPacket } from '../../core/decode';
import { recordOf } from './message-packets';
import { packetPayload } from './packet-message';
import type { PacketPayload } from './packet-message';
import { isRecordLike } from '../../core/records';

const LE = true;
const NS_RESOLUTION = 9;
/** bounds on per-node state that message contents decide (interface names, chunk streams) */
const MAX_INTERFACES = 1024;
const MAX_CHUNK_STREAMS = 256;

export interface IntakePacket {
  readonly packet: DecodedPacket;
  /** the message's packet object, or a PacketPayload made from a chunk's packet */
  readonly payload: Record<string, unknown>;
  /** the payload came from a chunk (it is a fresh PacketPayload) */
  readonly fromChunk: boolean;
}


/** Turns packet records back into Packets through one pcapng section per node. */
class RecordSection {
  readonly #reader = new PcapngPacketReader();
  readonly #interfaces = new Map<string, number>();
  #started = false;

  packets(records: readonly ReturnType<typeof recordOf>[]): Packet[] {
    const blocks: Buffer[] = [];
    for (const record of records) {
      const key = `${record.linkType}\0${record.interface ?? ''}`;
      // a new section forgets the interfaces of the last one
      if (!this.#started || (!this.#interfaces.has(key) && this.#interfaces.size >= MAX_INTERFACES)) {
        blocks.push(encodeBlock({ kind: 'shb', littleEndian: LE, options: [], endOfOptions: true }, LE));
        this.#interfaces.clear();
        this.#started = true;
      }
      let id = this.#interfaces.get(key);
      if (id === undefined) {
        id = this.#interfaces.size;
        this.#interfaces.set(key, id);
        const options = [option.u8(OptionCode.IF_TSRESOL, NS_RESOLUTION)];
        if (record.interface) options.unshift(option.string(OptionCode.IF_NAME, record.interface));
        blocks.push(encodeBlock({ kind: 'idb', linkType: record.linkType, snapLen: 0, littleEndian: LE, options, endOfOptions: true }, LE));
      }
      const ns = record.timestampNs ?? 0n;
      blocks.push(encodeBlock({
        kind: 'epb', interfaceId: id, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn),
        originalLength: record.originalLength, data: record.data, littleEndian: LE,
      }, LE));
    }
    return this.#reader.push(Buffer.concat(blocks));
  }
}

/** Reads message payloads into decoded packets; chunk streams are told apart by msg.topic. */
export class PacketIntake {
  readonly #chunkReaders = new Map<string, PcapngPacketReader>();
  readonly #records = new RecordSection();

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
      return reader.push(payload).map((p) => ({ packet: decode(p), payload: packetPayload(p) as unknown as Record<string, unknown>, fromChunk: true }));
    }
    const items: unknown[] = Array.isArray(payload) ? payload : [payload];
    const objects: Record<string, unknown>[] = [];
    for (const item of items) {
      // a block without a packet (SHB, IDB…) carries nothing to analyse
      if (isRecordLike(item) && typeof item.kind === 'string' && !isRecordLike(item.packet)) continue;
      if (!isRecordLike(item)) throw recordOfError(item);
      objects.push(isRecordLike(item.packet) ? item.packet : item);
    }
    if (objects.length === 0) return [];
    const packets = this.#records.packets(objects.map(recordOf));
    return packets.map((p, i) => ({ packet: decode(p), payload: objects[i]!, fromChunk: false }));
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
  const base = item.fromChunk ? (item.payload as unknown as PacketPayload) : { ...packetPayload(item.packet), ...item.payload, data: Buffer.from(item.packet.data) } as PacketPayload;
  return { ...base, ...decodedFields(item.packet) };
}
