import { Observable, from } from 'rxjs';
import type { ObservableInput, Subscriber, TeardownLogic } from 'rxjs';
import { CaptureRun } from '../core/capture-source';
import type { CaptureOpener } from '../core/capture-source';
import { joinStopScope, outsideStopScope } from './graceful-stop';

export type { CaptureOpener } from '../core/capture-source';

/**
 * A cold Observable of one capture's pcapng chunks, the RxJS face of the core's CaptureRun: each
 * subscription opens its own capture, completes when the source completes, errors with the
 * source's typed error, and unsubscribing performs the graceful stop (what was in flight then
 * has no one to go to).
 *
 * The graceful stop that still delivers what is in flight, then completes:
 * - a stop notifier given to the capture: `capture(tank, t, { stop: notifier })`, or
 *   `.stopWhen(notifier)` on a capture Observable (the same thing); the notifier's first value
 *   (or its end) asks for the stop;
 * - the stop operators (`stopWhen`, `stopAfter`, `stopAfterPackets`, `stopAfterBytes`) anywhere
 *   further down the pipe: a capture joins the stop scope of the operators it is subscribed
 *   beneath (see rx/graceful-stop.ts for how and why).
 */
export class CaptureObservable extends Observable<Buffer> {
  constructor(
    private readonly open: CaptureOpener,
    private readonly stopNotifier?: ObservableInput<unknown>,
  ) {
    super((subscriber) => this.run(subscriber));
  }

  /** The same capture, stopped gracefully when `notifier` first emits (or completes). */
  stopWhen(notifier: ObservableInput<unknown>): CaptureObservable {
    return new CaptureObservable(this.open, this.stopNotifier ? firstOf(this.stopNotifier, notifier) : notifier);
  }

  private run(subscriber: Subscriber<Buffer>): TeardownLogic {
    let leaveScope = (): void => undefined;
    // The scope under way is joined below; what the opener subscribes is the capture's own.
    const capture = outsideStopScope(() => new CaptureRun(this.open, {
      onChunk: (chunk) => subscriber.next(chunk),
      onEnd: (end) => {
        leaveScope();
        if (end.kind === 'error') subscriber.error(end.error);
        else subscriber.complete();
      },
    }));
    if (capture.end !== undefined) return undefined;
    const requestStop = (): void => void capture.stop();
    leaveScope = joinStopScope({ requestStop, pause: () => capture.pause(), resume: () => capture.resume() });
    const stopSub = this.stopNotifier === undefined
      ? undefined
      : from(this.stopNotifier).subscribe({ next: requestStop, complete: requestStop, error: requestStop });
    return () => {
      stopSub?.unsubscribe();
      leaveScope();
      // Unsubscribing before the end is a graceful stop; its outcome has no one left to tell.
      void capture.stop();
    };
  }
}

/** A notifier that fires when the first of two does. */
function firstOf(a: ObservableInput<unknown>, b: ObservableInput<unknown>): Observable<unknown> {
  return new Observable<unknown>((subscriber) => {
    const fire = (): void => subscriber.next(undefined);
    const subs = [a, b].map((o) => from(o).subscribe({ next: fire, complete: fire, error: fire }));
    return () => subs.forEach((s) => s.unsubscribe());
  });
}
