// Flows: per direction-normalised 5-tuple, packets and bytes (both directions and each), first and
// last seen (packet time), TCP SYN/FIN/RST counts and retransmissions (a segment with payload
// whose sequence number and length were seen before in the same direction, among the last
// RETRANSMIT_MEMORY segments of that direction).
//
// Memory is bounded: flows idle for `idleTimeoutMs` (packet time) are forgotten, and beyond
// `maxFlows` the least recently seen flow is forgotten; a forgotten flow starts afresh when seen again.

import { decode } from '../decode/decoded-packet';
import type { DecodedPacket } from '../decode/decoded-packet';
import type { Packet } from '../pcapng/packet';
import { flowKeyOf } from './flow-key';
import type { FlowEndpoint, FlowProtocol } from './flow-key';

export interface DirectionCounts {
  readonly packets: number;
  readonly bytes: number;
}

/** A snapshot of a flow (a new object each time: safe to keep). */
export interface Flow {
  readonly id: string;
  readonly protocol: FlowProtocol;
  readonly ipProtocol: number;
  /** the endpoint that sorts first (by address bytes, then port) */
  readonly a: FlowEndpoint;
  readonly b: FlowEndpoint;
  /** who sent the first packet seen */
  readonly initiator: 'a' | 'b';
  readonly packets: number;
  /** bytes on the wire */
  readonly bytes: number;
  readonly aToB: DirectionCounts;
  readonly bToA: DirectionCounts;
  /** ms since the epoch */
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly syn: number;
  readonly fin: number;
  readonly rst: number;
  readonly retransmissions: number;
}

export interface FlowUpdate {
  /** the flow after this packet */
  readonly flow: Flow;
  readonly packet: DecodedPacket;
  /** the packet opened the flow (first seen, or seen again after it was forgotten) */
  readonly isNew: boolean;
}

export interface FlowTableOptions {
  /** default 300 000 (5 minutes) of packet time */
  readonly idleTimeoutMs?: number;
  /** default 100 000 */
  readonly maxFlows?: number;
}

export const RETRANSMIT_MEMORY = 64;

/** Recent (seq, length) pairs of one direction. */
class SegmentMemory {
  readonly #seen = new Set<number>();
  readonly #ring: number[] = [];
  #next = 0;

  /** true when this segment was seen before; remembers it otherwise */
  seenBefore(seq: number, length: number): boolean {
    const key = seq * 2 ** 21 + Math.min(length, 2 ** 21 - 1);
    if (this.#seen.has(key)) return true;
    if (this.#ring.length < RETRANSMIT_MEMORY) this.#ring.push(key);
    else {
      this.#seen.delete(this.#ring[this.#next]!);
      this.#ring[this.#next] = key;
      this.#next = (this.#next + 1) % RETRANSMIT_MEMORY;
    }
    this.#seen.add(key);
    return false;
  }
}

interface FlowState {
  flow: Flow;
  aSegments?: SegmentMemory;
  bSegments?: SegmentMemory;
}

export class FlowTable {
  readonly #flows = new Map<string, FlowState>();
  readonly idleTimeoutMs: number;
  readonly maxFlows: number;
  #clock = 0;

  constructor(options: FlowTableOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.maxFlows = options.maxFlows ?? 100_000;
    if (!(this.idleTimeoutMs > 0)) throw new RangeError(`flows: idleTimeoutMs must be > 0, got ${this.idleTimeoutMs}`);
    if (!Number.isSafeInteger(this.maxFlows) || this.maxFlows < 1) throw new RangeError(`flows: maxFlows must be an integer >= 1, got ${this.maxFlows}`);
  }

  /** flows currently remembered */
  get size(): number {
    return this.#flows.size;
  }

  /** Counts the packet into its flow; undefined for packets without a readable IP header. */
  add(packet: Packet | DecodedPacket): FlowUpdate | undefined {
    const p = decode(packet);
    const key = flowKeyOf(p);
    if (!key) return undefined;
    const now = p.timestampMs ?? this.#clock;
    this.#clock = Math.max(this.#clock, now);
    this.#expire();
    let state = this.#flows.get(key.id);
    const isNew = state === undefined;
    if (state === undefined) {
      state = {
        flow: {
          id: key.id, protocol: key.protocol, ipProtocol: key.ipProtocol, a: key.a, b: key.b, initiator: key.aToB ? 'a' : 'b',
          packets: 0, bytes: 0, aToB: { packets: 0, bytes: 0 }, bToA: { packets: 0, bytes: 0 },
          firstSeenMs: now, lastSeenMs: now, syn: 0, fin: 0, rst: 0, retransmissions: 0,
        },
      };
      if (this.#flows.size >= this.maxFlows) this.#flows.delete(this.#flows.keys().next().value!);
    } else {
      // Re-inserted below so that the map's order is least recently seen first.
      this.#flows.delete(key.id);
    }
    this.#flows.set(key.id, state);
    const f = state.flow;
    const bytes = p.originalLength;
    const dir = key.aToB ? f.aToB : f.bToA;
    let { syn, fin, rst, retransmissions } = f;
    const tcp = p.tcp;
    if (tcp && tcp.malformed === undefined) {
      syn += tcp.syn ? 1 : 0;
      fin += tcp.fin ? 1 : 0;
      rst += tcp.rst ? 1 : 0;
      const length = tcp.segmentLength;
      if (length > 0) {
        const memory = key.aToB ? (state.aSegments ??= new SegmentMemory()) : (state.bSegments ??= new SegmentMemory());
        if (memory.seenBefore(tcp.seq, length)) retransmissions++;
      }
    }
    const next: Flow = {
      ...f,
      packets: f.packets + 1,
      bytes: f.bytes + bytes,
      aToB: key.aToB ? { packets: dir.packets + 1, bytes: dir.bytes + bytes } : f.aToB,
      bToA: key.aToB ? f.bToA : { packets: dir.packets + 1, bytes: dir.bytes + bytes },
      firstSeenMs: Math.min(f.firstSeenMs, now),
      lastSeenMs: Math.max(f.lastSeenMs, now),
      syn, fin, rst, retransmissions,
    };
    state.flow = next;
    return { flow: next, packet: p, isNew };
  }

  /** The remembered flows, least recently seen first. */
  flows(): Flow[] {
    return [...this.#flows.values()].map((s) => s.flow);
  }

  #expire(): void {
    for (const [id, s] of this.#flows) {
      if (this.#clock - s.flow.lastSeenMs <= this.idleTimeoutMs) break;
      this.#flows.delete(id);
    }
  }
}
