// Rewrites the first pcapng Section Header Block (SHB) of a capture stream so that its comment
// carries this client's capture target information, whatever the chunking of the stream.
// Everything after that SHB passes through untouched.

import { Transform } from 'node:stream';
import { captureTargetYaml, replaceCaptureTargetBlock } from './capture-metadata';
import type { CaptureTargetMetadata } from './capture-metadata';
import { ShbEditError } from '../errors';
import { BlockType, MAX_OPTION_LENGTH, OptionCode, SHB_FIXED_LENGTH, SHB_MIN_LENGTH as MIN_SHB_SIZE, padded4 as padded } from '../pcapng/constants';
import { PcapngFormatError } from '../pcapng/errors';
import type { PcapngOption } from '../pcapng/types';
import { hex32, mayStartShb, shbFraming, shbMagic, shbOptions } from './section-header';

export { captureTargetMetadata } from './capture-metadata';
export type { CaptureTargetMetadata } from './capture-metadata';

/** Default cap of the SHB size: a larger announced length is a corrupt stream, not one to buffer. */
export const MAX_SHB_SIZE = 1024 * 1024;

const HEADER_SIZE = SHB_FIXED_LENGTH;

export interface ShbEditorOptions {
  /** largest SHB accepted, in bytes (default MAX_SHB_SIZE) */
  readonly maxShbSize?: number;
}

/**
 * Incremental editor of the first SHB: feed it chunks with write(), send on what it returns,
 * call end() at the end of the stream. Throws ShbEditError for an SHB it cannot edit (and keeps
 * throwing it); a stream that does not start with an SHB passes through unchanged.
 */
export class ShbEditor {
  readonly #block: Buffer;
  readonly #maxShbSize: number;
  #state: 'start' | 'shb' | 'passing' | 'failed' = 'start';
  #failure: ShbEditError | undefined;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #shbLength = 0;
  #littleEndian = false;

  constructor(metadata: CaptureTargetMetadata, options: ShbEditorOptions = {}) {
    this.#block = Buffer.from(captureTargetYaml(metadata), 'utf8');
    this.#maxShbSize = options.maxShbSize ?? MAX_SHB_SIZE;
  }

  /** True once the first SHB was edited or found missing: later chunks come back as they are. */
  get passingThrough(): boolean {
    return this.#state === 'passing';
  }

  /** Takes the next chunk; returns what to send on now (possibly nothing). */
  write(chunk: Uint8Array): Buffer[] {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    switch (this.#state) {
      case 'passing':
        return buffer.length === 0 ? [] : [buffer];
      case 'failed':
        throw this.#failure as ShbEditError;
      default:
        if (buffer.length === 0) return [];
        this.#pending.push(buffer);
        this.#pendingLength += buffer.length;
        try {
          return this.#advance();
        } catch (error) {
          if (error instanceof ShbEditError) this.#fail(error);
          throw error;
        }
    }
  }

  /**
   * Ends the stream: returns what is still to send on (nothing today: bytes are only held back
   * inside an SHB), and throws ShbEditError when the stream ended inside the first SHB.
   */
  end(): Buffer[] {
    if (this.#state === 'failed') throw this.#failure as ShbEditError;
    if (this.#state === 'passing' || this.#pendingLength === 0) return [];
    const expected = this.#state === 'shb' ? `${this.#shbLength}` : 'at least 28';
    this.#fail(new ShbEditError('SHB_TRUNCATED', `the stream ended after ${this.#pendingLength} of its ${expected} bytes`));
    throw this.#failure as ShbEditError;
  }

  #fail(error: ShbEditError): void {
    this.#state = 'failed';
    this.#failure = error;
    this.#pending = [];
    this.#pendingLength = 0;
  }

  #collected(): Buffer {
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [all];
    return all;
  }

