// mergeCaptures: several packet streams (captures of several targets and hosts, or replays) as
// one time-ordered stream whose interfaces are named `node/target/interface`; toPcapng() of it
// gives one file with one interface block per source interface.

import { Observable, asyncScheduler } from 'rxjs';
import type { Observer, SchedulerLike, Subscription } from 'rxjs';
import { InterfaceRenamer, MergedPacket } from '../core/analysis/merge-interface';
import { MergeWindow } from '../core/analysis/merge-window';
import type { Released } from '../core/analysis/merge-window';
import type { Packet } from '../core/pcapng';

export interface MergeCapturesOptions {
  /** reordering window in ms (default 1000): how much the sources' timestamps may disagree */
  readonly windowMs?: number;
  /** most packets held at once; beyond it the oldest leaves early (default 100 000) */
  readonly maxBuffered?: number;
  /** the clock of the idle flush (default asyncScheduler) */
  readonly scheduler?: SchedulerLike;
}

interface FromSource {
  readonly packet: Packet;
  readonly source: number;
}

/**
 * Merges packet streams into one, ordered by timestamp within a bounded window:
 * a packet is held until a packet at least `windowMs` newer has arrived from any source, or
 * until no packet arrived for `windowMs` on the scheduler, or until every source has completed.
 * A packet older than one already emitted (a source lagging more than the window), or one
 * without a timestamp (SPB), is emitted at once with `late: true`; so the output is in order
 * except for packets flagged late. Each source interface is renamed `node/target/interface`
 * (see mergedInterfaceName). Any source's error is the output's error (the others are stopped);
 * wrap a source in catchError to let the rest go on.
 */
export function mergeCaptures(sources: readonly Observable<Packet>[], options: MergeCapturesOptions = {}): Observable<MergedPacket> {
  const windowMs = options.windowMs ?? 1000;
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`mergeCaptures: windowMs must be >= 0, got ${windowMs}`);
  const scheduler = options.scheduler ?? asyncScheduler;
  return new Observable<MergedPacket>((subscriber) => {
    const window = new MergeWindow<FromSource>({ windowNs: BigInt(Math.round(windowMs * 1e6)), maxBuffered: options.maxBuffered });
    const renamer = new InterfaceRenamer();
    let active = sources.length;
    let lastArrival = 0;
    let idleCheck: Subscription | undefined;

    const emit = (released: Released<FromSource>[]): void => {
      for (const { item, late } of released) {
        const { packet, source } = item;
        subscriber.next(new MergedPacket(packet.block, renamer.interfaceOf(packet.iface), source, late));
      }
    };
    // Held packets go out once nothing arrived for a whole window (the sources went quiet).
    const armIdleCheck = (): void => {
      if (idleCheck !== undefined || window.size === 0) return;
      const due = Math.max(0, lastArrival + windowMs - scheduler.now());
      idleCheck = scheduler.schedule(() => {
        idleCheck = undefined;
        if (scheduler.now() - lastArrival >= windowMs) emit(window.flush());
        armIdleCheck();
      }, due);
    };

    const subscriptions: Subscription[] = [];
    const observer = (source: number): Partial<Observer<Packet>> => ({
      next: (packet) => {
        lastArrival = scheduler.now();
        emit(window.push({ packet, source }, packet.timestampNs));
        armIdleCheck();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        if (--active > 0) return;
        emit(window.flush());
        subscriber.complete();
      },
    });
    // A source that fails at once ends the merge: the others are then not opened at all.
    sources.forEach((source$, source) => {
      if (!subscriber.closed) subscriptions.push(source$.subscribe(observer(source)));
    });
    if (sources.length === 0) subscriber.complete();
    return () => {
      for (const s of subscriptions) s.unsubscribe();
      idleCheck?.unsubscribe();
    };
  });
}
