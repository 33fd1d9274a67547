// writeChunks: a capture's pcapng chunks into a Node Writable (a file, stdout, a pipe to
// Wireshark), with the flow control and the failure handling a capture needs. The csharg command
// writes its captures with it; csharg's Writable API (`tank.capture(writer, target)`) does the
// same in core without RxJS (core/capture-streamer.ts).

import type { Writable } from 'node:stream';
import type { MonoTypeOperatorFunction } from 'rxjs';
import { gracefulStopOperator } from './graceful-stop';

/**
 * The output failed while the capture ran: `cause` is the writable's error, or undefined when
 * the output was closed (or destroyed) before the capture ended.
 */
export class OutputFailedError extends Error {
  constructor(readonly detail: string, options?: { cause?: unknown }) {
    super(`the output failed: ${detail}`, options);
    this.name = 'OutputFailedError';
  }
}

/**
 * Writes each chunk to `writable` and passes it on once written to the stream (for counting).
 * While the writable's buffer is full, the captures beneath are paused, and resumed on 'drain'
 * (the stop scope of rx/graceful-stop.ts carries this). When the writable fails (its 'error', or
 * it closes while the capture runs), the captures beneath are stopped gracefully, what still
 * arrives is dropped, and the stream then errors with an OutputFailedError (its cause is the
 * writable's error; none for a close). The writable is never ended: it belongs to the caller.
 */
export function writeChunks(writable: Writable): MonoTypeOperatorFunction<Buffer> {
  return gracefulStopOperator<Buffer>((control, subscriber) => {
    let failed = false;
    let waitingForDrain = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      writable.off('drain', onDrain);
      control.fail(error);
    };
    const onDrain = (): void => {
      waitingForDrain = false;
      control.resume();
    };
    const onError = (err: Error): void => fail(new OutputFailedError(err.message, { cause: err }));
    const onClose = (): void => fail(new OutputFailedError('the output was closed before the capture ended'));
    writable.on('error', onError);
    writable.once('close', onClose);
    return {
      next(chunk) {
        if (failed || writable.destroyed || writable.writableEnded) return;
        let flowing: boolean;
        try {
          flowing = writable.write(chunk);
        } catch (err) {
          fail(new OutputFailedError((err as Error).message, { cause: err }));
          return;
        }
        subscriber.next(chunk);
        if (!flowing && !waitingForDrain) {
          waitingForDrain = true;
          control.pause();
          writable.once('drain', onDrain);
        }
      },
      teardown() {
        writable.off('error', onError);
        writable.off('close', onClose);
        writable.off('drain', onDrain);
      },
    };
  });
}
