// The k busiest sources (IP source addresses) of a window, by bytes on the wire.

import { decode } from '../decode/decoded-packet';
import type { DecodedPacket } from '../decode/decoded-packet';
import type { Packet } from '../pcapng/packet';
import type { WindowAccumulator, WindowBounds } from './tumbling-windows';

export interface Talker {
  /** IP source address */
  readonly address: string;
  readonly packets: number;
  /** bytes on the wire */
  readonly bytes: number;
}

export interface TopTalkers extends WindowBounds {
  /** at most k, most bytes first (ties: more packets, then the address) */
  readonly talkers: readonly Talker[];
  /** packets from addresses not counted because the window already tracked `maxAddresses` */
  readonly untrackedPackets: number;
}

export const DEFAULT_MAX_TALKER_ADDRESSES = 100_000;

export class TopTalkersAccumulator implements WindowAccumulator<Packet | DecodedPacket, TopTalkers> {
  #counts = new Map<string, { packets: number; bytes: number }>();
  #untracked = 0;
  #any = false;

  constructor(
    readonly k: number,
    readonly maxAddresses = DEFAULT_MAX_TALKER_ADDRESSES,
  ) {
    if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`topTalkers: expected k >= 1, got ${k}`);
  }

  get empty(): boolean {
    return !this.#any;
  }

  add(packet: Packet | DecodedPacket): void {
    this.#any = true;
    const address = decode(packet).src;
    if (address === undefined) return;
    let c = this.#counts.get(address);
    if (c === undefined) {
      if (this.#counts.size >= this.maxAddresses) {
        this.#untracked++;
        return;
      }
      c = { packets: 0, bytes: 0 };
      this.#counts.set(address, c);
    }
    c.packets++;
    c.bytes += packet.originalLength;
  }

  close(bounds: WindowBounds): TopTalkers {
    const talkers = [...this.#counts].map(([address, c]) => ({ address, packets: c.packets, bytes: c.bytes }));
    talkers.sort((a, b) => b.bytes - a.bytes || b.packets - a.packets || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const result: TopTalkers = { ...bounds, talkers: talkers.slice(0, this.k), untrackedPackets: this.#untracked };
    this.#counts = new Map();
    this.#untracked = 0;
    this.#any = false;
    return result;
  }
}
