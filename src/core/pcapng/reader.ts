// The streaming pcapng reader: chunks of any size in, blocks out. A block that lies inside one
// chunk is decoded in place (views, no copy); a block spread over chunks is collected piecewise
// and concatenated once, when its last byte has arrived. The block length cap bounds buffering.

import { BlockType, DEFAULT_MAX_BLOCK_LENGTH, EPB_MIN_LENGTH as EPB_MIN, EPB_TYPE_SWAPPED, MIN_BLOCK_LENGTH as MIN_BLOCK } from './constants';
import { decodeBlock } from './decode-block';
import { decodeSectionHeader, hex32, shbLittleEndian, shbMagic } from '../shb/section-header';
import { PcapngFormatError } from './errors';
import { EnhancedPacketView } from './packet-block';
import { walkOptions } from './options';
import type { SectionState } from './section';
import { interfaceInfo } from './section';
import type { Block } from './types';

export interface PcapngReaderOptions {
  /** largest block accepted, in bytes (default 64 MiB) */
  readonly maxBlockLength?: number;
}

// Module-local copies of the hot constants (from constants.ts, once at load): imported bindings
// cost an accessor call under tsx.
const SHB = BlockType.SHB;
const EPB = BlockType.EPB;
const EPB_SWAPPED = EPB_TYPE_SWAPPED;
const MIN_BLOCK_LENGTH = MIN_BLOCK;
const EPB_MIN_LENGTH = EPB_MIN;

/**
 * Feed chunks with push() or feed(), then call end(). Malformed input throws PcapngFormatError
 * naming the absolute byte offset; the reader then stays failed and throws it again.
 */
export class PcapngReader {
  readonly #maxBlockLength: number;
  /** pieces of the incomplete block at the end of the data seen so far */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** length of the pending block once its header is known, else 0 */
  #needed = 0;
  /** absolute stream offset of the next block */
  #offset = 0;
  #section: SectionState | undefined;
  #sectionCount = 0;
  #failure: PcapngFormatError | undefined;

  constructor(options: PcapngReaderOptions = {}) {
    this.#maxBlockLength = options.maxBlockLength ?? DEFAULT_MAX_BLOCK_LENGTH;
  }

  /** Absolute offset of the first byte not yet consumed as part of a complete block. */
  get offset(): number {
    return this.#offset;
  }

  /** The blocks completed by this chunk. */
  push(chunk: Buffer): Block[] {
    const blocks: Block[] = [];
    this.feed(chunk, (b) => blocks.push(b));
    return blocks;
  }