  #passAll(): Buffer[] {
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingLength = 0;
    this.#state = 'passing';
    return pending;
  }

  #advance(): Buffer[] {
    if (this.#state === 'start') {
      const head = this.#collected();
      if (!mayStartShb(head)) return this.#passAll();
      if (head.length < 12) return [];
      this.#readHeader(head);
      this.#state = 'shb';
    }
    if (this.#pendingLength < this.#shbLength) return [];
    const all = this.#collected();
    const edited = this.#edit(all.subarray(0, this.#shbLength));
    const rest = all.subarray(this.#shbLength);
    this.#pending = [];
    this.#pendingLength = 0;
    this.#state = 'passing';
    return rest.length === 0 ? [edited] : [edited, rest];
  }

  #readHeader(head: Buffer): void {
    const framing = shbFraming(head);
    if (framing === undefined) throw new ShbEditError('SHB_MALFORMED', `invalid byte-order magic ${hex32(shbMagic(head))}`);
    this.#littleEndian = framing.littleEndian;
    const length = framing.length;
    if (length > this.#maxShbSize) {
      throw new ShbEditError('SHB_TOO_LARGE', `announced length ${length} exceeds the limit of ${this.#maxShbSize} bytes`);
    }
    if (length < MIN_SHB_SIZE || length % 4 !== 0) {
      throw new ShbEditError('SHB_MALFORMED', `invalid block length ${length} (a multiple of 4, at least ${MIN_SHB_SIZE})`);
    }
    this.#shbLength = length;
  }

  #edit(shb: Buffer): Buffer {
    const length = shb.length;
    const trailer = this.#littleEndian ? shb.readUInt32LE(length - 4) : shb.readUInt32BE(length - 4);
    if (trailer !== length) throw new ShbEditError('SHB_MALFORMED', `trailing block length ${trailer} differs from the leading ${length}`);

    // csharg stops only at a true opt_endofopt; a code 0 with a length is kept like any option.
    let walked: PcapngOption[];
    try {
      walked = shbOptions(shb, 0, length, this.#littleEndian, 0, 'empty').options;
    } catch (e) {
      if (e instanceof PcapngFormatError) throw new ShbEditError('SHB_MALFORMED', e.message);
      throw e;
    }
    const first = walked.findIndex((o) => o.code === OptionCode.COMMENT);
    const firstComment = first < 0 ? undefined : walked[first]!.value;
    const options = walked.filter((_, i) => i !== first);

    const comment = replaceCaptureTargetBlock(firstComment, this.#block);
    if (comment.length > MAX_OPTION_LENGTH) {
      throw new ShbEditError('SHB_COMMENT_TOO_LONG', `the edited comment has ${comment.length} bytes, an option holds at most ${MAX_OPTION_LENGTH}`);
    }
    options.unshift({ code: OptionCode.COMMENT, value: comment });

    const newLength = HEADER_SIZE + options.reduce((sum, option) => sum + 4 + padded(option.value.length), 0) + 4;
    const out = Buffer.alloc(newLength);
    const u16 = (value: number, at: number): void => void (this.#littleEndian ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at));
    const u32 = (value: number, at: number): void => void (this.#littleEndian ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at));
    out.writeUInt32LE(BlockType.SHB, 0); // the same bytes in both byte orders
    u32(newLength, 4);
    shb.copy(out, 8, 8, 16); // byte-order magic and version, as they were
    out.fill(0xff, 16, 24); // section length -1: unknown
    let at = HEADER_SIZE;
    for (const option of options) {
      u16(option.code, at);
      u16(option.value.length, at + 2);
      option.value.copy(out, at + 4);
      at += 4 + padded(option.value.length);
    }
    u32(newLength, at);
    return out;
  }
}

/**
 * A Transform that edits the first SHB of a pcapng stream to carry `metadata` (see ShbEditor).
 * An SHB it cannot edit, or a stream that ends inside it, errors the stream with ShbEditError.
 */
export function shbEditStream(metadata: CaptureTargetMetadata, options: ShbEditorOptions = {}): Transform {
  const editor = new ShbEditor(metadata, options);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        for (const piece of editor.write(chunk)) this.push(piece);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        for (const piece of editor.end()) this.push(piece);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
