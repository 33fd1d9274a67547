// Walking and decoding option lists. The walk checks that every option lies inside its block;
// decoding is lenient: an option of the wrong size is kept in `options` but not decoded.

import { OptionCode, padded4 } from './constants';
import { PcapngFormatError } from './errors';
import type { PcapngOption } from './types';

export interface OptionList {
  readonly options: PcapngOption[];
  readonly endOfOptions: boolean;
  /** where the walk stopped: at opt_endofopt, or at the end of the list */
  readonly end: number;
}

const NO_OPTIONS: PcapngOption[] = [];
Object.freeze(NO_OPTIONS);

/**
 * Which option ends the list: `code` any option of code 0 (opt_endofopt), whatever the length it
 * announces (the format's rule, and the reader's); `empty` only a code 0 of length 0, a code 0 with
 * a length being kept like any option (csharg's rule, which the SHB editor follows byte for byte).
 */
export type EndOfOptionRule = 'code' | 'empty';

/**
 * The options in buf[start, end). `streamOffset` is the absolute offset of buf[0] (for errors).
 * Throws PcapngFormatError when an option overruns `end`.
 */
export function walkOptions(buf: Buffer, start: number, end: number, le: boolean, streamOffset: number, endRule: EndOfOptionRule = 'code'): OptionList {
  if (start >= end) return { options: NO_OPTIONS, endOfOptions: false, end: start };
  const options: PcapngOption[] = [];
  let p = start;
  while (p < end) {
    if (end - p < 4) throw new PcapngFormatError(streamOffset + p, `${end - p} stray bytes where an option header belongs`);
    const code = le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
    const length = le ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2);
    if (code === OptionCode.ENDOFOPT && (length === 0 || endRule === 'code')) return { options, endOfOptions: true, end: p };
    const next = p + 4 + padded4(length);
    if (next > end) throw new PcapngFormatError(streamOffset + p, `option ${code} of ${length} bytes overruns its block`);
    options.push({ code, value: buf.subarray(p + 4, p + 4 + length) });
    p = next;
  }
  return { options, endOfOptions: false, end: p };
}

/** UTF-8 text of an option; trailing NULs (some writers add them) removed. */
export function optionString(value: Buffer): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return value.toString('utf8', 0, end);
}

export function firstString(options: readonly PcapngOption[], code: number): string | undefined {
  for (const o of options) if (o.code === code) return optionString(o.value);
  return undefined;
}

export function allStrings(options: readonly PcapngOption[], code: number): string[] {
  const out: string[] = [];
  for (const o of options) if (o.code === code) out.push(optionString(o.value));
  return out;
}

export function firstValue(options: readonly PcapngOption[], code: number): Buffer | undefined {
  for (const o of options) if (o.code === code) return o.value;
  return undefined;
}

export function firstU32(options: readonly PcapngOption[], code: number, le: boolean): number | undefined {
  const v = firstValue(options, code);
  if (v?.length !== 4) return undefined;
  return le ? v.readUInt32LE(0) : v.readUInt32BE(0);
}

export function firstU64(options: readonly PcapngOption[], code: number, le: boolean): bigint | undefined {
  const v = firstValue(options, code);
  if (v?.length !== 8) return undefined;
  return le ? v.readBigUInt64LE(0) : v.readBigUInt64BE(0);
}

export function firstI64(options: readonly PcapngOption[], code: number, le: boolean): bigint | undefined {
  const v = firstValue(options, code);
  if (v?.length !== 8) return undefined;
  return le ? v.readBigInt64LE(0) : v.readBigInt64BE(0);
}

/** A 64-bit timestamp stored as high word then low word (ISB start/end times). */
export function firstTimestamp(options: readonly PcapngOption[], code: number, le: boolean): bigint | undefined {
  const v = firstValue(options, code);
  if (v?.length !== 8) return undefined;
  const high = le ? v.readUInt32LE(0) : v.readUInt32BE(0);
  const low = le ? v.readUInt32LE(4) : v.readUInt32BE(4);
  return (BigInt(high) << 32n) | BigInt(low);
}

export function firstU8(options: readonly PcapngOption[], code: number): number | undefined {
  const v = firstValue(options, code);
  return v?.length === 1 ? v[0] : undefined;
}
