// bounded: a queue of at most n items between a producer and a consumer that may lag. Items are
// delivered on a scheduler (by default in a later macrotask), so a burst the producer emits at
// once, or arriving while the consumer is busy, waits here, and what exceeds n is dropped and
// counted, instead of memory growing.

import { Observable, asyncScheduler } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';

export type BoundedPolicy = 'drop-oldest' | 'drop-newest';

/** Live counters of one or more bounded() queues (shared by every subscription given it). */
export class BoundedStats {
  /** items dropped so far */
  dropped = 0;
  /** items passed on so far */
  delivered = 0;
  /** items waiting now */
  queued = 0;
  /** the most items that ever waited at once */
  maxQueued = 0;
}

export interface BoundedOptions<T> {
  /** counters to update as items pass and drop */
  readonly stats?: BoundedStats;
  /** called for each dropped item, with the total dropped so far */
  readonly onDrop?: (item: T, dropped: number) => void;
  /** where deliveries run (default asyncScheduler: a later macrotask, so I/O can interleave) */
  readonly scheduler?: SchedulerLike;
}

/**
 * Holds at most `n` undelivered items. 'drop-oldest' makes room by dropping the oldest waiting
 * item (the consumer sees the latest); 'drop-newest' drops the arriving one (the consumer sees a
 * gapless prefix). Waiting items are delivered in one scheduled task; the source's completion
 * waits for them, its error does not (it is passed on at once, waiting items dropped uncounted).
 */
export function bounded<T>(n: number, policy: BoundedPolicy, options: BoundedOptions<T> = {}): MonoTypeOperatorFunction<T> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bounded: n must be an integer >= 1, got ${n}`);
  if (policy !== 'drop-oldest' && policy !== 'drop-newest') throw new RangeError(`bounded: policy must be 'drop-oldest' or 'drop-newest', got ${String(policy)}`);
  const stats = options.stats ?? new BoundedStats();
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) => new Observable<T>((subscriber) => {
    // A ring of n slots: no shifting, no growth.
    const ring: (T | undefined)[] = new Array<T | undefined>(n);
    let head = 0;
    let size = 0;
    let completed = false;
    let drain: Subscription | undefined;

    const drop = (item: T): void => {
      stats.dropped++;
      options.onDrop?.(item, stats.dropped);
    };
    const deliver = (): void => {
      drain = undefined;
      while (size > 0 && !subscriber.closed) {
        const item = ring[head] as T;
        ring[head] = undefined;
        head = (head + 1) % n;
        size--;
        stats.queued--;
        stats.delivered++;
        subscriber.next(item);
      }
      if (completed) subscriber.complete();
    };
    const sub = source.subscribe({
      next: (item) => {
        if (size === n) {
          if (policy === 'drop-newest') {
            drop(item);
            return;
          }
          const oldest = ring[head] as T;
          ring[head] = item;
          head = (head + 1) % n;
          drop(oldest);
        } else {
          ring[(head + size) % n] = item;
          size++;
          stats.queued++;
          if (stats.queued > stats.maxQueued) stats.maxQueued = stats.queued;
        }
        drain ??= scheduler.schedule(deliver);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        completed = true;
        if (size === 0) subscriber.complete();
      },
    });
    return () => {
      sub.unsubscribe();
      drain?.unsubscribe();
      stats.queued -= size;
      ring.fill(undefined);
      size = 0;
    };
  });
}
