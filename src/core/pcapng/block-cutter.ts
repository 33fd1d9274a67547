// Exact stop conditions on a live pcapng stream: `--count N` keeps everything up to the end of
// the Nth packet's block and nothing after it; `--max-bytes N` keeps whole blocks while the total
// stays within N bytes (the blocks before the first packet, SHB and IDBs, are always kept so the
// file stays readable). Output is handed out in whole blocks only, so a cut never splits one;
// packets are counted on the way for the progress line.
import { PcapngReader } from './reader';

export interface CutLimits {
  count?: number;
  maxBytes?: number;
}

export interface CutResult {
  /** the bytes to write now (possibly empty) */
  keep: Buffer;
  /** a limit has been reached: nothing more is to be written */
  done: boolean;
}

const EMPTY = Buffer.alloc(0);

export class BlockCutter {
  readonly #reader = new PcapngReader();
  readonly #limits: CutLimits;
  /** bytes received but not handed out yet: the start of an incomplete block */
  #held: Buffer[] = [];
  #heldLength = 0;
  /** absolute stream offset of the first held byte */
  #position = 0;
  #packets = 0;
  #seenPacket = false;
  #done = false;

  constructor(limits: CutLimits = {}) {
    this.#limits = limits;
  }

  get packets(): number {
    return this.#packets;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Throws PcapngFormatError when the stream is no pcapng; then use takeHeld() and pass through. */
  cut(chunk: Buffer): CutResult {
    if (this.#done) return { keep: EMPTY, done: true };
    let cutAt: number | undefined;
    const { count, maxBytes } = this.#limits;
    this.#reader.feed(chunk, (block) => {
      if (cutAt !== undefined) return;
      const end = block.offset + block.raw.length;
      const isPacket = block.kind === 'epb' || block.kind === 'spb' || block.kind === 'pb';
      if (maxBytes !== undefined && end > maxBytes && (this.#seenPacket || isPacket)) {
        cutAt = block.offset;
        return;
      }
      if (!isPacket) return;
      this.#seenPacket = true;
      this.#packets++;
      if (count !== undefined && this.#packets >= count) cutAt = end;
    });
    const handOutTo = cutAt ?? this.#reader.offset;
    if (cutAt !== undefined) this.#done = true;
    // The hot path: nothing held, the chunk ends on a block boundary.
    if (this.#heldLength === 0 && handOutTo === this.#position + chunk.length) {
      this.#position = handOutTo;
      return { keep: chunk, done: this.#done };
    }
    const all = this.#heldLength === 0 ? chunk : Buffer.concat([...this.#held, chunk]);
    const n = handOutTo - this.#position;
    const keep = all.subarray(0, n);
    const rest = this.#done ? EMPTY : all.subarray(n);
    this.#held = rest.length > 0 ? [rest] : [];
    this.#heldLength = rest.length;
    this.#position = handOutTo;
    return { keep, done: this.#done };
  }

  /** The bytes held back (an incomplete block): for the stream's end or a switch to pass-through. */
  takeHeld(): Buffer {
    const held = this.#heldLength === 0 ? EMPTY : Buffer.concat(this.#held);
    this.#held = [];
    this.#position += this.#heldLength;
    this.#heldLength = 0;
    return held;
  }
}
