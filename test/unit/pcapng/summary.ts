// Comparable summaries of read results, for asserting that two readings agree.

import { PcapngReader, encodeBlock, packetOf } from '../../../src/core/pcapng';
import type { Block, Packet } from '../../../src/core/pcapng';

export function blockSummary(b: Block): string {
  return `${b.kind}@${b.offset}:${b.raw.toString('hex')}:${encodeBlock(b).toString('hex')}`;
}

export function packetSummary(p: Packet): string {
  return JSON.stringify([p.sectionIndex, p.interfaceId, p.interfaceName, p.linkType, p.timestampNs?.toString() ?? null,
    p.timestampMs, p.capturedLength, p.originalLength, p.data.toString('hex'), p.flags, p.comments, p.dropCount?.toString()]);
}

/** Reads all chunks; the summaries of blocks and packets, or the error it ended in. */
export function readAll(chunks: Buffer[], maxBlockLength?: number): { blocks: string[]; packets: string[]; error?: unknown } {
  const reader = new PcapngReader(maxBlockLength === undefined ? {} : { maxBlockLength });
  const blocks: string[] = [];
  const packets: string[] = [];
  const sink = (b: Block): void => {
    blocks.push(blockSummary(b));
    const p = packetOf(b);
    if (p) packets.push(packetSummary(p));
  };
  try {
    for (const c of chunks) reader.feed(c, sink);
    reader.end();
  } catch (error) {
    return { blocks, packets, error };
  }
  return { blocks, packets };
}
