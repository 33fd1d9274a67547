// The ordering core of mergeCaptures: a bounded reordering window over packets from several
// sources. Items wait (in a min-heap by timestamp) until the newest timestamp seen is `windowNs`
// past theirs, until nothing arrived for a window's time, or until the end; an item older than
// what was already released goes out at once, flagged late.

export interface MergeWindowOptions {
  /** how far (ns) the newest timestamp must be past an item's before it is released */
  readonly windowNs: bigint;
  /** most items held at once; beyond it the oldest is released early (default 100 000) */
  readonly maxBuffered?: number;
}

export interface Released<T> {
  readonly item: T;
  /** older than an item released before it (or without a timestamp): out of order */
  readonly late: boolean;
}

interface Held<T> {
  readonly item: T;
  readonly ts: bigint;
  /** arrival order: ties keep it */
  readonly seq: number;
}

export const DEFAULT_MERGE_MAX_BUFFERED = 100_000;

function before<T>(a: Held<T>, b: Held<T>): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

/** Binary min-heap of held items (by timestamp, then arrival). */
class HeldHeap<T> {
  readonly #a: Held<T>[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): Held<T> | undefined {
    return this.#a[0];
  }

  push(h: Held<T>): void {
    const a = this.#a;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): Held<T> | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}

export class MergeWindow<T> {
  readonly #windowNs: bigint;
  readonly #maxBuffered: number;
  readonly #heap = new HeldHeap<T>();
  #seq = 0;
  /** newest timestamp pushed */
  #newest: bigint | undefined;
  /** timestamp of the last item released in order: anything older is late */
  #watermark: bigint | undefined;
  /** items released flagged late, so far */
  late = 0;

  constructor(options: MergeWindowOptions) {
    if (options.windowNs < 0n) throw new RangeError(`merge window: windowNs must be >= 0, got ${options.windowNs}`);
    const max = options.maxBuffered ?? DEFAULT_MERGE_MAX_BUFFERED;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`merge window: maxBuffered must be an integer >= 1, got ${max}`);
    this.#windowNs = options.windowNs;
    this.#maxBuffered = max;
  }

  get size(): number {
    return this.#heap.size;
  }

  /** Adds an item with its timestamp (ns; null = none); returns what is due now, in order. */
  push(item: T, ts: bigint | null): Released<T>[] {
    if (ts === null || (this.#watermark !== undefined && ts < this.#watermark)) {
      this.late++;
      return [{ item, late: true }];
    }
    this.#heap.push({ item, ts, seq: this.#seq++ });
    if (this.#newest === undefined || ts > this.#newest) this.#newest = ts;
    const out: Released<T>[] = [];
    this.#releaseUpTo(this.#newest - this.#windowNs, out);
    while (this.#heap.size > this.#maxBuffered) this.#releaseTop(out);
    return out;
  }

  /** Everything held, in order (nothing arrived for a while, or every source ended). */
  flush(): Released<T>[] {
    const out: Released<T>[] = [];
    while (this.#heap.size > 0) this.#releaseTop(out);
    return out;
  }

  #releaseUpTo(limit: bigint, out: Released<T>[]): void {
    for (let top = this.#heap.peek(); top !== undefined && top.ts <= limit; top = this.#heap.peek()) this.#releaseTop(out);
  }

  #releaseTop(out: Released<T>[]): void {
    const top = this.#heap.pop();
    if (top === undefined) return;
    this.#watermark = top.ts;
    out.push({ item: top.item, late: false });
  }
}
