// Node stream forms of the reader: bytes in, blocks or packets out (object mode). Format errors
// go to the stream's 'error' event, never thrown out of a callback.

import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { PcapngPacketReader } from './packet-reader';
import { PcapngReader } from './reader';
import type { PcapngReaderOptions } from './reader';

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export class PcapngBlockStream extends Transform {
  readonly #reader: PcapngReader;

  constructor(options: PcapngReaderOptions = {}) {
    super({ readableObjectMode: true });
    this.#reader = new PcapngReader(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#reader.feed(chunk, (block) => this.push(block));
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#reader.end();
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }
}

export class PcapngPacketStream extends Transform {
  readonly #reader: PcapngPacketReader;

  constructor(options: PcapngReaderOptions = {}) {
    super({ readableObjectMode: true });
    this.#reader = new PcapngPacketReader(options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#reader.feed(chunk, (packet) => this.push(packet));
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#reader.end();
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }
}
