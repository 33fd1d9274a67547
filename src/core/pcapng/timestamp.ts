// Timestamp units of an interface (if_tsresol, if_tsoffset), turned once per interface into what
// the per-packet conversions need: a divisor for milliseconds as a number, and an exact path to
// nanoseconds as a bigint.

const NS_PER_SECOND = 1_000_000_000n;

export interface TimestampScale {
  /** the if_tsresol byte */
  readonly tsresol: number;
  /** if_tsoffset, seconds */
  readonly offsetSeconds: bigint;
  /** timestamp units per millisecond, as a number (may be fractional) */
  readonly unitsPerMs: number;
  readonly offsetMs: number;
}

/** Resolution and offset of an interface. */
export function timestampScale(tsresol: number, offsetSeconds: bigint): TimestampScale {
  const exponent = tsresol & 0x7f;
  const unitsPerSecond = (tsresol & 0x80) !== 0 ? 2 ** exponent : 10 ** exponent;
  return { tsresol, offsetSeconds, unitsPerMs: unitsPerSecond / 1000, offsetMs: Number(offsetSeconds) * 1000 };
}

/** Milliseconds since the epoch; exact to what a double holds. */
export function timestampMs(scale: TimestampScale, high: number, low: number): number {
  return (high * 4294967296 + low) / scale.unitsPerMs + scale.offsetMs;
}

/** Exact nanoseconds since the epoch (truncated when the unit is finer than a nanosecond). */
export function timestampNs(scale: TimestampScale, high: number, low: number): bigint {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const exponent = BigInt(scale.tsresol & 0x7f);
  let ns: bigint;
  if ((scale.tsresol & 0x80) !== 0) ns = (units * NS_PER_SECOND) >> exponent;
  else if (exponent <= 9n) ns = units * 10n ** (9n - exponent);
  else ns = units / 10n ** (exponent - 9n);
  return ns + scale.offsetSeconds * NS_PER_SECOND;
}

/** An ISO 8601 UTC time with all nine fraction digits, e.g. `2026-11-30T09:53:44.652720275Z`. */
export function isoTimeNs(ns: bigint): string {
  const seconds = ns / NS_PER_SECOND;
  const fraction = ns - seconds * NS_PER_SECOND;
  // A negative remainder (times before 1970) borrows a second, so that the fraction reads forwards.
  const [whole, frac] = fraction < 0n ? [seconds - 1n, fraction + NS_PER_SECOND] : [seconds, fraction];
  const iso = new Date(Number(whole) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}
