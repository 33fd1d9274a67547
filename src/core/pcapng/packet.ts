// A captured packet, whatever block carried it, with its interface and section metadata.

import { inspect } from 'node:util';
import type { CaptureTargetMetadata } from '../shb/capture-metadata';
import { EnhancedPacketView } from './packet-block';
import { isoTimeNs, timestampMs, timestampNs } from './timestamp';
import type { InterfaceInfo, PacketCarryingBlock } from './types';

const NO_COMMENTS: readonly string[] = Object.freeze([]);

export class Packet {
  constructor(
    /** the block that carried the packet */
    readonly block: PacketCarryingBlock,
    readonly iface: InterfaceInfo,
  ) {}

  get interfaceId(): number {
    return this.iface.interfaceId;
  }

  get capturedLength(): number {
    return this.block.capturedLength;
  }

  get originalLength(): number {
    return this.block.originalLength;
  }

  /** milliseconds since the epoch; null for Simple Packet Blocks, which carry no timestamp */
  get timestampMs(): number | null {
    const b = this.block;
    return b.kind === 'spb' ? null : timestampMs(this.iface.scale, b.timestampHigh, b.timestampLow);
  }

  get interfaceName(): string | undefined {
    return this.iface.name;
  }

  get linkType(): number {
    return this.iface.linkType;
  }

  /** 0 for the stream's first section, counting up with each SHB */
  get sectionIndex(): number {
    return this.iface.sectionIndex;
  }

  /** exact nanoseconds since the epoch (if_tsresol and if_tsoffset applied); null for SPBs */
  get timestampNs(): bigint | null {
    const b = this.block;
    return b.kind === 'spb' ? null : timestampNs(this.iface.scale, b.timestampHigh, b.timestampLow);
  }

  /** view of the captured bytes */
  get data(): Buffer {
    return this.block.data;
  }

  /** The buffer holding the captured bytes, at `dataOffset` for `capturedLength` bytes: no view is made (EPBs from the reader), so a caller reading a few fields pays no allocation. */
  get dataBuffer(): Buffer {
    const b = this.block;
    return b instanceof EnhancedPacketView ? b.dataBuffer : b.data;
  }

  get dataOffset(): number {
    const b = this.block;
    return b instanceof EnhancedPacketView ? b.dataOffset : 0;
  }

  /** epb_flags / pack_flags */
  get flags(): number | undefined {
    return this.block.kind === 'spb' ? undefined : this.block.flags;
  }

  get comments(): readonly string[] {
    return this.block.kind === 'spb' ? NO_COMMENTS : this.block.comments;
  }

  /** epb_dropcount, or the obsolete Packet Block's drops count */
  get dropCount(): bigint | undefined {
    const b = this.block;
    if (b.kind === 'epb') return b.dropCount;
    if (b.kind === 'pb') return b.dropsCount === 0xffff ? undefined : BigInt(b.dropsCount);
    return undefined;
  }

  /** the section's capture target information */
  get target(): CaptureTargetMetadata | undefined {
    return this.iface.target;
  }

  /**
   * One line for people: time, interface, what the packet is, length on the wire (and the
   * captured length when the snapshot cut it). `console.log(packet)` prints this.
   */
  summary(): string {
    const ns = this.timestampNs;
    const time = ns === null ? 'no time' : isoTimeNs(ns);
    return `${time} ${this.interfaceName ?? `#${this.interfaceId}`} ${this.describe()} ${this.lengthText()}`;
  }

  /** What the packet carries, for `summary()`: here its link type; decoded packets say more. */
  protected describe(): string {
    return `linktype ${this.linkType}`;
  }

  private lengthText(): string {
    const wire = `${this.originalLength} bytes`;
    return this.capturedLength < this.originalLength ? `${wire} (${this.capturedLength} captured)` : wire;
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${this.summary()}`;
  }

  /** A plain-data summary (for logging and JSON). */
  toJSON(): Record<string, unknown> {
    return {
      interfaceId: this.interfaceId,
      interfaceName: this.interfaceName ?? null,
      linkType: this.linkType,
      timestampNs: this.timestampNs?.toString() ?? null,
      capturedLength: this.capturedLength,
      originalLength: this.originalLength,
    };
  }
}
