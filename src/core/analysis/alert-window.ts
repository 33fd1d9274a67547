// Consecutive windows of packet time for the threshold and rate-of-change rules. The first window
// starts at the first packet (so no window is partial); a run of empty windows after a gap is
// reported as one empty window (they are all alike, and one alert per gap is what is wanted).

import { AlertEvidence } from './alert-evidence';
import type { WindowMetric } from './alert-types';

export interface ClosedWindow<P> {
  readonly start: number;
  readonly end: number;
  readonly packets: number;
  readonly bytes: number;
  readonly evidence: readonly P[];
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

export class AlertWindows<P> {
  #start: number | undefined;
  #packets = 0;
  #bytes = 0;
  readonly #evidence: AlertEvidence<P>;

  constructor(
    readonly windowMs: number,
    evidence: number,
  ) {
    this.#evidence = new AlertEvidence<P>(evidence);
  }

  /** Counts a packet at `timeMs` (after closing the windows that ended before it). */
  add(packet: P, bytes: number, timeMs: number): ClosedWindow<P>[] {
    if (this.#start === undefined) this.#start = timeMs;
    const closed = this.advance(timeMs);
    this.#packets++;
    this.#bytes += bytes;
    this.#evidence.add(packet);
    return closed;
  }

  /** Closes the windows that ended by `timeMs`: the current one, and one standing for any gap. */
  advance(timeMs: number): ClosedWindow<P>[] {
    const start = this.#start;
    if (start === undefined || timeMs < start + this.windowMs) return [];
    const w = this.windowMs;
    const closed: ClosedWindow<P>[] = [{ start, end: start + w, packets: this.#packets, bytes: this.#bytes, evidence: this.#evidence.list() }];
    const windowsPassed = Math.floor((timeMs - start) / w);
    if (windowsPassed >= 2) closed.push({ start: start + w, end: start + windowsPassed * w, packets: 0, bytes: 0, evidence: [] });
    this.#start = start + windowsPassed * w;
    this.#packets = 0;
    this.#bytes = 0;
    this.#evidence.clear();
    return closed;
  }
}
