// Packets and blocks as JSON-safe message payloads: no BigInt (timestamps as a millisecond number
// plus the exact nanoseconds as a string), bytes as Buffer copies (never views that would keep a
// whole capture chunk alive or change under the flow's feet).
// A packet payload also carries the packet itself, under the symbol PACKET (which JSON, the debug
// sidebar and msg property paths do not see): the next analysis node takes it as it is instead of
// reading the fields back into a packet. It is taken only while it still agrees with the fields
// the user sees (a function node that changes data, the interface or the time gets its change
// analysed); JSON round trips drop it, and the fields are read as before.
import type { Block, Packet } from '../../core/pcapng';
import { HeldPacketBlock, heldPacket } from './held-packet';

/** The key of the packet a payload carries (a registered symbol: the same in every copy of this module). */
export const PACKET: unique symbol = Symbol.for('@csharg/node-red-edgeshark:packet') as never;

export interface PacketPayload {
  /** interface name (if_name), when the capture named it */
  interface: string | null;
  linkType: number;
  /** ms since the epoch (fractional), null when the block had no timestamp */
  timestamp: number | null;
  /** exact ns since the epoch as a decimal string, null when the block had no timestamp */
  timestampNs: string | null;
  capturedLength: number;
  originalLength: number;
  /** the captured bytes (a copy) */
  data: Buffer;
  /** the capture target's name, from the section header, when known */
  target: string | null;
  /** the packet itself, for the next node (not in JSON) */
  [PACKET]?: Packet;
}

export function packetPayload(packet: Packet): PacketPayload {
  const data = Buffer.from(packet.data);
  const ns = packet.timestampNs?.toString() ?? null;
  const payload: PacketPayload = {
    interface: packet.interfaceName ?? null,
    linkType: packet.linkType,
    timestamp: packet.timestampMs,
    timestampNs: ns,
    capturedLength: packet.capturedLength,
    originalLength: packet.originalLength,
    data,
    target: packet.target?.['container-name'] || null,
  };
  const held = ns === null ? undefined : heldPacket(packet, data, ns);
  if (held) payload[PACKET] = held;
  return payload;
}

/**
 * Whether `data` holds the packet's bytes: the same Buffer, or (in a clone: RED.util.cloneMessage
 * makes a new Buffer object on the same memory for each reference) a view of the same memory, or
 * equal bytes.
 */
function sameBytes(data: unknown, bytes: Buffer): boolean {
  if (data === bytes) return true;
  if (!Buffer.isBuffer(data) || data.length !== bytes.length) return false;
  return (data.buffer === bytes.buffer && data.byteOffset === bytes.byteOffset) || data.equals(bytes);
}

/**
 * The packet a payload carries, when it still agrees with the payload's fields: the same bytes
 * (see sameBytes), interface, link type, lengths and time.
 * Undefined otherwise.
 */
export function carriedPacket(payload: Record<PropertyKey, unknown>): Packet | undefined {
  const packet = payload[PACKET] as Packet | undefined;
  if (packet === undefined) return undefined;
  const block = packet.block;
  if (!(block instanceof HeldPacketBlock)) return undefined;
  const ns = payload.timestampNs;
  const agrees = sameBytes(payload.data, block.data)
    && payload.interface === (packet.iface.name ?? null)
    && payload.linkType === packet.iface.linkType
    && payload.originalLength === block.originalLength
    && (payload.capturedLength === undefined || payload.capturedLength === block.capturedLength)
    && (ns === block.timestampNsText || (ns === undefined && payload.timestamp === packet.timestampMs));
  return agrees ? packet : undefined;
}

export interface BlockPayload {
  kind: Block['kind'];
  /** the block type code */
  type: number;
  /** the whole block's bytes (a copy) */
  bytes: Buffer;
  /** for IDBs: the interface name and link type */
  interface?: string | null;
  linkType?: number;
  /** for packet blocks: as in one-message-per-packet output */
  packet?: PacketPayload;
}

export function blockPayload(block: Block, packet?: Packet): BlockPayload {
  const payload: BlockPayload = { kind: block.kind, type: block.type, bytes: Buffer.from(block.raw) };
  if (block.kind === 'idb') {
    payload.interface = block.name ?? null;
    payload.linkType = block.linkType;
  }
  if (packet) payload.packet = packetPayload(packet);
  return payload;
}
