import { takeUntil, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs';
import { CaptureObservable } from './capture-observable';

/**
 * csharg's StopAfter as an operator: after `ms` on the given scheduler (so marble tests control
 * time), stop. Applied directly to a capture it is a graceful stop: data already in flight is
 * still delivered, then the Observable completes. Anywhere else in a pipeline it completes at
 * once and unsubscribes upstream (which still stops the capture gracefully).
 */
export function stopAfter<T>(ms: number, scheduler?: SchedulerLike): MonoTypeOperatorFunction<T> {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`stopAfter: expected a duration in ms >= 0, got ${ms}`);
  return (source: Observable<T>): Observable<T> => {
    const deadline = scheduler ? timer(ms, scheduler) : timer(ms);
    if (source instanceof CaptureObservable) return source.stopWhen(deadline) as unknown as Observable<T>;
    return source.pipe(takeUntil(deadline));
  };
}
