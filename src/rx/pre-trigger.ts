// preTrigger: keep the recent past in a bounded ring; when the trigger fires, emit the ring, then
// the live stream for a while, then buffer again. Put toPcapng() after it and the seconds *before*
// an alert end up in the file.

import { Observable, asyncScheduler, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { PreTriggerRing } from '../core/analysis/pre-trigger-ring';

/** How much of the past to keep: by time, by count, or both (whichever is reached first). */
export interface PreTriggerSpan {
  /** keep packets at most this many seconds older than the newest one */
  readonly seconds?: number;
  /** keep at most this many packets */
  readonly packets?: number;
  /** byte cap on the ring (sum of captured lengths); default 64 MiB */
  readonly maxBytes?: number;
}

export interface PreTriggerOptions {
  /** how long the live stream passes after the (latest) trigger */
  readonly postSeconds: number;
  /** the clock of the live phase (default asyncScheduler; a TestScheduler in marble tests) */
  readonly scheduler?: SchedulerLike;
}

/** What the ring needs of an item: its capture time (null = use the scheduler's clock) and size. */
export interface TimedPacket {
  readonly timestampMs: number | null;
  readonly capturedLength: number;
}

function checkSeconds(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new RangeError(`preTrigger: ${name} must be a number of seconds >= 0, got ${value}`);
}

/**
 * While armed, packets go into a ring bounded by `seconds` (against the newest packet's
 * timestamp), `packets` and `maxBytes`; nothing is emitted. When `trigger$` emits, the ring is
 * emitted oldest first, then packets pass live until `postSeconds` after the latest trigger (a
 * trigger during the live phase extends it, so overlapping alerts give one continuous stretch);
 * then the operator re-arms with an empty ring. The trigger completing just means no more
 * triggers; its error is the output's error. The source's end ends the output (a ring that was
 * never triggered is dropped).
 */
export function preTrigger<T extends TimedPacket>(
  span: PreTriggerSpan,
  trigger$: Observable<unknown>,
  options: PreTriggerOptions,
): MonoTypeOperatorFunction<T> {
  if (span.seconds === undefined && span.packets === undefined) throw new RangeError('preTrigger: give seconds, packets or both');
  checkSeconds('seconds', span.seconds);
  checkSeconds('postSeconds', options.postSeconds);
  if (span.packets !== undefined && (!Number.isInteger(span.packets) || span.packets < 0)) throw new RangeError(`preTrigger: packets must be an integer >= 0, got ${span.packets}`);
  const scheduler = options.scheduler ?? asyncScheduler;
  const postMs = options.postSeconds * 1000;
  return (source) => new Observable<T>((subscriber) => {
    const ring = new PreTriggerRing<T>({
      maxAgeMs: span.seconds === undefined ? undefined : span.seconds * 1000,
      maxItems: span.packets,
      maxBytes: span.maxBytes,
    });
    let live = false;
    let liveEnd: Subscription | undefined;
    const fire = (): void => {
      if (!live) {
        live = true;
        for (const item of ring.drain()) subscriber.next(item);
      }
      liveEnd?.unsubscribe();
      liveEnd = timer(postMs, scheduler).subscribe(() => {
        live = false;
      });
    };
    const triggerSub = trigger$.subscribe({ next: fire, error: (err: unknown) => subscriber.error(err) });
    // A trigger that failed at once: do not open the source (a live capture) for nothing.
    if (subscriber.closed) return () => triggerSub.unsubscribe();
    const sourceSub = source.subscribe({
      next: (item) => {
        if (live) subscriber.next(item);
        else ring.push(item, item.timestampMs ?? scheduler.now(), item.capturedLength);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      triggerSub.unsubscribe();
      sourceSub.unsubscribe();
      liveEnd?.unsubscribe();
      ring.clear();
    };
  });
}
