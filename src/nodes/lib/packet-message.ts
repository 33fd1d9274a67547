// Packets and blocks as JSON-safe message payloads: no BigInt (timestamps as a millisecond number
// plus the exact nanoseconds as a string), bytes as Buffer copies (never views that would keep a
// whole capture chunk alive or change under the flow's feet).
import type { Block, Packet } from '../../core/pcapng';

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
}

export function packetPayload(packet: Packet): PacketPayload {
  return {
    interface: packet.interfaceName ?? null,
    linkType: packet.linkType,
    timestamp: packet.timestampMs,
    timestampNs: packet.timestampNs?.toString() ?? null,
    capturedLength: packet.capturedLength,
    originalLength: packet.originalLength,
    data: Buffer.from(packet.data),
    target: packet.target?.['container-name'] || null,
  };
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
