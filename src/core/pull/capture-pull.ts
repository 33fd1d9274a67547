// capturePull: a capture as an AsyncIterable for `for await`. The consumer sets the pace: when
// more than a high-water mark of bytes waits unread, the capture session is paused (the socket or
// dumpcap's pipe is no longer read, so the server's kernel drops packets instead of this process
// growing), and resumed once the consumer has caught up to the low-water mark.

import { CaptureRun } from '../capture-source';
import type { CaptureEnd } from '../capture-source';
import { PcapngPacketReader } from '../pcapng';
import type { Packet, PcapngReaderOptions } from '../pcapng';
import type { SharkTank } from '../shark-tank';
import type { CaptureOptions, Target } from '../target';

export interface CapturePullOptions {
  /** pause the capture when more than this many bytes wait unread (default 4 MiB) */
  readonly highWaterMark?: number;
  /** resume once no more than this many bytes wait (default highWaterMark / 4) */
  readonly lowWaterMark?: number;
  readonly reader?: PcapngReaderOptions;
}

/** How the pull went: pauses and how far the queue grew (for tuning the marks). */
export interface CapturePullStats {
  pauses: number;
  resumes: number;
  /** the most bytes that waited unread at once (can exceed the high-water mark by what was in flight) */
  maxQueuedBytes: number;
}

/** An AsyncIterable over one capture (single use) with its pull statistics. */
export interface CapturePull<T> extends AsyncIterableIterator<T> {
  readonly stats: CapturePullStats;
  /** graceful stop; the iteration then ends once what was in flight is read */
  stop(): Promise<CaptureEnd>;
}

class ChunkPull implements CapturePull<Buffer> {
  readonly stats: CapturePullStats = { pauses: 0, resumes: 0, maxQueuedBytes: 0 };
  readonly #high: number;
  readonly #low: number;
  readonly #open: () => CaptureRun;
  #session: CaptureRun | undefined;
  #chunks: Buffer[] = [];
  #head = 0;
  #queuedBytes = 0;
  #paused = false;
  #end: CaptureEnd | undefined;
  #wake: (() => void) | undefined;

  constructor(tank: SharkTank, target: Target, options: CaptureOptions, pull: CapturePullOptions) {
    this.#high = pull.highWaterMark ?? 4 * 1024 * 1024;
    this.#low = pull.lowWaterMark ?? Math.floor(this.#high / 4);
    if (!(this.#high > 0) || !(this.#low >= 0) || this.#low > this.#high) {
      throw new RangeError(`capturePull: need 0 <= lowWaterMark <= highWaterMark, 0 < highWaterMark; got ${this.#low}, ${this.#high}`);
    }
    this.#open = () => new CaptureRun((handlers) => tank.openCapture(target, options, handlers), {
      onChunk: (chunk) => this.#onChunk(chunk),
      onEnd: (end) => {
        this.#end ??= end;
        this.#notify();
      },
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Buffer>> {
    this.#session ??= this.#open();
    for (;;) {
      if (this.#head < this.#chunks.length) return { done: false, value: this.#take() };
      if (this.#end) {
        if (this.#end.kind === 'error') {
          const error = this.#end.error;
          this.#end = { kind: 'stopped' };
          throw error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
  }

  /** `break` out of for-await: stop the capture and wait for it to end. */
  async return(): Promise<IteratorResult<Buffer>> {
    if (this.#session && !this.#end) await this.#session.stop();
    this.#chunks = [];
    this.#head = 0;
    this.#end ??= { kind: 'stopped' };
    return { done: true, value: undefined };
  }

  stop(): Promise<CaptureEnd> {
    this.#session ??= this.#open();
    return this.#session.stop();
  }

  #onChunk(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > this.stats.maxQueuedBytes) this.stats.maxQueuedBytes = this.#queuedBytes;
    if (!this.#paused && this.#queuedBytes > this.#high) {
      this.#paused = true;
      this.stats.pauses++;
      this.#session?.pause();
    }
    this.#notify();
  }

  #take(): Buffer {
    const chunk = this.#chunks[this.#head++]!;
    if (this.#head > 64 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#queuedBytes -= chunk.length;
    if (this.#paused && this.#queuedBytes <= this.#low) {
      this.#paused = false;
      this.stats.resumes++;
      this.#session?.resume();
    }
    return chunk;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** The capture's pcapng chunks, pulled: see the file comment. */
export function capturePull(tank: SharkTank, target: Target, options: CaptureOptions = {}, pull: CapturePullOptions = {}): CapturePull<Buffer> {
  return new ChunkPull(tank, target, options, pull);
}

/** The capture's packets, pulled (parsed a chunk at a time, as the consumer asks). */
export function capturePacketsPull(tank: SharkTank, target: Target, options: CaptureOptions = {}, pull: CapturePullOptions = {}): CapturePull<Packet> {
  const chunks = new ChunkPull(tank, target, options, pull);
  const reader = new PcapngPacketReader(pull.reader);
  let ready: Packet[] = [];
  let head = 0;
  const iterator: CapturePull<Packet> = {
    stats: chunks.stats,
    stop: () => chunks.stop(),
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next(): Promise<IteratorResult<Packet>> {
      while (head === ready.length) {
        const r = await chunks.next();
        if (r.done) {
          reader.end();
          return { done: true, value: undefined };
        }
        ready = reader.push(r.value);
        head = 0;
      }
      return { done: false, value: ready[head++]! };
    },
    async return(): Promise<IteratorResult<Packet>> {
      ready = [];
      head = 0;
      await chunks.return();
      return { done: true, value: undefined };
    },
  };
  return iterator;
}
