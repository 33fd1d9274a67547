// Node stream forms of the reader: bytes in, blocks or packets out (object mode). Format errors
// go to the stream's 'error' event, never thrown out of a callback.

import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { PcapngPacketReader } from './packet-reader';
import type { Packet } from './packet';
import { PcapngReader } from './reader';
import type { PcapngReaderOptions } from './reader';
import type { Block } from './types';
import { asError } from '../errors';

/** What both readers offer: push bytes, get items through a sink; end() checks for a cut-off block. */
interface IncrementalReader<T> {
  feed(chunk: Buffer, sink: (item: T) => void): void;
  end(): void;
}


class ReaderStream<T> extends Transform {
  constructor(private readonly reader: IncrementalReader<T>) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.reader.feed(chunk, (item) => this.push(item));
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.reader.end();
    } catch (e) {
      callback(asError(e));
      return;
    }
    callback();
  }
}

/** pcapng bytes in, blocks out. */
export class PcapngBlockStream extends ReaderStream<Block> {
  constructor(options: PcapngReaderOptions = {}) {
    super(new PcapngReader(options));
  }
}

/** pcapng bytes in, packets (EPB, SPB, PB) out. */
export class PcapngPacketStream extends ReaderStream<Packet> {
  constructor(options: PcapngReaderOptions = {}) {
    super(new PcapngPacketReader(options));
  }
}
