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
//
// The same scope carries flow control: an operator that writes to a slow output (writeChunks)
// pauses the captures beneath (their socket or pipe is no longer read, so the server's kernel
// drops packets instead of this process buffering without bound) and resumes them on 'drain'.

import { Observable, asyncScheduler, from } from 'rxjs';
import type { MonoTypeOperatorFunction, ObservableInput, SchedulerLike, Subscriber, Subscription } from 'rxjs';

/** Something beneath a stop scope: a capture, or a nested scope. */
interface StopMember {
  /** asks for the graceful stop (idempotent) */
  requestStop(): void;
  /** whether a capture is (still) running at or beneath it */
  hasCaptures(): boolean;
  /** stop / go on reading (backpressure) */
  pause(): void;
  resume(): void;
}

class StopScope implements StopMember {
  readonly #members = new Set<StopMember>();
  #requested = false;
  #paused = false;
  /** told when a capture beneath has ended */
  onCaptureEnded: (() => void) | undefined;

  constructor(readonly parent: StopScope | undefined) {}

  get requested(): boolean {
    return this.#requested || (this.parent?.requested ?? false);
  }

  get paused(): boolean {
    return this.#paused || (this.parent?.paused ?? false);
  }

  join(member: StopMember): () => void {
    this.#members.add(member);
    // Joined after a stop or a pause was asked for (a capture subscribed late): it follows at once.
    if (this.paused) member.pause();
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

  pause(): void {
    this.#paused = true;
    for (const member of [...this.#members]) member.pause();
  }

  resume(): void {
    this.#paused = false;
    if (this.parent?.paused) return;
    for (const member of [...this.#members]) member.resume();
  }
}

/** The scope whose source is being subscribed right now (subscription is synchronous). */
let subscribing: StopScope | undefined;

function subscribeWithin<T>(scope: StopScope, source: Observable<T>, subscriber: Partial<Subscriber<T>>): Subscription {
  const outer = subscribing;
  subscribing = scope;
  try {
    return source.subscribe(subscriber);
  } finally {
    subscribing = outer;
  }
}

/**
 * Runs `fn` outside any stop scope: for a capture's own workings (the follow machinery's inner
 * captures), which are stopped through the capture, not directly by the scope around it.
 */
export function outsideStopScope<R>(fn: () => R): R {
  const outer = subscribing;
  subscribing = undefined;
  try {
    return fn();
  } finally {
    subscribing = outer;
  }
}

/** What a capture offers the scope it is subscribed beneath. */
export interface ScopedCapture {
  requestStop(): void;
  pause(): void;
  resume(): void;
}

/**
 * For capture Observables: joins the stop scope under way (if any). Returns what to call when the
 * capture has ended (or was unsubscribed).
 */
export function joinStopScope(capture: ScopedCapture): () => void {
  const scope = subscribing;
  if (scope === undefined) return () => undefined;
  let running = true;
  const leave = scope.join({
    requestStop: () => {
      if (running) capture.requestStop();
    },
    hasCaptures: () => running,
    pause: () => {
      if (running) capture.pause();
    },
    resume: () => {
      if (running) capture.resume();
    },
  });
  return () => {
    if (!running) return;
    running = false;
    leave();
  };
}

/** What the body of a stop operator can do to the captures beneath it. */
export interface StopControl {
  /**
   * asks the captures beneath for their graceful stop; values still pass until the source ends.
   * With no capture beneath, the stream ends at once.
   */
  stop(): void;
  /** stop(), and the stream then ends with `error` instead of completing (the first one counts) */
  fail(error: unknown): void;
  /** backpressure: pause / resume reading the captures beneath */
  pause(): void;
  resume(): void;
}

export interface StopOperatorHooks<T> {
  next(value: T): void;
  /** called when the source ends (completes or fails), before the subscriber hears of it */
  end?(): void;
  /** subscribed after the source, torn down with it: its first value (or end) is stop() */
  readonly notifier?: ObservableInput<unknown>;
  /** torn down with the subscription */
  teardown?(): void;
}

export interface StopConditionOptions {
  /** where the condition's timers run (marble tests: the TestScheduler); default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** told once when the condition is met, before the captures beneath are asked to stop */
  readonly onStop?: () => void;
}

/**
 * The building block of the stop conditions: subscribes `source` as a stop scope and gives
 * `body` a StopControl. After stop(), values still pass (the body may drop them) until the source
 * ends; should the source not complete although every capture beneath has ended (it also holds a
 * stream that never ends), the stream ends on the scheduler's next turn.
 */
export function gracefulStopOperator<T>(
  body: (control: StopControl, subscriber: Subscriber<T>) => StopOperatorHooks<T>,
  options: StopConditionOptions = {},
): MonoTypeOperatorFunction<T> {
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T>((subscriber) => {
      const scope = new StopScope(subscribing);
      const leaveParent = scope.parent?.join(scope);
      let stopped = false;
      let failure: { error: unknown } | undefined;
      let lateEnd: Subscription | undefined;
      const finish = (sourceError?: { error: unknown }): void => {
        hooks.end?.();
        const error = failure ?? sourceError;
        if (error !== undefined) subscriber.error(error.error);
        else subscriber.complete();
      };
      const endIfIdle = (): void => {
        if (!stopped || scope.hasCaptures() || lateEnd !== undefined || subscriber.closed) return;
        lateEnd = scheduler.schedule(() => finish());
      };
      const control: StopControl = {
        stop() {
          if (stopped || subscriber.closed) return;
          stopped = true;
          options.onStop?.();
          if (!scope.hasCaptures()) {
            if (failure !== undefined) subscriber.error(failure.error);
            else subscriber.complete();
            return;
          }
          scope.onCaptureEnded = endIfIdle;
          scope.requestStop();
        },
        fail(error: unknown) {
          failure ??= { error };
          // A capture paused for an output that is gone would hold its stop back: read on.
          scope.resume();
          control.stop();
        },
        pause: () => scope.pause(),
        resume: () => scope.resume(),
      };
      const hooks = body(control, subscriber);
      const sourceSub = subscribeWithin(scope, source, {
        next: (value: T) => {
          try {
            hooks.next(value);
          } catch (err) {
            // What the condition throws (a stream that is no pcapng) is the stream's error.
            subscriber.error(err);
          }
        },
        error: (error: unknown) => finish({ error }),
        complete: () => finish(),
      });
      let notifierSub: Subscription | undefined;
      if (hooks.notifier !== undefined && !subscriber.closed) {
        const stop = (): void => control.stop();
        notifierSub = from(hooks.notifier).subscribe({ next: stop, complete: stop, error: stop });
      }
      return () => {
        notifierSub?.unsubscribe();
        sourceSub.unsubscribe();
        lateEnd?.unsubscribe();
        hooks.teardown?.();
        leaveParent?.();
      };
    });
}

/**
 * A graceful `takeUntil`: when `notifier` first emits (or ends), the captures beneath are asked
 * for their graceful stop, what they still deliver is passed on, then the stream completes. With
 * no capture beneath it completes at once, like takeUntil. See the file comment for why.
 */
export function stopWhen<T>(notifier: ObservableInput<unknown>, options?: StopConditionOptions): MonoTypeOperatorFunction<T> {
  return gracefulStopOperator<T>((_control, subscriber) => ({ next: (value) => subscriber.next(value), notifier }), options);
}
