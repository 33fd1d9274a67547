// Marks a gap in a followed capture inside the pcapng stream itself: the resumed capture starts a
// new section (pcapng allows any number of sections in one stream), and its Section Header Block
// gets one more opt_comment saying how long the gap was and why the capture before it ended.
// tshark reads every section (`-T fields -e frame.section_number` tells them apart) and capinfos
// lists each section's comments under "Section N: Capture comment:" (checked with Wireshark 4.0).

import { MAX_OPTION_LENGTH, OptionCode, SHB_FIXED_LENGTH, SHB_MIN_LENGTH, padded4 } from '../pcapng/constants';
import { PcapngFormatError } from '../pcapng/errors';
import { hex32, isShbAt, shbFraming, shbMagic, shbOptions } from '../shb/section-header';

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

/**
 * `blocks` starts with a whole Section Header Block: returns the same bytes with `comment` added
 * to that SHB as its last opt_comment (before opt_endofopt). Throws PcapngFormatError otherwise.
 */
export function withShbComment(blocks: Buffer, comment: string): Buffer {
  if (blocks.length < SHB_MIN_LENGTH || !isShbAt(blocks)) throw new PcapngFormatError(0, 'a resumed capture does not start with a section header block');
  const framing = shbFraming(blocks);
  if (framing === undefined) throw new PcapngFormatError(8, `section header block with an unknown byte-order magic ${hex32(shbMagic(blocks))}`);
  const { littleEndian: le, length } = framing;
  if (length < SHB_MIN_LENGTH || length > blocks.length) throw new PcapngFormatError(4, `section header block length ${length} does not fit the ${blocks.length} bytes given`);
  const optionsEnd = length - 4;
  // Insert before opt_endofopt, or at the end of the options when there is none.
  const at = shbOptions(blocks, 0, length, le, 0).end;
  let value = Buffer.from(comment, 'utf8');
  if (value.length > MAX_OPTION_LENGTH) value = value.subarray(0, MAX_OPTION_LENGTH);
  const addEnd = optionsEnd === SHB_FIXED_LENGTH; // no options before: terminate the new list
  const option = Buffer.alloc(4 + padded4(value.length) + (addEnd ? 4 : 0));
  if (le) {
    option.writeUInt16LE(OptionCode.COMMENT, 0);
    option.writeUInt16LE(value.length, 2);
  } else {
    option.writeUInt16BE(OptionCode.COMMENT, 0);
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
