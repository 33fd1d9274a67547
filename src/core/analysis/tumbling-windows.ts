// The one tumbling-window engine of the analysis: windowStats and topTalkers (rx/stats.ts), the
// packet-stats node through them, and the threshold and rate-of-change alert rules
// (alert-window-rules.ts) all cut time into windows here.
//
// Where windows start: at the multiples of their length since the epoch, on whichever clock cuts
// them (the packets' timestamps, or a scheduler's clock): window k is [k·ms, (k+1)·ms). Chosen
// because then windows do not depend on when a stream, a subscription or a node happened to start:
// a stats window and an alert window of the same length are the same span of time (a chart and the
// alert beside it agree), a replay gives the windows the live capture gave, a redeployed node or a
// resubscribed operator picks up the same grid, and the captures of several targets line up
// window by window. The price is that the first window usually began before the first packet: it is
// emitted by the statistics like any other (its counts are what was seen), and the alert rules that
// would misread a partial window (`below`, rate of change) leave it out (see AlertWindowAccumulator).
//
// Time moves on with each packet (or a clock tick): a time in a later window closes the current one
// and the empty windows in between, either each of them (statistics: at most `maxEmptyWindows`, a
// jump further ahead, e.g. a clock step, skips the rest) or one window standing for the whole gap
// (alerts: one alert per gap, not one per empty window). A time before the current window (out of
// order, or without a timestamp) counts in the current window: windows are never reopened.

export interface WindowBounds {
  /** ms since the epoch (packet clock) or scheduler time */
  readonly start: number;
  readonly end: number;
  readonly durationMs: number;
  /** false for the last window, cut short because the stream ended */
  readonly complete: boolean;
}

/** What a windowed statistic keeps between packets. */
export interface WindowAccumulator<P, R> {
  add(packet: P): void;
  /** the window's result; the accumulator starts afresh */
  close(bounds: WindowBounds): R;
  /** whether anything was added since the last close */
  readonly empty: boolean;
}

export const DEFAULT_MAX_EMPTY_WINDOWS = 1000;

export function assertWindowLength(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name}: expected a window length in ms > 0, got ${ms}`);
}

/** Start of the window of length `ms` that holds time `t` (the rule in the file comment). */
export function windowStartOf(t: number, ms: number): number {
  return Math.floor(t / ms) * ms;
}

export interface TumblingWindowOptions {
  /** 'each' (default): every empty window of a gap is closed on its own; 'one': one window spans the gap */
  readonly gaps?: 'each' | 'one';
  /** with gaps 'each': at most this many empty windows for one gap (default 1000) */
  readonly maxEmptyWindows?: number;
}

export class TumblingWindows {
  /** start of the current window; undefined before the first time seen */
  start: number | undefined = undefined;
  readonly maxEmptyWindows: number;
  readonly #oneGapWindow: boolean;

  constructor(
    readonly ms: number,
    options: TumblingWindowOptions = {},
  ) {
    this.maxEmptyWindows = options.maxEmptyWindows ?? DEFAULT_MAX_EMPTY_WINDOWS;
    this.#oneGapWindow = options.gaps === 'one';
  }

  get started(): boolean {
    return this.start !== undefined;
  }

  /**
   * Moves to the window holding time t (opening the first one when none is open), closing the
   * windows before it: `close` is called for each, oldest first.
   */
  advance(t: number, close: (bounds: WindowBounds) => void): void {
    const ms = this.ms;
    const at = windowStartOf(t, ms);
    const start = this.start;
    if (start === undefined) {
      this.start = at;
      return;
    }
    if (at <= start) return;
    close({ start, end: start + ms, durationMs: ms, complete: true });
    const gapStart = start + ms;
    if (this.#oneGapWindow) {
      if (at > gapStart) close({ start: gapStart, end: at, durationMs: at - gapStart, complete: true });
    } else {
      const empties = Math.min(this.maxEmptyWindows, Math.round((at - start) / ms) - 1);
      for (let i = 1; i <= empties; i++) {
        const s = start + i * ms;
        close({ start: s, end: s + ms, durationMs: ms, complete: true });
      }
    }
    this.start = at;
  }

  /** The current window at the end of the stream (undefined before the first packet). */
  last(): WindowBounds | undefined {
    return this.start === undefined ? undefined : { start: this.start, end: this.start + this.ms, durationMs: this.ms, complete: false };
  }
}
