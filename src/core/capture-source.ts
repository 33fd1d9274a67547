// The contract every capture source fulfils (the Edgeshark host client, the local dumpcap source,
// a fleet of hosts), so that the RxJS face, the CLI and the Node-RED nodes work with any of them.

import { asError } from './errors';

/** Why a capture ended. */
export type CaptureEnd =
  /** the server (or dumpcap) finished the capture by itself */
  | { kind: 'completed' }
  /** the client asked for the stop (stop(), unsubscribe, a stop condition) */
  | { kind: 'stopped' }
  /** a typed error: handshake, server-reported failure, connection lost, protocol, writer */
  | { kind: 'error'; error: Error };

export interface CaptureHandlers {
  /** one piece of the (SHB-edited) pcapng stream; boundaries do not follow blocks */
  onChunk(chunk: Buffer): void;
  /** called exactly once */
  onEnd(end: CaptureEnd): void;
}

/** A running capture. */
export interface CaptureSession {
  /** graceful stop: data in flight is still delivered; resolves with the end (idempotent) */
  stop(): Promise<CaptureEnd>;
  /** stop reading (backpressure); the server's kernel drops packets instead of this process growing */
  pause(): void;
  resume(): void;
}

/** Opens one capture session with the given handlers (a tank's openCapture bound to a target). */
export type CaptureOpener = (handlers: CaptureHandlers) => CaptureSession;

/**
 * The one way to run a capture, under every face (the RxJS `capture()`, csharg's Writable API
 * `tank.capture(writer, target)`, `capturePull`): opens the session once and holds the contract
 * the faces rely on, so that none of them re-implements it:
 * - `onEnd` is called exactly once, and no chunk is handed on after it;
 * - an opener that throws ends the run with that error (synchronously), never a throw;
 * - `stop()` is the graceful stop, idempotent, and after the end it only returns the end;
 * - `ended` settles with the end (never rejects), whoever ended the capture.
 */
export class CaptureRun implements CaptureSession {
  /** the end, whether the capture ended by itself, by stop(), or failed */
  readonly ended: Promise<CaptureEnd>;
  #resolveEnded!: (end: CaptureEnd) => void;
  #session: CaptureSession | undefined;
  #end: CaptureEnd | undefined;
  #stopRequested = false;

  constructor(open: CaptureOpener, private readonly handlers: CaptureHandlers) {
    this.ended = new Promise<CaptureEnd>((resolve) => {
      this.#resolveEnded = resolve;
    });
    try {
      const session = open({
        onChunk: (chunk) => {
          if (this.#end === undefined) handlers.onChunk(chunk);
        },
        onEnd: (end) => this.#finish(end),
      });
      this.#session = session;
    } catch (err) {
      this.#finish({ kind: 'error', error: asError(err) });
    }
  }

  /** the end once it came, else undefined */
  get end(): CaptureEnd | undefined {
    return this.#end;
  }

  /** whether stop() was called (the end may not have come yet) */
  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  stop(): Promise<CaptureEnd> {
    if (this.#end === undefined && !this.#stopRequested) {
      this.#stopRequested = true;
      // Its outcome arrives through onEnd, which settles `ended`.
      this.#session?.stop().catch(() => undefined);
    }
    return this.ended;
  }

  pause(): void {
    if (this.#end === undefined) this.#session?.pause();
  }

  resume(): void {
    if (this.#end === undefined) this.#session?.resume();
  }

  #finish(end: CaptureEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    this.#resolveEnded(end);
    this.handlers.onEnd(end);
  }
}
