// csharg's Writable API (`tank.capture(writer, target)`, StartCaptureStream): the core's one
// capture primitive, CaptureRun, with a Node Writable as its sink — backpressure pauses the
// session, a failing writer stops it — and csharg's StopAfter as a deadline for stop().

import type { Writable } from 'node:stream';
import { CaptureWriterError } from './capture-errors';
import type { CaptureContext } from './capture-errors';
import { CaptureRun } from './capture-source';
import type { CaptureEnd, CaptureOpener } from './capture-source';

export type { CaptureOpener as CaptureSessionOpener } from './capture-source';

/**
 * A running capture into a Writable. Every method resolves with the same end reason:
 * `{kind:'completed'}` (the server ended it), `{kind:'stopped'}` (stop() / stopAfter()), or
 * `{kind:'error', error}` with a typed error (`CaptureWriterError` when the output failed; the
 * capture is then stopped gracefully). None of them rejects.
 */
export interface CaptureStreamer {
  /** graceful stop: Close 1000 `ciao`, data in flight still written, bounded wait for the echo */
  stop(): Promise<CaptureEnd>;
  /** resolves when the capture has ended, by itself or by stop(); does not stop it */
  wait(): Promise<CaptureEnd>;
  /** waits up to `ms`, then stops; resolves at once when the capture ended earlier */
  stopAfter(ms: number): Promise<CaptureEnd>;
}

/** The sink side: writes chunks with backpressure, records the first writer failure. */
class WritableSink {
  failure: Error | undefined;
  #waitingForDrain = false;
  run: CaptureRun | undefined;

  constructor(
    private readonly writable: Writable,
    private readonly context: CaptureContext,
  ) {
    writable.on('error', this.#onError);
    writable.once('close', this.#onClose);
  }

  write(chunk: Buffer): void {
    const w = this.writable;
    if (w.destroyed || w.writableEnded || this.failure !== undefined) return;
    try {
      if (!w.write(chunk) && !this.#waitingForDrain) {
        this.#waitingForDrain = true;
        // Stop reading the socket until the output catches up; the server's kernel then drops
        // packets (counted by dumpcap) instead of this process buffering without bound.
        this.run?.pause();
        w.once('drain', this.#onDrain);
      }
    } catch (err) {
      this.#failed((err as Error).message, err);
    }
  }

  /** the capture ended: the writable stays open (it is the caller's) but is no longer watched */
  detach(): void {
    this.writable.off('error', this.#onError);
    this.writable.off('close', this.#onClose);
    this.writable.off('drain', this.#onDrain);
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.run?.resume();
  };

  readonly #onError = (err: Error): void => this.#failed(err.message, err);
  readonly #onClose = (): void => this.#failed('the output was closed before the capture ended');

  #failed(detail: string, cause?: unknown): void {
    if (this.failure !== undefined || this.run?.end !== undefined) return;
    this.failure = new CaptureWriterError(this.context, detail, { cause });
    // A session paused for a drain that will never come would hold its stop back: read on
    // (what arrives is dropped, the output is gone) so the stop can complete.
    this.writable.off('drain', this.#onDrain);
    this.run?.resume();
    void this.run?.stop();
  }
}

/**
 * Streams a capture's chunks into `writable` (wrap the opener with `withShbEdit` for csharg's SHB
 * edit). The writable is not ended: like csharg's io.Writer it belongs to the caller (stdout, a
 * file).
 */
export function streamCaptureInto(writable: Writable, open: CaptureOpener, context: CaptureContext): CaptureStreamer {
  const sink = new WritableSink(writable, context);
  let stopAfterTimer: NodeJS.Timeout | undefined;
  let stopAfterDeadline: number | undefined;
  const run = new CaptureRun(open, {
    onChunk: (chunk) => sink.write(chunk),
    onEnd: () => {
      clearTimeout(stopAfterTimer);
      sink.detach();
    },
  });
  sink.run = run;
  const end = run.ended.then((sessionEnd): CaptureEnd => (sink.failure ? { kind: 'error', error: sink.failure } : sessionEnd));
  const stop = (): Promise<CaptureEnd> => {
    void run.stop();
    return end;
  };
  return {
    stop,
    wait: () => end,
    stopAfter(ms: number) {
      // Several stopAfter calls: the earliest deadline wins.
      const deadline = Date.now() + Math.max(0, ms);
      if (run.end === undefined && (stopAfterDeadline === undefined || deadline < stopAfterDeadline)) {
        stopAfterDeadline = deadline;
        clearTimeout(stopAfterTimer);
        stopAfterTimer = setTimeout(() => void stop(), Math.max(0, ms));
      }
      return end;
    },
  };
}
