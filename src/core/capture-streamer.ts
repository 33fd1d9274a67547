// csharg's CaptureStreamer: a capture session whose (SHB-edited) stream goes into a Node
// Writable, with backpressure, and whose end is a promise of the end reason.

import type { Writable } from 'node:stream';
import { CaptureWriterError } from './capture-errors';
import type { CaptureContext } from './capture-errors';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from './capture-source';
import { asError } from './errors';

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

/** Opens one capture session with the given handlers (e.g. `openCaptureSocket` bound to a URL). */
export type CaptureSessionOpener = (handlers: CaptureHandlers) => CaptureSession;

/**
 * Streams a capture's chunks into `writable` (wrap the opener with `withShbEdit` for csharg's SHB
 * edit). The writable is not ended: like csharg's io.Writer it belongs to the caller (stdout, a
 * file).
 */
export function streamCaptureInto(
  writable: Writable,
  open: CaptureSessionOpener,
  context: CaptureContext,
): CaptureStreamer {
  let firstFailure: Error | undefined;
  let outputDone = false;
  let stopAfterTimer: NodeJS.Timeout | undefined;
  let stopAfterDeadline: number | undefined;
  let resolveEnd!: (end: CaptureEnd) => void;
  const end = new Promise<CaptureEnd>((resolve) => {
    resolveEnd = resolve;
  });

  const writerUsable = (): boolean => !writable.destroyed && !writable.writableEnded && firstFailure === undefined;

  let waitingForDrain = false;
  const onDrain = (): void => {
    waitingForDrain = false;
    session?.resume();
  };
  const onWriterError = (err: Error): void => writerFailed(`${err.message}`, err);
  const onWriterClose = (): void => writerFailed('the output was closed before the capture ended');
  writable.on('error', onWriterError);
  writable.once('close', onWriterClose);

  const deliver = (out: Buffer): void => {
    if (!writerUsable()) return;
    try {
      if (!writable.write(out) && !waitingForDrain) {
        waitingForDrain = true;
        // Stop reading the socket until the output catches up; the server's kernel then drops
        // packets (counted by dumpcap) instead of this process buffering without bound.
        session?.pause();
        writable.once('drain', onDrain);
      }
    } catch (err) {
      writerFailed((err as Error).message, err);
    }
  };

  let session: CaptureSession | undefined;
  const finishOutput = (sessionEnd: CaptureEnd): void => {
    if (outputDone) return;
    outputDone = true;
    clearTimeout(stopAfterTimer);
    writable.off('error', onWriterError);
    writable.off('close', onWriterClose);
    writable.off('drain', onDrain);
    const reason: CaptureEnd = firstFailure ? { kind: 'error', error: firstFailure } : sessionEnd;
    resolveEnd(reason);
  };

  function writerFailed(detail: string, cause?: unknown): void {
    if (firstFailure || outputDone) return;
    firstFailure = new CaptureWriterError(context, detail, { cause });
    // A session paused for a drain that will never come would hold its stop back: read on
    // (what arrives is dropped, the output is gone) so the stop can complete.
    writable.off('drain', onDrain);
    session?.resume();
    void session?.stop();
  }

  const handlers: CaptureHandlers = {
    onChunk: deliver,
    onEnd: finishOutput,
  };

  try {
    session = open(handlers);
  } catch (err) {
    const error = asError(err);
    finishOutput({ kind: 'error', error });
  }

  const stop = (): Promise<CaptureEnd> => {
    if (!outputDone) void session?.stop();
    return end;
  };
  return {
    stop,
    wait: () => end,
    stopAfter(ms: number) {
      // Several stopAfter calls: the earliest deadline wins.
      const deadline = Date.now() + Math.max(0, ms);
      if (!outputDone && (stopAfterDeadline === undefined || deadline < stopAfterDeadline)) {
        stopAfterDeadline = deadline;
        clearTimeout(stopAfterTimer);
        stopAfterTimer = setTimeout(() => void stop(), Math.max(0, ms));
      }
      return end;
    },
  };
}
