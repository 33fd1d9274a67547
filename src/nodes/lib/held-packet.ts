// Packets as the nodes hand them to each other: a Packet whose Enhanced Packet Block holds its
// fields and its own copy of the bytes (no view into a capture chunk, which a packet kept in a
// window or a batch would otherwise keep alive whole). The block is plain data on a class with no
// private fields, so that Node-RED's message cloning (RED.util.cloneMessage, lodash's cloneDeep:
// same prototype, own enumerable fields copied, Buffers copied, shared references kept shared)
// gives a working copy. Packets that come as JSON (from a file, a function node) are made here
// too, straight from their fields: no pcapng bytes are written and read back for them.
import { BlockType, PcapngReader, Packet, encodeBlock, recordInterfaceBlock } from '../../core/pcapng';
import { EnhancedPacketOptions } from '../../core/pcapng/packet-block';
import { interfaceInfo } from '../../core/pcapng/section';
import type { EnhancedPacketBlock, InterfaceInfo, PacketCarryingBlock, PcapngOption } from '../../core/pcapng';

const NO_OPTIONS: readonly PcapngOption[] = Object.freeze([]);
const LE = true;

export class HeldPacketBlock extends EnhancedPacketOptions implements EnhancedPacketBlock {
  readonly capturedLength: number;

  constructor(
    readonly iface: InterfaceInfo,
    readonly timestampHigh: number,
    readonly timestampLow: number,
    readonly originalLength: number,
    /** the captured bytes, this block's own */
    readonly data: Buffer,
    /** the packet's time as the message shows it (exact ns as a decimal string), for checks */
    readonly timestampNsText: string,
    readonly littleEndian: boolean = LE,
    /** the EPB's options (copies), in the byte order of `littleEndian` */
    readonly options: readonly PcapngOption[] = NO_OPTIONS,
    readonly endOfOptions: boolean = false,
  ) {
    super();
    this.capturedLength = data.length;
  }

  // What every EPB has, and what its options say: on the prototype, so that a packet held in a
  // message is a small object (a batch holds many).
  get kind(): 'epb' {
    return 'epb';
  }

  get type(): number {
    return BlockType.EPB;
  }

  get offset(): number {
    return 0;
  }

  get interfaceId(): number {
    return this.iface.interfaceId;
  }

  /** the block's bytes, written on demand */
  get raw(): Buffer {
    return encodeBlock(this, this.littleEndian);
  }
}

function copy(v: Buffer): Buffer {
  return Buffer.from(v);
}

/**
 * The packet, held on its own: its EPB's fields with the bytes `data` (a copy of the packet's).
 * `timestampNsText`: its time in ns as a decimal string (as the payload shows it).
 * Undefined for blocks without a timestamp (SPB) or obsolete ones: those go as plain fields only.
 */
export function heldPacket(packet: Packet, data: Buffer, timestampNsText: string): Packet | undefined {
  const b: PacketCarryingBlock = packet.block;
  if (b.kind !== 'epb') return undefined;
  const options = b.options.length === 0 ? NO_OPTIONS : b.options.map((o) => ({ code: o.code, value: copy(o.value) }));
  const held = new HeldPacketBlock(packet.iface, b.timestampHigh, b.timestampLow, b.originalLength, data, timestampNsText, b.littleEndian, options, b.endOfOptions);
  return new Packet(held, packet.iface);
}

/** The interface of packets given as fields: nanosecond timestamps, the name when there is one. */
export function fieldInterface(linkType: number, name: string | null): InterfaceInfo {
  // the IDB the pcapng writer gives records (name, then nanosecond if_tsresol), read back so that
  // the interface is one the reader made
  const reader = new PcapngReader();
  reader.push(encodeBlock({ kind: 'shb', littleEndian: LE, options: [], endOfOptions: true }, LE));
  const [idb] = reader.push(recordInterfaceBlock({ interface: name, linkType }, LE));
  if (idb?.kind !== 'idb') throw new Error('pcapng: an IDB written was not read back as one');
  return interfaceInfo(idb, undefined);
}

/** A packet from its fields on an interface from fieldInterface (nanosecond timestamps). */
export function fieldPacket(iface: InterfaceInfo, timestampNs: bigint | null, originalLength: number, data: Buffer): Packet {
  const ns = timestampNs ?? 0n;
  const block = new HeldPacketBlock(iface, Number(ns >> 32n), Number(ns & 0xffffffffn), originalLength, data, ns.toString());
  return new Packet(block, iface);
}
