import { map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { decode as decodePacket } from '../core/decode/decoded-packet';
import type { DecodedPacket } from '../core/decode/decoded-packet';
import type { Packet } from '../core/pcapng/packet';

/** Packets to DecodedPackets (still Packets; their layers are decoded lazily, when read). */
export function decode(): OperatorFunction<Packet, DecodedPacket> {
  return map((p) => decodePacket(p));
}
