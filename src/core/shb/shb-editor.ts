// Rewrites the first pcapng Section Header Block (SHB) of a capture stream so that its comment
// carries this client's capture target information, whatever the chunking of the stream.
// Everything after that SHB passes through untouched.

import { Transform } from 'node:stream';
import { captureTargetYaml, replaceCaptureTargetBlock } from './capture-metadata';
import type { CaptureTargetMetadata } from './capture-metadata';
import { ShbEditError } from '../errors';

export { captureTargetMetadata } from './capture-metadata';
export type { CaptureTargetMetadata } from './capture-metadata';

/** Default cap of the SHB size: a larger announced length is a corrupt stream, not one to buffer. */
export const MAX_SHB_SIZE = 1024 * 1024;

const SHB_TYPE = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]);
const MAGIC_BIG_ENDIAN = 0x1a2b3c4d;
const MAGIC_LITTLE_ENDIAN = 0x4d3c2b1a;
/** type, length, magic, major, minor, section length, trailing length */
const MIN_SHB_SIZE = 4 + 4 + 4 + 2 + 2 + 8 + 4;
const HEADER_SIZE = 24;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const MAX_OPTION_LENGTH = 0xffff;

export interface ShbEditorOptions {
  /** largest SHB accepted, in bytes (default MAX_SHB_SIZE) */
  readonly maxShbSize?: number;
}

interface RawOption {
  readonly code: number;
  readonly value: Buffer;
}

function padded(length: number): number {
  return (length + 3) & ~3;
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
      const typeBytes = Math.min(head.length, SHB_TYPE.length);
      if (!head.subarray(0, typeBytes).equals(SHB_TYPE.subarray(0, typeBytes))) return this.#passAll();
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
    const magic = head.readUInt32BE(8);
    if (magic === MAGIC_BIG_ENDIAN) this.#littleEndian = false;
    else if (magic === MAGIC_LITTLE_ENDIAN) this.#littleEndian = true;
    else throw new ShbEditError('SHB_MALFORMED', `invalid byte-order magic 0x${magic.toString(16).padStart(8, '0')}`);
    const length = this.#littleEndian ? head.readUInt32LE(4) : head.readUInt32BE(4);
    if (length > this.#maxShbSize) {
      throw new ShbEditError('SHB_TOO_LARGE', `announced length ${length} exceeds the limit of ${this.#maxShbSize} bytes`);
    }
    if (length < MIN_SHB_SIZE || length % 4 !== 0) {
      throw new ShbEditError('SHB_MALFORMED', `invalid block length ${length} (a multiple of 4, at least ${MIN_SHB_SIZE})`);
    }
    this.#shbLength = length;
  }

  #u16(buffer: Buffer, offset: number): number {
    return this.#littleEndian ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset);
  }

  #edit(shb: Buffer): Buffer {
    const length = shb.length;
    const trailer = this.#littleEndian ? shb.readUInt32LE(length - 4) : shb.readUInt32BE(length - 4);
    if (trailer !== length) throw new ShbEditError('SHB_MALFORMED', `trailing block length ${trailer} differs from the leading ${length}`);

    const options: RawOption[] = [];
    let firstComment: Buffer | undefined;
    const end = length - 4;
    for (let offset = HEADER_SIZE; offset < end;) {
      if (end - offset < 4) throw new ShbEditError('SHB_MALFORMED', `truncated option header at offset ${offset}`);
      const code = this.#u16(shb, offset);
      const valueLength = this.#u16(shb, offset + 2);
      // csharg stops only at a true opt_endofopt; a code 0 with a length is kept like any option.
      if (code === OPT_ENDOFOPT && valueLength === 0) break;
      const next = offset + 4 + padded(valueLength);
      if (next > end) throw new ShbEditError('SHB_MALFORMED', `option ${code} at offset ${offset} runs past the end of the block`);
      const value = shb.subarray(offset + 4, offset + 4 + valueLength);
      if (code === OPT_COMMENT && firstComment === undefined) firstComment = value;
      else options.push({ code, value });
      offset = next;
    }

    const comment = replaceCaptureTargetBlock(firstComment, this.#block);
    if (comment.length > MAX_OPTION_LENGTH) {
      throw new ShbEditError('SHB_COMMENT_TOO_LONG', `the edited comment has ${comment.length} bytes, an option holds at most ${MAX_OPTION_LENGTH}`);
    }
    options.unshift({ code: OPT_COMMENT, value: comment });

    const newLength = HEADER_SIZE + options.reduce((sum, option) => sum + 4 + padded(option.value.length), 0) + 4;
    const out = Buffer.alloc(newLength);
    const u16 = (value: number, at: number): void => void (this.#littleEndian ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at));
    const u32 = (value: number, at: number): void => void (this.#littleEndian ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at));
    SHB_TYPE.copy(out, 0);
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
