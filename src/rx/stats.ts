// Windowed statistics as operators, on the analysis' one tumbling-window engine
// (core/analysis/tumbling-windows.ts): windows start at the multiples of their length since the
// epoch of the clock that cuts them, so windows of the same length agree wherever they are cut.
// Two clocks:
//  - `packet` (the default): windows on the packets' timestamps: the same result live, in a replay
//    at any speed, and in a test. A window closes when a packet of a later window arrives (empty
//    windows in between are emitted too), the last one when the stream completes (`complete:
//    false`). On a quiet live capture the current window therefore waits for the next packet: use
//    the scheduler clock when that matters.
//  - `scheduler`: windows on the RxJS scheduler's clock (pass a SchedulerLike, or
//    `{ clock: 'scheduler', scheduler }`): one window per `ms` whether or not packets came, each
//    emitted at its end, packets counted in the window they arrive in, whatever their timestamps.
//    The first is the window the subscription falls in; the window cut short by completion lasts
//    until then (`complete: false`).

import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { DecodedPacket } from '../core/decode/decoded-packet';
import { TumblingWindows, assertWindowLength, windowStartOf } from '../core/analysis/tumbling-windows';
import type { WindowAccumulator, WindowBounds } from '../core/analysis/tumbling-windows';
import { EstimatedPacketClock } from './packet-clock';
import { WindowStatsAccumulator } from '../core/analysis/window-stats';
import type { WindowStats, WindowStatsOptions } from '../core/analysis/window-stats';
import { TopTalkersAccumulator } from '../core/analysis/top-talkers';
import type { TopTalkers } from '../core/analysis/top-talkers';
import type { Packet } from '../core/pcapng/packet';

export interface WindowOptions {
  /** whose time cuts the windows (default `packet`) */
  readonly clock?: 'packet' | 'scheduler';
  /** the scheduler clock's scheduler (default asyncScheduler); with the packet clock, the time of packets without a timestamp before the first one */
  readonly scheduler?: SchedulerLike;
  /** packet clock: at most this many empty windows are emitted for a gap (default 1000) */
  readonly maxEmptyWindows?: number;
  /**
   * packet clock: also close windows while no packet arrives, once the packet clock, estimated on
   * the scheduler (the newest packet's time plus the time since it arrived, as alertWhen does), has
   * passed their end by `graceMs` (default 0; for packets still in flight): on a quiet live capture
   * the windows, empty ones included, keep coming on time. A packet that arrives after its window
   * was closed counts in the current one. Off by default (replays and tests need no clock).
   */
  readonly closeOnSilence?: boolean | { readonly graceMs?: number };
}

function isScheduler(x: unknown): x is SchedulerLike {
  return typeof x === 'object' && x !== null && typeof (x as SchedulerLike).schedule === 'function' && typeof (x as SchedulerLike).now === 'function';
}

function windowOptions(options: SchedulerLike | WindowOptions | undefined): WindowOptions {
  if (options === undefined) return {};
  if (isScheduler(options)) return { clock: 'scheduler', scheduler: options };
  return options;
}

/** Runs one accumulator over tumbling windows (see the file comment for the clocks). */
export function windowed<P extends Packet, R>(name: string, ms: number, options: SchedulerLike | WindowOptions | undefined, make: () => WindowAccumulator<P, R>): OperatorFunction<P, R> {
  assertWindowLength(name, ms);
  const o = windowOptions(options);
  const scheduler = o.scheduler ?? asyncScheduler;
  if (o.clock === 'scheduler') return (source) => schedulerWindows(source, ms, scheduler, make());
  const silence = o.closeOnSilence === undefined || o.closeOnSilence === false ? undefined : { graceMs: o.closeOnSilence === true ? 0 : o.closeOnSilence.graceMs ?? 0 };
  if (silence && (!Number.isFinite(silence.graceMs) || silence.graceMs < 0)) throw new RangeError(`${name}: closeOnSilence.graceMs must be a number >= 0, got ${silence.graceMs}`);
  return (source) => new Observable<R>((subscriber) => {
    const acc = make();
    const windows = new TumblingWindows(ms, { maxEmptyWindows: o.maxEmptyWindows });
    const close = (bounds: WindowBounds): void => subscriber.next(acc.close(bounds));
    const clock = silence && new EstimatedPacketClock(scheduler);
    let tick: Subscription | undefined;
    const upstream = source.subscribe({
      next(p) {
        const t = p.timestampMs ?? windows.start ?? scheduler.now();
        windows.advance(t, close);
        acc.add(p);
        if (clock && silence) {
          clock.seen(t);
          tick ??= clock.everyWindowEnd(ms, silence.graceMs, (now) => windows.advance(now - silence.graceMs, close));
        }
      },
      error: (e: unknown) => subscriber.error(e),
      complete() {
        tick?.unsubscribe();
        const last = windows.last();
        if (last) close(last);
        subscriber.complete();
      },
    });
    return () => {
      tick?.unsubscribe();
      upstream.unsubscribe();
    };
  });
}

function schedulerWindows<P, R>(source: Observable<P>, ms: number, scheduler: SchedulerLike, acc: WindowAccumulator<P, R>): Observable<R> {
  return new Observable<R>((subscriber) => {
    const now = scheduler.now();
    let start = windowStartOf(now, ms);
    const tick = scheduler.schedule(function (this: SchedulerAction<undefined>) {
      subscriber.next(acc.close({ start, end: start + ms, durationMs: ms, complete: true }));
      start += ms;
      this.schedule(undefined, ms);
    }, start + ms - now);
    const upstream: Subscription = source.subscribe({
      next: (p) => acc.add(p),
      error: (e: unknown) => subscriber.error(e),
      complete() {
        tick.unsubscribe();
        const end = scheduler.now();
        // (a window the subscription fell in is emitted only once time passed or packets came)
        if (end > Math.max(start, now) || !acc.empty) subscriber.next(acc.close({ start, end, durationMs: end - start, complete: false }));
        subscriber.complete();
      },
    });
    return () => {
      tick.unsubscribe();
      upstream.unsubscribe();
    };
  });
}

/**
 * Per window, interface and protocol: packets, bytes (on the wire), pps and bps. Takes Packets or
 * DecodedPackets. `windowStats(ms)` windows by packet time; `windowStats(ms, scheduler)` by the
 * scheduler's clock (see the file comment). `{ topTalkers: k }` adds each window's k busiest IP
 * sources, as the packet-stats node shows them.
 */
export function windowStats<P extends Packet | DecodedPacket>(ms: number, options?: SchedulerLike | (WindowOptions & WindowStatsOptions)): OperatorFunction<P, WindowStats> {
  const statsOptions: WindowStatsOptions = options !== undefined && !isScheduler(options) ? options : {};
  if (statsOptions.topTalkers !== undefined) new TopTalkersAccumulator(statsOptions.topTalkers, statsOptions.maxAddresses); // checks k once, at pipe time
  return windowed<P, WindowStats>('windowStats', ms, options, () => new WindowStatsAccumulator(statsOptions));
}

/** Per window, the k IP source addresses that sent the most bytes (clocks as for windowStats). */
export function topTalkers<P extends Packet | DecodedPacket>(ms: number, k: number, options?: SchedulerLike | WindowOptions & { maxAddresses?: number }): OperatorFunction<P, TopTalkers> {
  const maxAddresses = options !== undefined && !isScheduler(options) ? options.maxAddresses : undefined;
  const check = new TopTalkersAccumulator(k, maxAddresses);
  return windowed<P, TopTalkers>('topTalkers', ms, options, () => new TopTalkersAccumulator(check.k, check.maxAddresses));
}
