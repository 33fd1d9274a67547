// One alert rule's windows (threshold, rate of change): the analysis' one tumbling-window engine
// (tumbling-windows.ts: windows at multiples of their length since the epoch, one window standing
// for a gap) with each window's packets, bytes and latest evidence packets.

import { AlertEvidence } from './alert-evidence';
import type { WindowMetric } from './alert-types';
import { TumblingWindows } from './tumbling-windows';
import type { WindowAccumulator, WindowBounds } from './tumbling-windows';

export interface ClosedWindow<P> {
  readonly start: number;
  readonly end: number;
  readonly packets: number;
  readonly bytes: number;
  readonly evidence: readonly P[];
  /**
   * The window began before the first packet the rule saw (the first window, unless that packet
   * came right at its start): its counts cover only part of it, so they are lower bounds.
   */
  readonly partial: boolean;
}

export function metricOf(w: ClosedWindow<unknown>, metric: WindowMetric, windowMs: number): number {
  switch (metric) {
    case 'packets':
      return w.packets;
    case 'bytes':
      return w.bytes;
    case 'pps':
      return (w.packets * 1000) / windowMs;
    case 'bps':
      return (w.bytes * 8 * 1000) / windowMs;
  }
}

/** Packets, bytes and evidence of the open window (the engine's accumulator for alerts). */
class AlertWindowAccumulator<P extends { readonly originalLength: number }> implements WindowAccumulator<P, ClosedWindow<P>> {
  #packets = 0;
  #bytes = 0;
  readonly #evidence: AlertEvidence<P>;
  /** time of the first packet: a window that began before it is partial */
  firstAt = Infinity;

  constructor(evidence: number) {
    this.#evidence = new AlertEvidence<P>(evidence);
  }

  get empty(): boolean {
    return this.#packets === 0;
  }

  add(packet: P): void {
    this.#packets++;
    this.#bytes += packet.originalLength;
    this.#evidence.add(packet);
  }

  close(bounds: WindowBounds): ClosedWindow<P> {
    const w = { start: bounds.start, end: bounds.end, packets: this.#packets, bytes: this.#bytes, evidence: this.#evidence.list(), partial: bounds.start < this.firstAt };
    this.#packets = 0;
    this.#bytes = 0;
    this.#evidence.clear();
    return w;
  }
}

export class AlertWindows<P extends { readonly originalLength: number }> {
  readonly #windows: TumblingWindows;
  readonly #acc: AlertWindowAccumulator<P>;
  #closed: ClosedWindow<P>[] = [];
  readonly #close = (bounds: WindowBounds): void => {
    this.#closed.push(this.#acc.close(bounds));
  };

  constructor(
    readonly windowMs: number,
    evidence: number,
  ) {
    this.#windows = new TumblingWindows(windowMs, { gaps: 'one' });
    this.#acc = new AlertWindowAccumulator<P>(evidence);
  }

  /** Counts a packet at `timeMs` (after closing the windows that ended before it); the first packet opens the windows. */
  add(packet: P, timeMs: number): ClosedWindow<P>[] {
    if (!this.#windows.started) this.#acc.firstAt = timeMs;
    const closed = this.#move(timeMs);
    this.#acc.add(packet);
    return closed;
  }

  /** Closes the windows that ended by `timeMs`: the current one, and one standing for any gap. */
  advance(timeMs: number): ClosedWindow<P>[] {
    return this.#windows.started ? this.#move(timeMs) : [];
  }

  #move(timeMs: number): ClosedWindow<P>[] {
    this.#windows.advance(timeMs, this.#close);
    if (this.#closed.length === 0) return [];
    const closed = this.#closed;
    this.#closed = [];
    return closed;
  }
}
