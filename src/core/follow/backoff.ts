// The reconnection schedule of a followed capture: capped exponential backoff. Deterministic (no
// jitter) so that a schedule can be stated, tested with virtual time and read back in logs.

/** Delay before reconnection attempt n: min(maxMs, initialMs * factor^(n-1)). */
export interface FollowBackoff {
  /** delay before the first attempt, in ms (> 0) */
  readonly initialMs: number;
  /** the cap, in ms (>= initialMs) */
  readonly maxMs: number;
  /** growth per attempt (>= 1) */
  readonly factor: number;
}

/** Throws RangeError naming the bad field; returns the backoff unchanged when it is usable. */
export function checkFollowBackoff(backoff: FollowBackoff): FollowBackoff {
  const { initialMs, maxMs, factor } = backoff;
  if (!Number.isFinite(initialMs) || initialMs <= 0) throw new RangeError(`follow backoff: initialMs must be a finite number > 0, got ${initialMs}`);
  if (!Number.isFinite(maxMs) || maxMs < initialMs) throw new RangeError(`follow backoff: maxMs must be finite and >= initialMs (${initialMs}), got ${maxMs}`);
  if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`follow backoff: factor must be a finite number >= 1, got ${factor}`);
  return backoff;
}

/** The delay before attempt `attempt` (1 = the first reconnection attempt), in whole ms. */
export function followBackoffDelayMs(backoff: FollowBackoff, attempt: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`follow backoff: attempt must be an integer >= 1, got ${attempt}`);
  // factor^(attempt-1) overflows to Infinity for long outages; the cap keeps the result finite.
  return Math.round(Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (attempt - 1)));
}
