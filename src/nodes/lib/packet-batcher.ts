// Batches of items for one message each: a batch goes out when it holds `maxItems`, or `maxMs`
// after its first item, whichever comes first; flush() sends what is left (at the end).

export interface BatcherOptions {
  /** items per batch; 0 = no count limit */
  readonly maxItems: number;
  /** ms from a batch's first item to its sending; 0 = no time limit */
  readonly maxMs: number;
}

export class Batcher<T> {
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: BatcherOptions,
    private readonly emit: (items: T[]) => void,
  ) {
    if (!(options.maxItems > 0) && !(options.maxMs > 0)) throw new RangeError('batches need a packet count or a time span above 0');
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.options.maxItems > 0 && this.#items.length >= this.options.maxItems) {
      this.flush();
      return;
    }
    if (this.options.maxMs > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.options.maxMs);
    }
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.emit(items);
  }

  /** drops what is pending without sending it */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#items = [];
  }
}
