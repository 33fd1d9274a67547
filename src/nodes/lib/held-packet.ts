// Packets as the nodes hand them to each other: a Packet whose Enhanced Packet Block holds its
// fields and its own copy of the bytes (no view into a capture chunk, which a packet kept in a
// window or a batch would otherwise keep alive whole). The block is plain data on a class with no
// private fields, so that Node-RED's message cloning (RED.util.cloneMessage, lodash's cloneDeep:
// same prototype, own enumerable fields copied, Buffers copied, shared references kept shared)
// gives a working copy. Packets that come as JSON (from a file, a function node) are made here
// too, straight from their fields: no pcapng bytes are written and read back for them.
import { BlockType, OptionCode, PcapngReader, Packet, encodeBlock, option } from '../../core/pcapng';
import { interfaceInfo } from '../../core/pcapng/section';
import type { EnhancedPacketBlock, InterfaceInfo, PacketCarryingBlock, PcapngOption } from '../../core/pcapng';

const NO_OPTIONS: readonly PcapngOption[] = Object.freeze([]);
const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_BUFFERS: readonly Buffer[] = Object.freeze([]);
const LE = true;
const NS_RESOLUTION = 9;

export class HeldPacketBlock implements EnhancedPacketBlock {
  readonly kind = 'epb' as const;
  readonly type = BlockType.EPB;
  readonly offset = 0;
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
    readonly options: readonly PcapngOption[] = NO_OPTIONS,
    readonly endOfOptions: boolean = false,
    readonly comments: readonly string[] = NO_STRINGS,
    readonly flags: number | undefined = undefined,
    readonly hash: Buffer | undefined = undefined,
    readonly dropCount: bigint | undefined = undefined,
    readonly packetId: bigint | undefined = undefined,
    readonly queue: number | undefined = undefined,
    readonly verdicts: readonly Buffer[] = NO_BUFFERS,
  ) {
    this.capturedLength = data.length;
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
  const held = new HeldPacketBlock(
    packet.iface, b.timestampHigh, b.timestampLow, b.originalLength, data, timestampNsText,
    b.littleEndian, options, b.endOfOptions, options.length === 0 ? NO_STRINGS : b.comments, b.flags,
    b.hash && copy(b.hash), b.dropCount, b.packetId, b.queue, options.length === 0 ? NO_BUFFERS : b.verdicts.map(copy),
  );
  return new Packet(held, packet.iface);
}

/** The interface of packets given as fields: nanosecond timestamps, the name when there is one. */
export function fieldInterface(linkType: number, name: string | null): InterfaceInfo {
  const options = [option.u8(OptionCode.IF_TSRESOL, NS_RESOLUTION)];
  if (name) options.unshift(option.string(OptionCode.IF_NAME, name));
  const reader = new PcapngReader();
  reader.push(encodeBlock({ kind: 'shb', littleEndian: LE, options: [], endOfOptions: true }, LE));
  const [idb] = reader.push(encodeBlock({ kind: 'idb', linkType, snapLen: 0, littleEndian: LE, options, endOfOptions: true }, LE));
  if (idb?.kind !== 'idb') throw new Error('pcapng: an IDB written was not read back as one');
  return interfaceInfo(idb, undefined);
}

/** A packet from its fields on an interface from fieldInterface (nanosecond timestamps). */
export function fieldPacket(iface: InterfaceInfo, timestampNs: bigint | null, originalLength: number, data: Buffer): Packet {
  const ns = timestampNs ?? 0n;
  const block = new HeldPacketBlock(iface, Number(ns >> 32n), Number(ns & 0xffffffffn), originalLength, data, ns.toString());
  return new Packet(block, iface);
}
