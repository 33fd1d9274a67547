// The one reader of Section Header Blocks. Every part that looks into an SHB goes through it: the
// pcapng reader (framing a stream and decoding the SHB), the SHB editor (the client's capture
// target comment), --follow's block aligner and its gap comment. It recognises an SHB, takes the
// section's byte order from the magic, reads the length, walks the options and, for the reader,
// decodes the whole block with the capture target information of its comments. Callers keep their
// own limits (largest SHB, largest block) and wrap the PcapngFormatError thrown here in their own
// error where they have one (the editor's ShbEditError).

import { BYTE_ORDER_MAGIC, BYTE_ORDER_MAGIC_SWAPPED, BlockType, OptionCode, SHB_FIXED_LENGTH, SHB_MIN_LENGTH } from '../pcapng/constants';
import type { BlockSpan } from '../pcapng/decode-block';
import { PcapngFormatError } from '../pcapng/errors';
import { allStrings, firstString, walkOptions } from '../pcapng/options';
import type { EndOfOptionRule, OptionList } from '../pcapng/options';
import type { SectionHeaderBlock } from '../pcapng/types';
import type { CaptureTargetMetadata } from './capture-metadata';
import { parseCaptureTargetYaml } from './target-yaml';

const SHB = BlockType.SHB;
const MAGIC_LE = BYTE_ORDER_MAGIC_SWAPPED;
const MAGIC_BE = BYTE_ORDER_MAGIC;

/** The SHB's block type, in the order it is on the wire (the same in both byte orders). */
const SHB_TYPE_BYTES = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]);

/** What the first 12 bytes of an SHB tell. */
export interface ShbFraming {
  readonly littleEndian: boolean;
  /** the block's total length, as announced (not yet checked) */
  readonly length: number;
}

/** Whether the block at buf[p] (at least 4 bytes) is an SHB. */
export function isShbAt(buf: Buffer, p = 0): boolean {
  return buf.readUInt32LE(p) === SHB;
}

/** Whether `head` (of any length, even under 4 bytes) can be the start of an SHB. */
export function mayStartShb(head: Buffer): boolean {
  const n = Math.min(head.length, 4);
  return head.subarray(0, n).equals(SHB_TYPE_BYTES.subarray(0, n));
}

/** The byte-order magic of the SHB at buf[p], as read big-endian (for messages). */
export function shbMagic(buf: Buffer, p = 0): number {
  return buf.readUInt32BE(p + 8);
}

/** `0x…` with eight digits: how a bad magic is named in errors. */
export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/**
 * Byte order and length of the SHB at buf[p] (12 bytes needed); undefined when its byte-order
 * magic is neither 0x1a2b3c4d nor its byte swap.
 */
export function shbFraming(buf: Buffer, p = 0): ShbFraming | undefined {
  const magic = buf.readUInt32BE(p + 8);
  if (magic === MAGIC_LE) return { littleEndian: true, length: buf.readUInt32LE(p + 4) };
  if (magic === MAGIC_BE) return { littleEndian: false, length: buf.readUInt32BE(p + 4) };
  return undefined;
}

/** The byte order of the SHB at buf[p] (12 bytes needed), or undefined for a bad magic. */
export function shbLittleEndian(buf: Buffer, p = 0): boolean | undefined {
  const magic = buf.readUInt32BE(p + 8);
  return magic === MAGIC_LE ? true : magic === MAGIC_BE ? false : undefined;
}

/**
 * The options of the whole SHB buf[start, start + length) in byte order `le`; `end` is where
 * opt_endofopt starts (or the end of the options). `streamOffset` is the absolute offset of
 * buf[0]. Throws PcapngFormatError when an option overruns the block.
 */
export function shbOptions(buf: Buffer, start: number, length: number, le: boolean, streamOffset: number, endRule: EndOfOptionRule = 'code'): OptionList {
  return walkOptions(buf, start + SHB_FIXED_LENGTH, start + length - 4, le, streamOffset, endRule);
}

/** The capture target information of the first comment that holds one. */
export function captureTargetOf(comments: readonly string[]): CaptureTargetMetadata | undefined {
  for (const c of comments) {
    const target = parseCaptureTargetYaml(c);
    if (target) return target;
  }
  return undefined;
}

function tooShort(span: BlockSpan): PcapngFormatError {
  return new PcapngFormatError(span.offset, `section header block of ${span.length} bytes is shorter than its minimum of ${SHB_MIN_LENGTH}`);
}

/** The SHB at span, framed and length-checked, in the byte order its magic gave. */
export function decodeSectionHeader(span: BlockSpan, le: boolean, sectionIndex: number): SectionHeaderBlock {
  const { buf, start, length } = span;
  if (length < SHB_MIN_LENGTH) throw tooShort(span);
  const { options, endOfOptions } = shbOptions(buf, start, length, le, span.offset - start);
  const comments = allStrings(options, OptionCode.COMMENT);
  return {
    kind: 'shb',
    type: BlockType.SHB,
    offset: span.offset,
    littleEndian: le,
    raw: buf.subarray(start, start + length),
    sectionIndex,
    majorVersion: le ? buf.readUInt16LE(start + 12) : buf.readUInt16BE(start + 12),
    minorVersion: le ? buf.readUInt16LE(start + 14) : buf.readUInt16BE(start + 14),
    sectionLength: le ? buf.readBigInt64LE(start + 16) : buf.readBigInt64BE(start + 16),
    options,
    endOfOptions,
    comments,
    hardware: firstString(options, OptionCode.SHB_HARDWARE),
    os: firstString(options, OptionCode.SHB_OS),
    userAppl: firstString(options, OptionCode.SHB_USERAPPL),
    target: captureTargetOf(comments),
  };
}
