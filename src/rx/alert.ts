// alertWhen: rules over decoded packets (threshold, rate of change, new talker, port scan) as an
// operator emitting Alert objects with their evidence packets.

import { Observable, asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { alertEngine } from '../core/analysis/alert-rules';
import type { Alert, AlertEngine, AlertPacket, AlertRule } from '../core/analysis/alert-types';
import { EstimatedPacketClock } from './packet-clock';

export interface AlertWhenOptions {
  /** the clock that closes windows while no packet arrives (default asyncScheduler) */
  readonly scheduler?: SchedulerLike;
}

/**
 * Applies one rule (or several) to a stream of decoded packets (`decode()` first). Rules keep
 * their own windows on the packets' timestamps, so live captures, replays at any speed and marble
 * tests give the same alerts; windows start at multiples of their length since the epoch, as
 * windowStats' do (core/analysis/tumbling-windows.ts), and the first one, when it began before the
 * first packet, is judged only by `above`. While no packet arrives the packet clock is estimated from the
 * scheduler (last packet time + scheduler time since), checked every window length, so a
 * `below` threshold or a fall in rate fires on silence too. A window still open when the source
 * completes is not evaluated (it is partial). Rules are checked at once (AlertRuleError).
 */
export function alertWhen<P extends AlertPacket>(rules: AlertRule<P> | readonly AlertRule<P>[], options: AlertWhenOptions = {}): OperatorFunction<P, Alert<P>> {
  const list: readonly AlertRule<P>[] = Array.isArray(rules) ? rules : [rules as AlertRule<P>];
  list.forEach((r) => alertEngine(r));
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) => new Observable<Alert<P>>((subscriber) => {
    const engines: AlertEngine<P>[] = list.map((r) => alertEngine(r));
    const periods = engines.map((e) => e.windowMs).filter((w): w is number => w !== undefined);
    const period = periods.length > 0 ? Math.min(...periods) : undefined;
    const clock = new EstimatedPacketClock(scheduler);
    let tick: Subscription | undefined;

    const emit = (alerts: Alert<P>[]): void => {
      for (const a of alerts) subscriber.next(a);
    };
    // The ticks fall on the ends of the windows (on the estimated packet clock), where they close.
    const startClock = (): void => {
      if (period === undefined || tick !== undefined) return;
      tick = clock.everyWindowEnd(period, 0, (t) => {
        for (const e of engines) emit(e.advance(t));
      });
    };

    const sub = source.subscribe({
      next: (packet) => {
        const t = packet.timestampMs ?? clock.now();
        clock.seen(t);
        try {
          for (const e of engines) emit(e.observe(packet, t));
        } catch (err) {
          // a user's `where` threw
          subscriber.error(err);
          return;
        }
        startClock();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      sub.unsubscribe();
      tick?.unsubscribe();
    };
  });
}
