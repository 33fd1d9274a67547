// Limits on a packet stream: a count, a byte budget, and a snap length.

import { map, take, takeWhile } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction } from 'rxjs';
import { Packet } from '../core/pcapng/packet';
import type { PacketCarryingBlock } from '../core/pcapng/types';

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name}: expected an integer >= 0, got ${n}`);
}

/** The first n packets, then complete (and unsubscribe upstream, which stops a capture gracefully). */
export function takePackets<T extends Packet>(n: number): MonoTypeOperatorFunction<T> {
  assertCount('takePackets', n);
  return take(n);
}

export interface StopAfterBytesOptions {
  /** count the bytes on the wire (`original`, the default) or the bytes captured (`captured`) */
  readonly by?: 'original' | 'captured';
}

/**
 * Packets until their bytes add up to n: the packet that reaches or crosses n is still emitted,
 * then the stream completes (like dumpcap's file size limit, the budget is met, not undershot).
 * Counts the original (on-the-wire) length by default, the captured length with `{ by: 'captured' }`.
 */
export function stopAfterBytes<T extends Packet>(n: number, options: StopAfterBytesOptions = {}): MonoTypeOperatorFunction<T> {
  assertCount('stopAfterBytes', n);
  const captured = options.by === 'captured';
  if (n === 0) return take(0);
  return (source) => {
    // Per subscription, so that a resubscription counts afresh.
    let total = 0;
    return source.pipe(takeWhile((p) => {
      total += captured ? p.capturedLength : p.originalLength;
      return total < n;
    }, true));
  };
}

/** The block with its data cut to n bytes; every other field read through to the original. */
function truncatedBlock(block: PacketCarryingBlock, n: number): PacketCarryingBlock {
  const data = block.data.subarray(0, n);
  return Object.create(block, {
    data: { value: data, enumerable: true },
    capturedLength: { value: data.length, enumerable: true },
  }) as PacketCarryingBlock;
}

/**
 * Cuts each packet's data to at most n bytes and sets its captured length to match; the original
 * length stays (so the file still says how long the packet was). Shorter packets pass unchanged.
 * Decoded packets come out as plain Packets (decode again when needed).
 */
export function snaplen(n: number): OperatorFunction<Packet, Packet> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`snaplen: expected an integer >= 1, got ${n}`);
  return map((p) => (p.capturedLength <= n ? p : new Packet(truncatedBlock(p.block, n), p.iface)));
}
