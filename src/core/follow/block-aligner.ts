// Cuts a pcapng byte stream at block boundaries: only whole blocks pass, the incomplete block at
// the end waits for its remaining bytes. A followed capture whose connection breaks mid-block can
// then start its next section right after the last whole block, and the file stays readable.

import { DEFAULT_MAX_BLOCK_LENGTH, MIN_BLOCK_LENGTH as MIN_BLOCK } from '../pcapng/constants';
import { PcapngFormatError } from '../pcapng/errors';
import { hex32, isShbAt, shbLittleEndian, shbMagic } from '../shb/section-header';

export class PcapngBlockAligner {
  readonly #maxBlockLength: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** length of the pending block once known, else 0 */
  #needed = 0;
  #littleEndian: boolean | undefined;
  /** absolute offset of the first pending byte */
  #offset = 0;

  constructor(maxBlockLength = DEFAULT_MAX_BLOCK_LENGTH) {
    this.#maxBlockLength = maxBlockLength;
  }

  /** Bytes of an incomplete block held back (dropped if the stream ends now). */
  get pendingBytes(): number {
    return this.#pendingLength;
  }

  /** The whole blocks completed by `chunk`, as one Buffer (empty when none). Throws PcapngFormatError. */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk.subarray(0, 0);
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    // A large block collects its pieces without copying until it is complete.
    if (this.#needed > 0 && this.#pendingLength < this.#needed) return chunk.subarray(0, 0);
    const buf = this.#pending.length === 1 ? chunk : Buffer.concat(this.#pending, this.#pendingLength);
    let p = 0;
    this.#needed = 0;
    for (;;) {
      const length = this.#blockLength(buf, p);
      if (length === undefined) break;
      if (p + length > buf.length) {
        this.#needed = length;
        break;
      }
      p += length;
    }
    const rest = buf.subarray(p);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingLength = rest.length;
    this.#offset += p;
    return buf.subarray(0, p);
  }

  /** The length of the block at `p`, or undefined when its header is not complete yet. */
  #blockLength(buf: Buffer, p: number): number | undefined {
    if (buf.length - p < MIN_BLOCK) return undefined;
    const offset = this.#offset + p;
    if (isShbAt(buf, p)) {
      const le = shbLittleEndian(buf, p);
      if (le === undefined) throw new PcapngFormatError(offset, `section header block with an unknown byte-order magic ${hex32(shbMagic(buf, p))}`);
      this.#littleEndian = le;
    } else if (this.#littleEndian === undefined) {
      throw new PcapngFormatError(offset, 'the stream does not start with a section header block');
    }
    const length = this.#littleEndian ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
    if (length < MIN_BLOCK || length % 4 !== 0) throw new PcapngFormatError(offset, `block length ${length} is not a multiple of 4 of at least ${MIN_BLOCK}`);
    if (length > this.#maxBlockLength) throw new PcapngFormatError(offset, `block length ${length} exceeds the limit of ${this.#maxBlockLength} bytes`);
    return length;
  }
}
