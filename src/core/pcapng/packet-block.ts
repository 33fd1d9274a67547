// The Enhanced Packet Block, the one block of the hot path: fixed fields read at once; the data
// and raw views made, and the options decoded, only when asked for.

import { BlockType, OptionCode } from './constants';
import { allStrings, firstU32, firstU64, firstValue } from './options';
import type { EnhancedPacketBlock, InterfaceInfo, PcapngOption } from './types';

const NONE: readonly never[] = Object.freeze([]);

/**
 * What an Enhanced Packet Block's options say, read on demand from `options` (in the block's byte
 * order): shared by the block read in place (EnhancedPacketView) and blocks that hold their own
 * bytes (the Node-RED nodes' carried packets), so both answer alike.
 */
export abstract class EnhancedPacketOptions {
  abstract readonly options: readonly PcapngOption[];
  abstract readonly littleEndian: boolean;

  get flags(): number | undefined {
    return this.options.length === 0 ? undefined : firstU32(this.options, OptionCode.EPB_FLAGS, this.littleEndian);
  }

  get hash(): Buffer | undefined {
    return this.options.length === 0 ? undefined : firstValue(this.options, OptionCode.EPB_HASH);
  }

  get dropCount(): bigint | undefined {
    return this.options.length === 0 ? undefined : firstU64(this.options, OptionCode.EPB_DROPCOUNT, this.littleEndian);
  }

  get packetId(): bigint | undefined {
    return this.options.length === 0 ? undefined : firstU64(this.options, OptionCode.EPB_PACKETID, this.littleEndian);
  }

  get queue(): number | undefined {
    return this.options.length === 0 ? undefined : firstU32(this.options, OptionCode.EPB_QUEUE, this.littleEndian);
  }

  get verdicts(): readonly Buffer[] {
    return this.options.length === 0 ? NONE : this.options.filter((o) => o.code === OptionCode.EPB_VERDICT).map((o) => o.value);
  }

  get comments(): readonly string[] {
    return this.options.length === 0 ? NONE : allStrings(this.options, OptionCode.COMMENT);
  }
}

export class EnhancedPacketView extends EnhancedPacketOptions implements EnhancedPacketBlock {
  readonly interfaceId: number;
  readonly timestampHigh: number;
  readonly timestampLow: number;
  readonly originalLength: number;

  constructor(
    private readonly buffer: Buffer,
    private readonly start: number,
    private readonly length: number,
    readonly offset: number,
    readonly littleEndian: boolean,
    readonly iface: InterfaceInfo,
    readonly capturedLength: number,
    readonly options: readonly PcapngOption[],
    readonly endOfOptions: boolean,
  ) {
    super();
    this.interfaceId = iface.interfaceId;
    if (littleEndian) {
      const b = buffer;
      // Inline reads: Buffer's readUInt32LE checks its argument on every call.
      this.timestampHigh = (b[start + 12]! | (b[start + 13]! << 8) | (b[start + 14]! << 16)) + b[start + 15]! * 0x1000000;
      this.timestampLow = (b[start + 16]! | (b[start + 17]! << 8) | (b[start + 18]! << 16)) + b[start + 19]! * 0x1000000;
      this.originalLength = (b[start + 24]! | (b[start + 25]! << 8) | (b[start + 26]! << 16)) + b[start + 27]! * 0x1000000;
    } else {
      this.timestampHigh = buffer.readUInt32BE(start + 12);
      this.timestampLow = buffer.readUInt32BE(start + 16);
      this.originalLength = buffer.readUInt32BE(start + 24);
    }
  }

  get kind(): 'epb' {
    return 'epb';
  }

  get type(): number {
    return BlockType.EPB;
  }

  get data(): Buffer {
    return this.buffer.subarray(this.start + 28, this.start + 28 + this.capturedLength);
  }

  /** the buffer the block lives in (no copy, no view): the data are at `dataOffset` in it */
  get dataBuffer(): Buffer {
    return this.buffer;
  }

  get dataOffset(): number {
    return this.start + 28;
  }

  get raw(): Buffer {
    return this.buffer.subarray(this.start, this.start + this.length);
  }
}