  /** Hands each block completed by this chunk to `sink` (which must not throw). */
  feed(chunk: Buffer, sink: (block: Block) => void): void {
    if (this.#failure) throw this.#failure;
    try {
      this.#feed(chunk, sink);
    } catch (e) {
      if (e instanceof PcapngFormatError) this.#failure = e;
      throw e;
    }
  }

  /** The stream has ended: throws PcapngFormatError when it ended inside a block. */
  end(): void {
    if (this.#failure) throw this.#failure;
    if (this.#pendingLength > 0) {
      const expected = this.#needed > 0 ? `${this.#needed}` : 'at least 12';
      this.#failure = new PcapngFormatError(this.#offset, `stream ends inside a block (${this.#pendingLength} of ${expected} bytes)`);
      throw this.#failure;
    }
  }

  #feed(chunk: Buffer, sink: (block: Block) => void): void {
    const n = chunk.length;
    let pos = 0;
    if (this.#pendingLength > 0) {
      pos = this.#completePending(chunk, sink);
      if (pos < 0) return;
    }
    while (n - pos >= MIN_BLOCK_LENGTH) {
      // The hot path: a complete EPB inside this chunk, in a section already open.
      const section = this.#section;
      if (section !== undefined && section.littleEndian && le32(chunk, pos) === EPB) {
        const length = le32(chunk, pos + 4);
        if (length >= EPB_MIN_LENGTH && (length & 3) === 0 && length <= n - pos && length <= this.#maxBlockLength
          && length === le32(chunk, pos + length - 4)) {
          const block = enhancedPacket(chunk, pos, length, this.#offset, section);
          this.#offset += length;
          pos += length;
          sink(block);
          continue;
        }
      }
      const length = this.#blockLength(chunk, pos);
      if (length > n - pos) {
        this.#needed = length;
        break;
      }
      this.#block(chunk, pos, length, sink);
      pos += length;
    }
    if (pos < n) {
      this.#pending.push(pos === 0 ? chunk : chunk.subarray(pos));
      this.#pendingLength = n - pos;
    }
  }

  /** Adds the chunk to the pending block; returns how much of it that took, or -1 for all. */
  #completePending(chunk: Buffer, sink: (block: Block) => void): number {
    if (this.#needed === 0) {
      const headerMissing = MIN_BLOCK_LENGTH - this.#pendingLength;
      if (chunk.length < headerMissing) {
        this.#absorb(chunk);
        return -1;
      }
      const header = Buffer.concat([...this.#pending, chunk.subarray(0, headerMissing)], MIN_BLOCK_LENGTH);
      this.#needed = this.#blockLength(header, 0);
    }
    const missing = this.#needed - this.#pendingLength;
    if (chunk.length < missing) {
      this.#absorb(chunk);
      return -1;
    }
    const block = Buffer.concat([...this.#pending, chunk.subarray(0, missing)], this.#needed);
    this.#pending = [];
    this.#pendingLength = 0;
    this.#needed = 0;
    this.#block(block, 0, block.length, sink);
    return missing;
  }

  #absorb(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
  }

  /** The checked total length of the block whose first 12 bytes are at buf[p]. */
  #blockLength(buf: Buffer, p: number): number {
    const type = buf.readUInt32LE(p);
    let le: boolean;
    if (type === SHB) {
      const order = shbLittleEndian(buf, p);
      if (order === undefined) throw new PcapngFormatError(this.#offset, `section header block with bad byte-order magic ${hex32(shbMagic(buf, p))}`);
      le = order;
    } else if (this.#section === undefined) {
      throw new PcapngFormatError(this.#offset, `stream does not start with a section header block (block type 0x${buf.readUInt32BE(p).toString(16).padStart(8, '0')})`);
    } else {
      le = this.#section.littleEndian;
    }
    const length = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
    if (length < MIN_BLOCK_LENGTH || (length & 3) !== 0 || length > this.#maxBlockLength) {
      const why = length > this.#maxBlockLength ? `over the cap of ${this.#maxBlockLength}` : length < MIN_BLOCK_LENGTH ? 'under 12' : 'not a multiple of 4';
      throw new PcapngFormatError(this.#offset, `block length ${length} is ${why}`);
    }
    return length;
  }

  /** Decodes the complete block buf[start, start + length) and hands it on. */
  #block(buf: Buffer, start: number, length: number, sink: (block: Block) => void): void {
    const offset = this.#offset;
    const type = buf.readUInt32LE(start);
    const le = type === SHB ? shbLittleEndian(buf, start) === true : this.#section!.littleEndian;
    const trailing = le ? buf.readUInt32LE(start + length - 4) : buf.readUInt32BE(start + length - 4);
    if (trailing !== length) throw new PcapngFormatError(offset, `block length ${length} disagrees with its trailing length ${trailing}`);
    if (type === (le ? EPB : EPB_SWAPPED) && length >= EPB_MIN_LENGTH) {
      // The hot path: decoded here, without the general dispatch.
      const block = enhancedPacket(buf, start, length, offset, this.#section!);
      this.#offset = offset + length;
      sink(block);
      return;
    }
    const span = { buf, start, length, offset };
    let block: Block;
    if (type === SHB) {
      const shb = decodeSectionHeader(span, le, this.#sectionCount);
      this.#section = { index: this.#sectionCount++, littleEndian: le, interfaces: [], target: shb.target };
      block = shb;
    } else {
      const section = this.#section!;
      block = decodeBlock(span, le ? type : buf.readUInt32BE(start), section);
      if (block.kind === 'idb') section.interfaces.push(interfaceInfo(block, section.target));
    }
    this.#offset = offset + length;
    sink(block);
  }
}

/** An EPB of at least the minimum length; throws PcapngFormatError when malformed. */
function enhancedPacket(buf: Buffer, start: number, length: number, offset: number, section: SectionState): EnhancedPacketView {
  const le = section.littleEndian;
  const capturedLength = le ? le32(buf, start + 20) : buf.readUInt32BE(start + 20);
  const optionsStart = start + 28 + ((capturedLength + 3) & ~3);
  const end = start + length - 4;
  if (capturedLength > length - 32 || optionsStart > end) {
    throw new PcapngFormatError(offset, `enhanced packet block of ${length} bytes cannot hold ${capturedLength} captured bytes`);
  }
  const id = le ? le32(buf, start + 8) : buf.readUInt32BE(start + 8);
  const iface = section.interfaces[id];
  if (iface === undefined) {
    throw new PcapngFormatError(offset, `enhanced packet block refers to interface ${id}, but section ${section.index} has ${section.interfaces.length}`);
  }
  if (optionsStart === end) return new EnhancedPacketView(buf, start, length, offset, le, iface, capturedLength, NO_OPTIONS, false);
  const list = walkOptions(buf, optionsStart, end, le, offset - start);
  return new EnhancedPacketView(buf, start, length, offset, le, iface, capturedLength, list.options, list.endOfOptions);
}

const NO_OPTIONS: readonly never[] = Object.freeze([]);

/** Little-endian 32-bit read without Buffer's argument checks (callers stay in bounds). */
function le32(b: Buffer, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}
