// The count and byte stop conditions, defined once for every face (the library's pipes, the csharg
// command's --count and --max-bytes, the Node-RED capture node), and a snap length.
//
// Both take what a capture pipe carries at any stage: pcapng chunks (Buffers, as `capture()`
// emits them), blocks (`pcapngBlocks()`), or packets (`packets()`, decoded ones). On chunks they
// cut at a block boundary: the output holds whole blocks only. When the limit is reached, the
// captures beneath are stopped gracefully (see graceful-stop.ts); what they still deliver is
// dropped, and the stream completes once they have stopped (at once without a capture beneath).

import { EMPTY, map, takeWhile } from 'rxjs';
import type { MonoTypeOperatorFunction, OperatorFunction, Subscriber } from 'rxjs';
import { Packet } from '../core/pcapng/packet';
import type { Block, PacketCarryingBlock } from '../core/pcapng/types';
import { BlockCutter } from '../core/pcapng/block-cutter';
import { gracefulStopOperator } from './graceful-stop';
import type { StopConditionOptions } from './graceful-stop';

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name}: expected an integer >= 0, got ${n}`);
}

function isBlock(item: unknown): item is Block {
  return typeof item === 'object' && item !== null && !(item instanceof Packet) && Buffer.isBuffer((item as Block).raw) && typeof (item as Block).kind === 'string';
}

function isPacketBlock(block: Block): boolean {
  return block.kind === 'epb' || block.kind === 'spb' || block.kind === 'pb';
}

/**
 * One stop condition over a capture pipe's items: `take` says, for each item, what of it to pass
 * on (a Buffer may be cut) and whether the limit is now reached; `rest` hands out what a chunk
 * cutter still holds when the source ends (a stream that ended inside a block, passed on as it came).
 */
interface Limit<T> {
  take(item: T): { keep: T | undefined; reached: boolean };
  rest(): T | undefined;
}

function limitOperator<T>(makeLimit: () => Limit<T>, options: StopConditionOptions | undefined): MonoTypeOperatorFunction<T> {
  return gracefulStopOperator<T>((control, subscriber: Subscriber<T>) => {
    const limit = makeLimit();
    let reached = false;
    return {
      next(item) {
        if (reached) return;
        const { keep, reached: now } = limit.take(item);
        if (keep !== undefined) subscriber.next(keep);
        if (now) {
          reached = true;
          control.stop();
        }
      },
      end() {
        if (reached) return;
        const held = limit.rest();
        if (held !== undefined) subscriber.next(held);
      },
    };
  }, options);
}

/** Chunks cut by a BlockCutter; anything else counted one by one with `countItem`. */
function chunkOrItemLimit<T>(cutter: BlockCutter, countItem: (item: T) => boolean): Limit<T> {
  return {
    take(item) {
      if (!Buffer.isBuffer(item)) return { keep: item, reached: countItem(item) };
      const cut = cutter.cut(item);
      return { keep: cut.keep.length > 0 ? (cut.keep as T) : undefined, reached: cut.done };
    },
    rest: () => heldRest<T>(cutter),
  };
}

/** What a cutter still holds when the stream ends (it ended inside a block): passed on as it came. */
function heldRest<T>(cutter: BlockCutter): T | undefined {
  if (cutter.done) return undefined;
  const held = cutter.takeHeld();
  return held.length > 0 ? (held as T) : undefined;
}

/**
 * Stop after `n` packets: the `n`th packet is the last one passed on. On pcapng chunks the output
 * ends with the `n`th packet's block (blocks before it, such as interface descriptions, kept);
 * on blocks, non-packet blocks pass and do not count. Anything else counts as one packet.
 */
export function stopAfterPackets<T>(n: number, options?: StopConditionOptions): MonoTypeOperatorFunction<T> {
  assertCount('stopAfterPackets', n);
  // Nothing wanted: not even a capture is opened.
  if (n === 0) return () => EMPTY;
  return limitOperator<T>(() => {
    let packets = 0;
    const cutter = new BlockCutter({ count: n });
    return chunkOrItemLimit<T>(cutter, (item) => {
      if (isBlock(item) && !isPacketBlock(item)) return false;
      return ++packets >= n;
    });
  }, options);
}

/** The first n packets, then complete: `stopAfterPackets(n)` under the name RxJS's take suggests. */
export function takePackets<T>(n: number): MonoTypeOperatorFunction<T> {
  assertCount('takePackets', n);
  return stopAfterPackets<T>(n);
}

/**
 * Stop after `n` bytes of pcapng: whole blocks are passed on while their total stays within `n`
 * bytes; the first block that would exceed it, and everything after, is not (so a file written
 * from the output is at most `n` bytes, and never ends inside a block). The blocks before the
 * first packet (section header, interface descriptions) are always passed on, so the output is a
 * readable pcapng even when `n` is smaller than they are. Takes pcapng chunks or blocks.
 */
export function stopAfterBytes<T extends Buffer | Block>(n: number, options?: StopConditionOptions): MonoTypeOperatorFunction<T> {
  assertCount('stopAfterBytes', n);
  return limitOperator<T>(() => {
    let total = 0;
    let seenPacket = false;
    const cutter = new BlockCutter({ maxBytes: n });
    return {
      take(item) {
        if (Buffer.isBuffer(item)) {
          const cut = cutter.cut(item);
          return { keep: cut.keep.length > 0 ? (cut.keep as T) : undefined, reached: cut.done };
        }
        if (!isBlock(item)) throw new TypeError('stopAfterBytes: expected pcapng chunks (Buffers) or blocks');
        const isPacket = isPacketBlock(item);
        total += item.raw.length;
        if (total > n && (seenPacket || isPacket)) return { keep: undefined, reached: true };
        if (isPacket) seenPacket = true;
        return { keep: item, reached: false };
      },
      rest: () => heldRest<T>(cutter),
    };
  }, options);
}

export interface TakePacketBytesOptions {
  /** count the bytes on the wire (`original`, the default) or the bytes captured (`captured`) */
  readonly by?: 'original' | 'captured';
}

/**
 * Packets until their lengths add up to n: the packet that reaches or crosses n is still emitted,
 * then the stream completes. This is a budget of packet data (the original, on-the-wire length by
 * default, the captured length with `{ by: 'captured' }`), not the size of a capture file: for
 * "stop after N bytes" of pcapng, use stopAfterBytes.
 */
export function takePacketBytes<T extends Packet>(n: number, options: TakePacketBytesOptions = {}): MonoTypeOperatorFunction<T> {
  assertCount('takePacketBytes', n);
  const captured = options.by === 'captured';
  if (n === 0) return () => EMPTY;
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
