// Tumbling windows on the packets' own clock: windows are aligned to multiples of their length
// since the epoch (so two operators with the same length agree), a packet from a later window
// closes the current one and every empty one in between (at most `maxEmptyWindows` of them: a jump
// further ahead, e.g. a clock step, skips the rest). A packet from before the current window (out of
// order, or without a timestamp) is counted in the current window: windows are never reopened.

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

export class PacketClockWindows {
  /** start of the current window; undefined before the first packet */
  start: number | undefined = undefined;

  constructor(
    readonly ms: number,
    readonly maxEmptyWindows = DEFAULT_MAX_EMPTY_WINDOWS,
  ) {}

  /** Moves to the window holding time t, closing the windows before it (`close` is called for each). */
  advance(t: number, close: (bounds: WindowBounds) => void): void {
    const ms = this.ms;
    const at = Math.floor(t / ms) * ms;
    if (this.start === undefined) {
      this.start = at;
      return;
    }
    if (at <= this.start) return;
    close({ start: this.start, end: this.start + ms, durationMs: ms, complete: true });
    const empties = Math.min(this.maxEmptyWindows, Math.round((at - this.start) / ms) - 1);
    for (let i = 1; i <= empties; i++) {
      const s = this.start + i * ms;
      close({ start: s, end: s + ms, durationMs: ms, complete: true });
    }
    this.start = at;
  }

  /** The current window at the end of the stream (undefined before the first packet). */
  last(): WindowBounds | undefined {
    return this.start === undefined ? undefined : { start: this.start, end: this.start + this.ms, durationMs: this.ms, complete: false };
  }
}
