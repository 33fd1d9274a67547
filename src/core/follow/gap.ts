// Marks a gap in a followed capture inside the pcapng stream itself: the resumed capture starts a
// new section (pcapng allows any number of sections in one stream), and its Section Header Block
// gets one more opt_comment saying how long the gap was and why the capture before it ended.
// tshark reads every section (`-T fields -e frame.section_number` tells them apart) and capinfos
// lists each section's comments under "Section N: Capture comment:" (checked with Wireshark 4.0).

import { PcapngFormatError } from '../pcapng/errors';

const SHB_TYPE = 0x0a0d0d0a;
const MAGIC = 0x1a2b3c4d;
const MAGIC_SWAPPED = 0x4d3c2b1a;
const SHB_FIXED = 24;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const MAX_OPTION_VALUE = 0xffff;
const MAX_REASON = 300;

/** What the gap comment tells. */
export interface FollowGap {
  /** from the end of the previous capture to the first bytes of the resumed one */
  readonly gapMs: number;
  /** when the previous capture ended */
  readonly endedAt: Date;
  /** why it ended (an error message) */
  readonly reason: string;
}

/** `csharg: capture resumed after a gap of N ms (target went away at ISO: reason)` */
export function followGapComment(gap: FollowGap): string {
  const reason = gap.reason.length > MAX_REASON ? `${gap.reason.slice(0, MAX_REASON)}…` : gap.reason;
  return `csharg: capture resumed after a gap of ${Math.max(0, Math.round(gap.gapMs))} ms (target went away at ${gap.endedAt.toISOString()}: ${reason})`;
}

function padded(length: number): number {
  return (length + 3) & ~3;
}

/**
 * `blocks` starts with a whole Section Header Block: returns the same bytes with `comment` added
 * to that SHB as its last opt_comment (before opt_endofopt). Throws PcapngFormatError otherwise.
 */
export function withShbComment(blocks: Buffer, comment: string): Buffer {
  if (blocks.length < SHB_FIXED + 4 || blocks.readUInt32LE(0) !== SHB_TYPE) throw new PcapngFormatError(0, 'a resumed capture does not start with a section header block');
  const magic = blocks.readUInt32LE(8);
  if (magic !== MAGIC && magic !== MAGIC_SWAPPED) throw new PcapngFormatError(8, `section header block with an unknown byte-order magic 0x${magic.toString(16)}`);
  const le = magic === MAGIC;
  const u16 = (p: number): number => (le ? blocks.readUInt16LE(p) : blocks.readUInt16BE(p));
  const length = le ? blocks.readUInt32LE(4) : blocks.readUInt32BE(4);
  const optionsEnd = length - 4;
  if (length < SHB_FIXED + 4 || length > blocks.length) throw new PcapngFormatError(4, `section header block length ${length} does not fit the ${blocks.length} bytes given`);
  // Insert before opt_endofopt, or at the end of the options when there is none.
  let at = SHB_FIXED;
  while (at + 4 <= optionsEnd && u16(at) !== OPT_ENDOFOPT) at += 4 + padded(u16(at + 2));
  if (at > optionsEnd) throw new PcapngFormatError(at, 'section header block options overrun the block');
  let value = Buffer.from(comment, 'utf8');
  if (value.length > MAX_OPTION_VALUE) value = value.subarray(0, MAX_OPTION_VALUE);
  const addEnd = optionsEnd === SHB_FIXED; // no options before: terminate the new list
  const option = Buffer.alloc(4 + padded(value.length) + (addEnd ? 4 : 0));
  if (le) {
    option.writeUInt16LE(OPT_COMMENT, 0);
    option.writeUInt16LE(value.length, 2);
  } else {
    option.writeUInt16BE(OPT_COMMENT, 0);
    option.writeUInt16BE(value.length, 2);
  }
  value.copy(option, 4);
  const newLength = length + option.length;
  const head = Buffer.from(blocks.subarray(0, at));
  if (le) head.writeUInt32LE(newLength, 4);
  else head.writeUInt32BE(newLength, 4);
  const trailer = Buffer.alloc(4);
  if (le) trailer.writeUInt32LE(newLength, 0);
  else trailer.writeUInt32BE(newLength, 0);
  return Buffer.concat([head, option, blocks.subarray(at, optionsEnd), trailer, blocks.subarray(length)]);
}
