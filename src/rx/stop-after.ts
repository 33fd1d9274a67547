// The duration stop condition (csharg's StopAfter), defined once for every face: the library's
// pipes, the csharg command (--stop-after) and the Node-RED capture node.

import { timer } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
import { gracefulStopOperator } from './graceful-stop';
import type { StopConditionOptions } from './graceful-stop';

export { stopWhen } from './graceful-stop';
export type { StopConditionOptions } from './graceful-stop';

/**
 * csharg's StopAfter as an operator: after `ms` on the given scheduler (so marble tests control
 * time; `options` is a scheduler, or StopConditionOptions with one and an onStop callback), the captures beneath are stopped gracefully: what they had in flight is still delivered,
 * then the stream completes. Wherever it sits in a pipe (`capture(…).pipe(stopAfter(ms))` or
 * `capture(…).pipe(packets(), decode(), stopAfter(ms))`) it means the same; on a stream with no
 * capture beneath it completes at the deadline, like `takeUntil(timer(ms))`. See graceful-stop.ts.
 */
export function stopAfter<T>(ms: number, options?: SchedulerLike | StopConditionOptions): MonoTypeOperatorFunction<T> {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`stopAfter: expected a duration in ms >= 0, got ${ms}`);
  const opts: StopConditionOptions = options === undefined ? {} : isScheduler(options) ? { scheduler: options } : options;
  return gracefulStopOperator<T>((_control, subscriber) => ({
    next: (value) => subscriber.next(value),
    notifier: opts.scheduler ? timer(ms, opts.scheduler) : timer(ms),
  }), opts);
}

function isScheduler(x: SchedulerLike | StopConditionOptions): x is SchedulerLike {
  return typeof (x as SchedulerLike).schedule === 'function' && typeof (x as SchedulerLike).now === 'function';
}
