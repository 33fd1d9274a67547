// The latest relevant packets of a rule (or of one source): a fixed ring, so evidence costs at
// most `limit` references however long the rule runs.

export class AlertEvidence<P> {
  readonly #ring: (P | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly limit: number) {
    this.#ring = new Array<P | undefined>(limit);
  }

  add(packet: P): void {
    if (this.limit === 0) return;
    this.#ring[this.#next] = packet;
    this.#next = (this.#next + 1) % this.limit;
    if (this.#size < this.limit) this.#size++;
  }

  /** oldest first */
  list(): P[] {
    const out: P[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#ring[(this.#next - this.#size + i + this.limit) % this.limit] as P);
    return out;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
