// A windowed operator pipeline for a node: packets go into a Subject; the pipeline is completed
// (emitting the window still open) on flush(), or when no packet came for `idleMs`, so that the
// last window of a replay or of a quiet capture is not held back; the next packet starts afresh.
// Windows are on packet time and aligned to multiples of the window length, so a restart does not
// shift them.
import { Subject } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { DecodedPacket } from '../../core/decode';

export class WindowPipeline<R> {
  #subject: Subject<DecodedPacket> | undefined;
  #subscription: Subscription | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly build: (packets: Observable<DecodedPacket>) => Observable<R>,
    private readonly emit: (result: R) => void,
    private readonly onError: (err: unknown) => void,
    private readonly idleMs: number,
  ) {}

  /** Whether a pipeline is running: packets were pushed since the last flush, stop or error. */
  get running(): boolean {
    return this.#subject !== undefined;
  }

  push(packets: readonly DecodedPacket[]): void {
    if (packets.length === 0) return;
    if (!this.#subject) {
      const subject = new Subject<DecodedPacket>();
      this.#subject = subject;
      this.#subscription = this.build(subject).subscribe({ next: this.emit, error: (err: unknown) => {
        this.#drop();
        this.onError(err);
      } });
    }
    for (const p of packets) this.#subject?.next(p);
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.flush(), this.idleMs);
  }

  /** No flush on a pause: someone else closes the windows on time (packet-stats on a live capture). */
  cancelIdle(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  /** Completes the pipeline: the open window is emitted. */
  flush(): void {
    const subject = this.#subject;
    this.#drop();
    subject?.complete();
  }

  /** Ends without emitting (on close). */
  stop(): void {
    this.#subscription?.unsubscribe();
    this.#drop();
  }

  #drop(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#subject = undefined;
  }
}
