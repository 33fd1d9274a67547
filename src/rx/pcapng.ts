// RxJS operators over the pcapng reader and writer. Each subscription gets its own reader or
// writer (cold); format errors go to the subscriber's error callback, and unsubscribing stops
// even synchronous sources.

import { EMPTY, Observable, concatWith, defer, map, of, takeWhile } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { PcapngPacketReader, PcapngReader, PcapngWriter, packetOf } from '../core/pcapng';
import type { Block, Packet, PacketRecord, PcapngReaderOptions, PcapngWriterOptions } from '../core/pcapng';

/** What feedOperator needs of a reader: chunks in, items to a sink, a check at the end. */
interface FeedReader<R> {
  feed(chunk: Buffer, sink: (item: R) => void): void;
  end(): void;
}

/**
 * Hands every item the reader completes straight to the subscriber, from inside the reader's
 * feed(): no array per chunk and no inner subscription (the mergeMap this replaced cost an
 * inner Observable per WebSocket message; see PERFORMANCE.md). `other` maps what is not a
 * Buffer (already a block) to the item, or to undefined for none. A chunk that arrives while a
 * chunk is being fed (a source that emits again from inside a downstream next) waits for it.
 * The reader throws a PcapngFormatError on malformed input: it becomes the stream's error, after
 * the items that precede the bad block (they are emitted as they are read).
 */
function feedOperator<I, R>(makeReader: () => FeedReader<R>, other?: (item: Exclude<I, Buffer>) => R | undefined): OperatorFunction<I, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let reader: FeedReader<R> | undefined;
      let feeding = false;
      let waiting: Buffer[] | undefined;
      const sink = (item: R): void => {
        if (!subscriber.closed) subscriber.next(item);
      };
      // takeWhile links the source's subscription to this one, so that a synchronous source
      // stops at its next value once the subscriber has gone (before this function returns).
      return source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (item) => {
          if (!Buffer.isBuffer(item)) {
            const mapped = other?.(item as Exclude<I, Buffer>);
            if (mapped !== undefined) sink(mapped);
            return;
          }
          reader ??= makeReader();
          if (feeding) {
            (waiting ??= []).push(item);
            return;
          }
          feeding = true;
          try {
            reader.feed(item, sink);
            while (waiting !== undefined && waiting.length > 0 && !subscriber.closed) reader.feed(waiting.shift()!, sink);
          } catch (err) {
            subscriber.error(err);
          } finally {
            feeding = false;
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          if (subscriber.closed) return;
          try {
            reader?.end();
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.complete();
        },
      });
    });
}

/** Chunks of a pcapng stream (any boundaries) to its blocks. */
export function pcapngBlocks(options: PcapngReaderOptions = {}): OperatorFunction<Buffer, Block> {
  return feedOperator<Buffer, Block>(() => new PcapngReader(options));
}

/** Chunks of a pcapng stream, or its blocks, to the packets they carry. */
export function packets(options: PcapngReaderOptions = {}): OperatorFunction<Buffer | Block, Packet> {
  return feedOperator<Buffer | Block, Packet>(() => new PcapngPacketReader(options), packetOf);
}

/**
 * Packets (from one or several captures, or as plain fields: PacketRecord) to the chunks of one
 * valid pcapng stream, written by PcapngWriter (the one place packets become blocks).
 */
export function toPcapng(options: PcapngWriterOptions = {}): OperatorFunction<Packet | PacketRecord, Buffer> {
  return (source) => defer(() => {
    const writer = new PcapngWriter(options);
    const tail = defer(() => {
      const bytes = writer.end();
      return bytes.length > 0 ? of(bytes) : EMPTY;
    });
    return source.pipe(map((packet) => writer.write(packet)), concatWith(tail));
  });
}
