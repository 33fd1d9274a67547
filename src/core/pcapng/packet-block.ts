// The Enhanced Packet Block, the one block of the hot path: fixed fields read at once, the data
// and raw views made only when asked for, options decoded only when the block has any.

import { BlockType, OptionCode } from './constants';
import { allStrings, firstU32, firstU64, firstValue } from './options';
import type { EnhancedPacketBlock, InterfaceInfo, PcapngOption } from './types';

const NONE: readonly never[] = Object.freeze([]);

export class EnhancedPacketView implements EnhancedPacketBlock {
  readonly interfaceId: number;
  readonly timestampHigh: number;
  readonly timestampLow: number;
  readonly originalLength: number;
  readonly flags: number | undefined = undefined;
  readonly hash: Buffer | undefined = undefined;
  readonly dropCount: bigint | undefined = undefined;
  readonly packetId: bigint | undefined = undefined;
  readonly queue: number | undefined = undefined;
  readonly verdicts: readonly Buffer[] = NONE;
  readonly comments: readonly string[] = NONE;

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
    this.interfaceId = iface.interfaceId;
    if (littleEndian) {
      this.timestampHigh = buffer.readUInt32LE(start + 12);
      this.timestampLow = buffer.readUInt32LE(start + 16);
      this.originalLength = buffer.readUInt32LE(start + 24);
    } else {
      this.timestampHigh = buffer.readUInt32BE(start + 12);
      this.timestampLow = buffer.readUInt32BE(start + 16);
      this.originalLength = buffer.readUInt32BE(start + 24);
    }
    if (options.length > 0) {
      this.flags = firstU32(options, OptionCode.EPB_FLAGS, littleEndian);
      this.hash = firstValue(options, OptionCode.EPB_HASH);
      this.dropCount = firstU64(options, OptionCode.EPB_DROPCOUNT, littleEndian);
      this.packetId = firstU64(options, OptionCode.EPB_PACKETID, littleEndian);
      this.queue = firstU32(options, OptionCode.EPB_QUEUE, littleEndian);
      this.verdicts = options.filter((o) => o.code === OptionCode.EPB_VERDICT).map((o) => o.value);
      this.comments = allStrings(options, OptionCode.COMMENT);
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

  get raw(): Buffer {
    return this.buffer.subarray(this.start, this.start + this.length);
  }
}
