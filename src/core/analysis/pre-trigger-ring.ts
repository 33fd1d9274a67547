// The recent past kept by preTrigger: a ring bounded by age, by count and by bytes, so a quiet
// trigger never lets memory grow with the traffic.

export interface PreTriggerLimits {
  /** keep what is at most this many ms older than the newest item */
  readonly maxAgeMs?: number;
  /** keep at most this many items */
  readonly maxItems?: number;
  /** keep at most this many bytes (sum of item sizes); default 64 MiB */
  readonly maxBytes?: number;
}

export const DEFAULT_PRE_TRIGGER_MAX_BYTES = 64 * 1024 * 1024;

interface Entry<T> {
  readonly item: T;
  readonly timeMs: number;
  readonly bytes: number;
}

/** Items in arrival order; the oldest leave first when a bound is exceeded. */
export class PreTriggerRing<T> {
  readonly #maxAgeMs: number;
  readonly #maxItems: number;
  readonly #maxBytes: number;
  #entries: Entry<T>[] = [];
  /** index of the oldest entry still kept (entries before it are dropped lazily) */
  #head = 0;
  #bytes = 0;
  #newestMs = -Infinity;
  /** items that left because a bound was exceeded */
  evicted = 0;

  constructor(limits: PreTriggerLimits) {
    this.#maxAgeMs = limits.maxAgeMs ?? Infinity;
    this.#maxItems = limits.maxItems ?? Infinity;
    this.#maxBytes = limits.maxBytes ?? DEFAULT_PRE_TRIGGER_MAX_BYTES;
    for (const [key, value] of [['maxAgeMs', this.#maxAgeMs], ['maxItems', this.#maxItems], ['maxBytes', this.#maxBytes]] as const) {
      if (Number.isNaN(value) || value < 0) throw new RangeError(`pre-trigger ring: ${key} must be >= 0, got ${value}`);
    }
  }

  get size(): number {
    return this.#entries.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Adds an item captured at `timeMs` of `bytes` size, then drops what no longer fits. */
  push(item: T, timeMs: number, bytes: number): void {
    this.#entries.push({ item, timeMs, bytes });
    this.#bytes += bytes;
    if (timeMs > this.#newestMs) this.#newestMs = timeMs;
    this.#trim();
  }

  /** Everything kept, oldest first; the ring is empty afterwards. */
  drain(): T[] {
    const items = this.#entries.slice(this.#head).map((e) => e.item);
    this.clear();
    return items;
  }

  clear(): void {
    this.#entries = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#newestMs = -Infinity;
  }

  #trim(): void {
    const oldestAllowed = this.#newestMs - this.#maxAgeMs;
    while (this.size > 0) {
      const oldest = this.#entries[this.#head]!;
      const tooMany = this.size > this.#maxItems;
      const tooBig = this.#bytes > this.#maxBytes;
      if (!tooMany && !tooBig && oldest.timeMs >= oldestAllowed) break;
      this.#head++;
      this.#bytes -= oldest.bytes;
      this.evicted++;
    }
    // Compact now and then so the dropped prefix does not pin memory.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
