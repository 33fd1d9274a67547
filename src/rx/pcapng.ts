// RxJS operators over the pcapng reader and writer. Each subscription gets its own reader or
// writer (cold, via defer); format errors go to the subscriber's error callback (RxJS routes
// what the project functions throw there), and unsubscribing stops even synchronous sources.

import { EMPTY, concatWith, defer, map, mergeMap, of } from 'rxjs';
import type { Observable, OperatorFunction } from 'rxjs';
import { PcapngPacketReader, PcapngReader, PcapngWriter, packetOf } from '../core/pcapng';
import type { Block, Packet, PacketRecord, PcapngReaderOptions, PcapngWriterOptions } from '../core/pcapng';

/** Fails at completion when the stream ended inside a block. */
function endOf(reader: { end(): void } | undefined): Observable<never> {
  return defer(() => {
    reader?.end();
    return EMPTY;
  });
}

/** Chunks of a pcapng stream (any boundaries) to its blocks. */
export function pcapngBlocks(options: PcapngReaderOptions = {}): OperatorFunction<Buffer, Block> {
  return (source) => defer(() => {
    const reader = new PcapngReader(options);
    return source.pipe(mergeMap((chunk) => reader.push(chunk)), concatWith(endOf(reader)));
  });
}

/** Chunks of a pcapng stream, or its blocks, to the packets they carry. */
export function packets(options: PcapngReaderOptions = {}): OperatorFunction<Buffer | Block, Packet> {
  return (source) => defer(() => {
    let reader: PcapngPacketReader | undefined;
    return source.pipe(
      mergeMap((item): Packet[] => {
        if (!Buffer.isBuffer(item)) {
          const packet = packetOf(item);
          return packet ? [packet] : [];
        }
        reader ??= new PcapngPacketReader(options);
        return reader.push(item);
      }),
      concatWith(defer(() => endOf(reader))),
    );
  });
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
