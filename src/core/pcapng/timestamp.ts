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
