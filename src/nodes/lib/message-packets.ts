// Packets out of incoming messages, whatever form the capture node sent: a pcapng chunk (Buffer),
// one packet, a batch (array of packets), or a block that carries a packet.
import { PcapngPacketReader } from '../../core/pcapng';
import { CaptureRequestError } from '../../core/errors';
import type { PacketRecord } from './pcapng-file';
import { isRecordLike } from '../../core/records';


/** A packet payload (as packetPayload makes it, also after JSON round trips) as a record. */
export function recordOf(value: unknown): PacketRecord {
  if (!isRecordLike(value)) throw new CaptureRequestError(`expected a packet object, got ${Array.isArray(value) ? 'array' : typeof value}`);
  const inner = isRecordLike(value.packet) ? value.packet : value;
  let data = inner.data;
  // A Buffer that went through JSON: {type: 'Buffer', data: [...]}
  if (isRecordLike(data) && data.type === 'Buffer' && Array.isArray(data.data)) data = Buffer.from(data.data as number[]);
  if (!Buffer.isBuffer(data)) throw new CaptureRequestError('a packet needs its bytes in data (a Buffer)');
  const ns = typeof inner.timestampNs === 'string' && /^\d+$/.test(inner.timestampNs)
    ? BigInt(inner.timestampNs)
    : typeof inner.timestamp === 'number' ? BigInt(Math.round(inner.timestamp * 1e6)) : null;
  return {
    interface: typeof inner.interface === 'string' ? inner.interface : null,
    linkType: typeof inner.linkType === 'number' ? inner.linkType : 1,
    timestampNs: ns,
    data,
    originalLength: typeof inner.originalLength === 'number' ? inner.originalLength : data.length,
  };
}

/** Reads a message payload into packet records; chunks go through one reader per stream owner. */
export class MessagePackets {
  readonly #readers = new Map<string, PcapngPacketReader>();

  records(payload: unknown, stream = ''): PacketRecord[] {
    if (Buffer.isBuffer(payload)) {
      let reader = this.#readers.get(stream);
      if (!reader) {
        reader = new PcapngPacketReader();
        this.#readers.set(stream, reader);
      }
      return reader.push(payload).map((p) => ({
        interface: p.interfaceName ?? null,
        linkType: p.linkType,
        timestampNs: p.timestampNs,
        data: p.data,
        originalLength: p.originalLength,
      }));
    }
    if (Array.isArray(payload)) return payload.map(recordOf);
    if (isRecordLike(payload) && typeof payload.kind === 'string' && !isRecordLike(payload.packet)) return []; // a block without a packet
    return [recordOf(payload)];
  }
}
