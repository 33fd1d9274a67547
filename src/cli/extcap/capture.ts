// `csharg extcap --capture`: one target's live capture written into the FIFO Wireshark gives, as
// pcapng made of whole blocks only, until the capture ends, Wireshark stops it (SIGTERM), or
// Wireshark closes the FIFO. Built on the library's public face: capture() and pcapngBlocks().
import { createWriteStream } from 'node:fs';
import { map, Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { capture, pcapngBlocks, writeChunks } from '../../index';
import { asError } from '../../core/errors';
import type { CaptureOptions, SharkTank, Target } from '../../index';

export interface FifoCaptureOptions {
  fifo: string;
  /** how long a graceful stop may take before the capture is cut off (at a block boundary) */
  stopGraceMs?: number;
  /** notes on stderr (--debug) */
  debug?: (text: string) => void;
  /** for tests: the signals to stop on (default SIGTERM, SIGINT) */
  signals?: NodeJS.Signals[];
}

export interface FifoCaptureResult {
  blocks: number;
  bytes: number;
  /** why it ended: the capture completed, a signal, the reader went away */
  reason: string;
}

/** Runs the capture into the FIFO; rejects with the capture's error (the FIFO then ends cleanly). */
export function captureIntoFifo(tank: SharkTank, target: Target, options: CaptureOptions, opts: FifoCaptureOptions): Promise<FifoCaptureResult> {
  const debug = opts.debug ?? ((): void => undefined);
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const grace = opts.stopGraceMs ?? 5000;
  return new Promise<FifoCaptureResult>((resolve, reject) => {
    // Opening a FIFO for writing waits for its reader (dumpcap); the stream buffers until then.
    const out = createWriteStream(opts.fifo, { flags: 'w' });
    const stop$ = new Subject<void>();
    let blocks = 0;
    let bytes = 0;
    let reason: string | undefined;
    let readerGone = false;
    // set once the capture is subscribed (the handlers below run later)
    const running: { sub?: Subscription } = {};
    let graceTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const cleanup = (): void => {
      for (const s of signals) process.off(s, onSignal);
      clearTimeout(graceTimer);
    };
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      const done = (): void => {
        if (error) reject(error);
        else resolve({ blocks, bytes, reason: reason ?? 'the capture ended' });
      };
      // A capture that failed before the FIFO's reader came does not wait for it.
      if (readerGone || out.destroyed || (error !== undefined && out.pending)) {
        out.destroy();
        done();
        return;
      }
      // Only whole blocks were written: ending here leaves a clean pcapng stream.
      out.end(() => done());
    };
    const requestStop = (why: string): void => {
      if (reason !== undefined) return;
      reason = why;
      debug(`stopping: ${why}`);
      stop$.next();
      // A stop that takes too long is cut off; the FIFO still holds whole blocks only.
      graceTimer = setTimeout(() => {
        debug(`the graceful stop took over ${grace} ms: cutting the capture off`);
        running.sub?.unsubscribe();
        finish();
      }, grace);
    };
    let signalled = 0;
    function onSignal(sig: NodeJS.Signals): void {
      signalled++;
      if (signalled > 1) {
        // A second signal: end now.
        running.sub?.unsubscribe();
        finish();
        return;
      }
      requestStop(`stopped by ${sig}`);
    }
    for (const s of signals) process.on(s, onSignal);

    out.on('error', (err: NodeJS.ErrnoException) => {
      // Wireshark closed the FIFO (its capture stopped): nobody reads any more.
      readerGone = true;
      debug(`the FIFO's reader went away (${err.code ?? err.message})`);
      if (reason === undefined) reason = 'Wireshark closed the FIFO';
      running.sub?.unsubscribe();
      finish();
    });

    // writeChunks pauses the capture while Wireshark reads slower than packets come (and until it
    // opens the FIFO), so a slow reader never makes this process buffer without bound.
    running.sub = capture(tank, target, options)
      .stopWhen(stop$)
      .pipe(pcapngBlocks(), map((block) => block.raw), writeChunks(out))
      .subscribe({
        next: (raw) => {
          // The first block (the section header) comes once the capture runs at its source.
          if (blocks === 0) debug('capture running: first block');
          blocks++;
          bytes += raw.length;
        },
        // The FIFO's reader going away is how Wireshark ends a capture, not a failure.
        error: (err: unknown) => (readerGone ? finish() : finish(asError(err))),
        complete: () => finish(),
      });
  });
}

