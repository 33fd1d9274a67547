// The interface shared by every source of capture targets: the Edgeshark host client, the local
// dumpcap source, and fleets of hosts. The RxJS face, the CLI and the Node-RED nodes use only this.
import type { CaptureEnd, CaptureHandlers, CaptureSession } from './capture-source';
import type { CaptureOptions, Target } from './target';
import { asError } from './errors';

export interface SharkTank {
  /** for messages: the service URL, or "this machine" */
  readonly description: string;
  /** discovered targets (cached until clear()) */
  targets(): Promise<Target[]>;
  /** forget the cached targets */
  clear(): void;
  /**
   * Opens a capture; a bare target (name only) is completed from discovery first. Failures,
   * including failed completion, arrive through handlers.onEnd, never as a throw.
   */
  openCapture(target: Target, options: CaptureOptions, handlers: CaptureHandlers): CaptureSession;
}

/**
 * A session whose real opening waits for an asynchronous step (completing a bare target). A stop
 * before it opens ends the capture as stopped without opening anything.
 */
export function deferredCaptureSession(
  prepare: Promise<(handlers: CaptureHandlers) => CaptureSession>,
  handlers: CaptureHandlers,
): CaptureSession {
  let inner: CaptureSession | undefined;
  let stopped: Promise<CaptureEnd> | undefined;
  let paused = false;
  let ended = false;
  const once: CaptureHandlers = {
    onChunk: (chunk) => handlers.onChunk(chunk),
    onEnd: (end) => {
      if (ended) return;
      ended = true;
      handlers.onEnd(end);
    },
  };
  prepare.then(
    (open) => {
      if (stopped || ended) return;
      try {
        inner = open(once);
        if (paused) inner.pause();
      } catch (err) {
        once.onEnd({ kind: 'error', error: asError(err) });
      }
    },
    (err: unknown) => once.onEnd({ kind: 'error', error: asError(err) }),
  );
  return {
    stop() {
      if (inner) return inner.stop();
      stopped ??= Promise.resolve().then(() => {
        once.onEnd({ kind: 'stopped' });
        return { kind: 'stopped' } as const;
      });
      return stopped;
    },
    pause() {
      paused = true;
      inner?.pause();
    },
    resume() {
      paused = false;
      inner?.resume();
    },
  };
}
