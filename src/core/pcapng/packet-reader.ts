// Packets straight from chunks: the block reader plus the step from packet-carrying blocks to
// Packet objects.

import { Packet } from './packet';
import { PcapngReader } from './reader';
import type { PcapngReaderOptions } from './reader';
import type { Block } from './types';

/** The packet an EPB, SPB or obsolete Packet Block carries; undefined for other blocks. */
export function packetOf(block: Block): Packet | undefined {
  if (block.kind === 'epb' || block.kind === 'spb' || block.kind === 'pb') return new Packet(block, block.iface);
  return undefined;
}

/** Like PcapngReader, but hands out packets only. */
export class PcapngPacketReader {
  readonly #reader: PcapngReader;

  constructor(options: PcapngReaderOptions = {}) {
    this.#reader = new PcapngReader(options);
  }

  get offset(): number {
    return this.#reader.offset;
  }

  push(chunk: Buffer): Packet[] {
    const packets: Packet[] = [];
    this.feed(chunk, (p) => packets.push(p));
    return packets;
  }

  feed(chunk: Buffer, sink: (packet: Packet) => void): void {
    this.#reader.feed(chunk, (block) => {
      if (block.kind === 'epb' || block.kind === 'spb' || block.kind === 'pb') sink(new Packet(block, block.iface));
    });
  }

  end(): void {
    this.#reader.end();
  }
}
