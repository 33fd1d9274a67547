// The graceful stop of the RxJS face: how a stop condition placed anywhere in a pipe reaches the
// captures beneath it, so that they stop the way a capture should (what is in flight still
// arrives, then the stream completes) instead of being cut off by an unsubscribe.
//
// Why this design. RxJS has one channel from downstream to upstream: unsubscribing. For a capture
// that is the wrong stop when a duration runs out, because the packets already on the wire (in the
// server's pipe, in the socket) would be lost. RxJS users express "stop when X" with a notifier
// (`takeUntil(notifier)`), so the stop conditions here are notifier operators with the same shape:
// `stopWhen(notifier)`, and `stopAfter(ms)` = `stopWhen(timer(ms))`. What makes them graceful is a
// stop scope: while a stop operator subscribes to its source, it is the scope of that
// subscription, and every `capture()` subscribed beneath it (through map, packets(),
// mergeCaptures(), … — everything RxJS subscribes synchronously) joins it. When the condition is
// met, the operator asks the captures of its scope for their graceful stop, passes on what they
// still deliver, and completes when its source completes. With no capture beneath (a plain
// stream), there is nothing to stop gracefully and it completes at once, exactly like takeUntil.
// So a stop operator means the same wherever it sits in a pipe, no `instanceof` needed.
//
// A capture that a higher-order operator subscribes later (switchMap on a later value) is not
// beneath the stop in this sense: it is stopped by the unsubscribe, gracefully still, but what it
// had in flight is not awaited. To stop such captures, or for a stop from outside (a button, a
// signal), hand the notifier to the capture itself: `capture(tank, target, { stop: notifier })`.

import { Observable, asyncScheduler, from } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput, SchedulerLike, Subscriber, Subscription } from 'rxjs';

/** Something beneath a stop scope that can be stopped gracefully: a capture, or a nested scope. */
interface StopMember {
  /** asks for the graceful stop (idempotent) */
  requestStop(): void;
  /** whether a capture is (still) running at or beneath it */
  hasCaptures(): boolean;
}

class StopScope implements StopMember {
  readonly #members = new Set<StopMember>();
  #requested = false;
  /** told when a capture beneath has ended */
  onCaptureEnded: (() => void) | undefined;

  constructor(readonly parent: StopScope | undefined) {}

  get requested(): boolean {
    return this.#requested || (this.parent?.requested ?? false);
  }

  join(member: StopMember): () => void {
    this.#members.add(member);
    // Joined after the stop was asked for (a capture subscribed late): it stops at once.
    if (this.requested) member.requestStop();
    return () => {
      this.#members.delete(member);
      this.captureEnded();
    };
  }

  captureEnded(): void {
    this.onCaptureEnded?.();
    this.parent?.captureEnded();
  }

  requestStop(): void {
    if (this.#requested) return;
    this.#requested = true;
    for (const member of [...this.#members]) member.requestStop();
  }

  hasCaptures(): boolean {
    for (const member of this.#members) if (member.hasCaptures()) return true;
    return false;
  }
}

/** The scope whose source is being subscribed right now (subscription is synchronous). */
let subscribing: StopScope | undefined;

function subscribeWithin<T>(scope: StopScope, source: Observable<T>, subscriber: Subscriber<T>): Subscription {
  const outer = subscribing;
  subscribing = scope;
  try {
    return source.subscribe(subscriber);
  } finally {
    subscribing = outer;
  }
}

/**
 * For capture Observables: joins the stop scope under way (if any) with a capture's graceful stop.
 * Returns what to call when the capture has ended (or was unsubscribed).
 */
export function joinStopScope(requestStop: () => void): () => void {
  const scope = subscribing;
  if (scope === undefined) return () => undefined;
  let running = true;
  const leave = scope.join({
    requestStop: () => {
      if (running) requestStop();
    },
    hasCaptures: () => running,
  });
  return () => {
    if (!running) return;
    running = false;
    leave();
  };
}

/**
 * The building block of the stop conditions: subscribes `source` as a stop scope and gives
 * `body` a `stop()` that asks the captures beneath for their graceful stop — or, with none
 * beneath, completes at once. After stop(), values still pass (the body may drop them) until the
 * source completes; should the source not complete although every capture beneath has ended (it
 * also holds a stream that never ends), it completes on the scheduler's next turn.
 */
export function gracefulStopOperator<T>(
  body: (stop: () => void, subscriber: Subscriber<T>) => {
    next(value: T): void;
    /** called when the source ends (completes or fails), before the subscriber hears of it */
    end?(): void;
    /** subscribed after the source, torn down with it */
    readonly notifier?: ObservableInput<unknown>;
  },
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const scope = new StopScope(subscribing);
      const leaveParent = scope.parent?.join(scope);
      let stopped = false;
      let lateCompletion: Subscription | undefined;
      const completeIfIdle = (): void => {
        if (!stopped || scope.hasCaptures() || lateCompletion !== undefined) return;
        lateCompletion = scheduler.schedule(() => {
          end();
          subscriber.complete();
        });
      };
      const stop = (): void => {
        if (stopped || subscriber.closed) return;
        stopped = true;
        if (!scope.hasCaptures()) {
          subscriber.complete();
          return;
        }
        scope.onCaptureEnded = completeIfIdle;
        scope.requestStop();
      };
      const hooks = body(stop, subscriber);
      const end = (): void => hooks.end?.();
      const sourceSub = subscribeWithin(scope, source, {
        next: (value) => {
          try {
            hooks.next(value);
          } catch (err) {
            // What the condition throws (a stream that is no pcapng) is the stream's error.
            subscriber.error(err);
          }
        },
        error: (err: unknown) => {
          end();
          subscriber.error(err);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      } as Subscriber<T>);
      let notifierSub: Subscription | undefined;
      if (hooks.notifier !== undefined && !subscriber.closed) {
        notifierSub = from(hooks.notifier).subscribe({ next: stop, complete: stop, error: stop });
      }
      return () => {
        notifierSub?.unsubscribe();
        sourceSub.unsubscribe();
        lateCompletion?.unsubscribe();
        leaveParent?.();
      };
    });
}

/**
 * A graceful `takeUntil`: when `notifier` first emits (or ends), the captures beneath are asked
 * for their graceful stop, what they still deliver is passed on, then the stream completes. With
 * no capture beneath it completes at once, like takeUntil. See the file comment for why.
 */
export function stopWhen<T>(notifier: ObservableInput<unknown>, scheduler?: SchedulerLike): MonoTypeOperatorFunction<T> {
  return gracefulStopOperator<T>((_stop, subscriber) => ({ next: (value) => subscriber.next(value), notifier }), scheduler);
}
