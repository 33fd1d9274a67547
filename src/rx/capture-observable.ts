import { Observable } from 'rxjs';
import type { Subscriber, TeardownLogic } from 'rxjs';
import type { CaptureHandlers, CaptureSession } from '../core/capture-source';

/** Opens one capture; called once per subscription. */
export type CaptureOpener = (handlers: CaptureHandlers) => CaptureSession;

/**
 * A cold Observable of one capture's pcapng chunks: each subscription opens its own capture,
 * completes when the source completes, errors with the source's typed error, and unsubscribing
 * performs the graceful stop.
 *
 * `stopWhen(notifier)` gives a variant that stops gracefully when the notifier emits, still
 * delivering what was in flight before completing; the `stopAfter` operator uses it.
 */
export class CaptureObservable extends Observable<Buffer> {
  constructor(
    private readonly open: CaptureOpener,
    private readonly stopNotifier?: Observable<unknown>,
  ) {
    super((subscriber) => this.run(subscriber));
  }

  /** The same capture, stopped gracefully when `notifier` first emits (or completes). */
  stopWhen(notifier: Observable<unknown>): CaptureObservable {
    return new CaptureObservable(this.open, this.stopNotifier ? mergeFirst(this.stopNotifier, notifier) : notifier);
  }

  private run(subscriber: Subscriber<Buffer>): TeardownLogic {
    let ended = false;
    let session: CaptureSession | undefined;
    try {
      session = this.open({
        onChunk: (chunk) => {
          if (!ended) subscriber.next(chunk);
        },
        onEnd: (end) => {
          if (ended) return;
          ended = true;
          if (end.kind === 'error') subscriber.error(end.error);
          else subscriber.complete();
        },
      });
    } catch (err) {
      ended = true;
      subscriber.error(err);
      return undefined;
    }
    const opened = session;
    let stopRequested = false;
    const requestStop = (): void => {
      if (stopRequested || ended) return;
      stopRequested = true;
      opened.stop().catch(() => undefined);
    };
    const stopSub = this.stopNotifier?.subscribe({ next: requestStop, complete: requestStop, error: requestStop });
    return () => {
      stopSub?.unsubscribe();
      // Unsubscribing before the end is a graceful stop; its outcome has no one left to tell.
      if (!ended) {
        ended = true;
        opened.stop().catch(() => undefined);
      }
    };
  }
}

function mergeFirst(a: Observable<unknown>, b: Observable<unknown>): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const subs = [a, b].map((o) =>
      o.subscribe({ next: (v) => subscriber.next(v), complete: () => subscriber.next(undefined), error: () => subscriber.next(undefined) }),
    );
    return () => subs.forEach((s) => s.unsubscribe());
  });
}
