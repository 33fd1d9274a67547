// The packet clock while no packet arrives: the newest packet's timestamp plus the scheduler time
// since it arrived. alertWhen closes its windows on it during silence, and windowStats does with
// `closeOnSilence`; both tick at the ends of their windows (tumbling-windows.ts' grid) on it.

import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { windowStartOf } from '../core/analysis/tumbling-windows';

export class EstimatedPacketClock {
  #lastTime: number | undefined;
  #lastArrival = 0;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** A packet of time `t` (ms) arrived now. */
  seen(t: number): void {
    if (this.#lastTime === undefined || t > this.#lastTime) this.#lastTime = t;
    this.#lastArrival = this.scheduler.now();
  }

  /** Packet time now, as estimated (before any packet: the scheduler's time). */
  now(): number {
    return (this.#lastTime ?? 0) + (this.scheduler.now() - this.#lastArrival);
  }

  /**
   * Calls `fn` with the estimated packet time at each end of a window of `ms` on this clock, `lagMs`
   * after it (for packets still in flight), from the next end on. Unsubscribe to stop.
   */
  everyWindowEnd(ms: number, lagMs: number, fn: (packetTime: number) => void): Subscription {
    const packetTime = (): number => this.now();
    const now = packetTime();
    return this.scheduler.schedule(function (this: SchedulerAction<undefined>) {
      fn(packetTime());
      this.schedule(undefined, ms);
    }, windowStartOf(now, ms) + ms + lagMs - now);
  }
}
