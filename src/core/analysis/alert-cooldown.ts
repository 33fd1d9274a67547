// Cooldown of a rule (or of one key, e.g. a scanning source): after an alert, the same key stays
// silent for a while; what it would have said is counted and reported with its next alert.

export class AlertCooldown {
  /** key -> packet time until which it is silent, and alerts swallowed meanwhile */
  readonly #until = new Map<string, { until: number; suppressed: number }>();

  constructor(
    readonly cooldownMs: number,
    /** most keys remembered (the oldest are forgotten first) */
    private readonly maxKeys = 100_000,
  ) {}

  /** Whether `key` may alert at `timeMs`; if not, the attempt is counted. */
  allows(key: string, timeMs: number): boolean {
    const entry = this.#until.get(key);
    if (entry === undefined || timeMs >= entry.until) return true;
    entry.suppressed++;
    return false;
  }

  /** Records an alert of `key` at `timeMs`; returns how many were suppressed since the previous one. */
  fired(key: string, timeMs: number): number {
    const suppressed = this.#until.get(key)?.suppressed ?? 0;
    this.#until.delete(key);
    if (this.cooldownMs > 0) {
      this.#until.set(key, { until: timeMs + this.cooldownMs, suppressed: 0 });
      if (this.#until.size > this.maxKeys) this.#until.delete(this.#until.keys().next().value!);
    }
    return suppressed;
  }
}
