// Traffic statistics per window, interface and protocol: packets, bytes on the wire (the original
// length), and their rates per second over the window's length.

import { decode } from '../decode/decoded-packet';
import type { DecodedPacket, PacketProtocol } from '../decode/decoded-packet';
import type { Packet } from '../pcapng/packet';
import type { InterfaceInfo } from '../pcapng/types';
import type { WindowAccumulator, WindowBounds } from './tumbling-windows';
import { TopTalkersAccumulator } from './top-talkers';
import type { Talker } from './top-talkers';

export interface TrafficCounts {
  readonly packets: number;
  /** bytes on the wire (original lengths) */
  readonly bytes: number;
  /** packets per second over the window */
  readonly pps: number;
  /** bits per second over the window */
  readonly bps: number;
}

export interface WindowGroupStats extends TrafficCounts {
  /** interface name (`#id` when it has none) */
  readonly iface: string;
  /** the packets' highest protocol (DecodedPacket.protocol) */
  readonly protocol: PacketProtocol;
}

export interface WindowStats extends WindowBounds, TrafficCounts {
  /** one entry per interface and protocol seen in the window, sorted by interface then protocol */
  readonly groups: readonly WindowGroupStats[];
  /** with the `topTalkers` option: the window's k busiest IP sources, most bytes first */
  readonly topTalkers?: readonly Talker[];
}

export interface WindowStatsOptions {
  /** also count the k busiest IP sources of each window (`topTalkers` in each WindowStats) */
  readonly topTalkers?: number;
  /** with topTalkers: addresses tracked per window at the most (default 100,000) */
  readonly maxAddresses?: number;
}

// A module-local binding: the per-packet call skips the import's accessor.
const decodePacket = decode;

const PROTOCOLS: readonly PacketProtocol[] = ['arp', 'dns', 'icmp', 'icmpv6', 'ipv4', 'ipv6', 'other', 'tcp', 'udp'];
const PROTOCOL_INDEX: Readonly<Record<PacketProtocol, number>> = Object.fromEntries(PROTOCOLS.map((p, i) => [p, i])) as Record<PacketProtocol, number>;

/** One interface's counters: packets and bytes per protocol, side by side. */
interface InterfaceCounters {
  readonly name: string;
  readonly counts: Float64Array;
}

export function trafficCounts(packets: number, bytes: number, durationMs: number): TrafficCounts {
  const seconds = durationMs / 1000;
  return { packets, bytes, pps: seconds > 0 ? packets / seconds : 0, bps: seconds > 0 ? (bytes * 8) / seconds : 0 };
}

export class WindowStatsAccumulator implements WindowAccumulator<Packet | DecodedPacket, WindowStats> {
  readonly #byInterface = new Map<InterfaceInfo, InterfaceCounters>();
  readonly #byName = new Map<string, InterfaceCounters>();
  readonly #talkers: TopTalkersAccumulator | undefined;
  #packets = 0;
  #bytes = 0;

  constructor(options: WindowStatsOptions = {}) {
    if (options.topTalkers !== undefined) this.#talkers = new TopTalkersAccumulator(options.topTalkers, options.maxAddresses);
  }

  get empty(): boolean {
    return this.#packets === 0;
  }

  add(packet: Packet | DecodedPacket): void {
    const p = decodePacket(packet);
    let c = this.#byInterface.get(p.iface);
    if (c === undefined) c = this.#counters(p.iface);
    const i = PROTOCOL_INDEX[p.protocol] * 2;
    const bytes = p.originalLength;
    c.counts[i]!++;
    c.counts[i + 1]! += bytes;
    this.#packets++;
    this.#bytes += bytes;
    this.#talkers?.add(p);
  }

  close(bounds: WindowBounds): WindowStats {
    const groups: WindowGroupStats[] = [];
    const names = [...this.#byName.keys()].sort();
    for (const name of names) {
      const counts = this.#byName.get(name)!.counts;
      for (let i = 0; i < PROTOCOLS.length; i++) {
        if (counts[2 * i] === 0) continue;
        groups.push({ iface: name, protocol: PROTOCOLS[i]!, ...trafficCounts(counts[2 * i]!, counts[2 * i + 1]!, bounds.durationMs) });
      }
      counts.fill(0);
    }
    const counts = trafficCounts(this.#packets, this.#bytes, bounds.durationMs);
    const stats: WindowStats = this.#talkers
      ? { ...bounds, ...counts, groups, topTalkers: this.#talkers.close(bounds).talkers }
      : { ...bounds, ...counts, groups };
    this.#packets = 0;
    this.#bytes = 0;
    return stats;
  }

  #counters(iface: InterfaceInfo): InterfaceCounters {
    const name = iface.name ?? `#${iface.interfaceId}`;
    let c = this.#byName.get(name);
    if (c === undefined) {
      c = { name, counts: new Float64Array(PROTOCOLS.length * 2) };
      this.#byName.set(name, c);
    }
    this.#byInterface.set(iface, c);
    return c;
  }
}
