// A Writable that keeps what a capture wrote, and tells when the first bytes came.
import { Writable } from 'node:stream';

export class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  readonly started: Promise<void>;
  private markStarted!: () => void;
  constructor() {
    super();
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    this.markStarted();
    callback();
  }
}
