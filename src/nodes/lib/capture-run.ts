// One running capture of the edgeshark-capture node: the library's cold capture Observable
// (src/rx) of a target, with the library's stop operators for its stop conditions (stopAfter,
// stopAfterPackets, stopAfterBytes: the same definitions as the csharg command's and a library
// user's pipe), and its output as messages in the chosen form. Stops are graceful: what is in
// flight still arrives (beyond a packet or byte limit it is cut off, at a block boundary), then
// the run ends. A stop message or a redeploy is the capture's own `stop` notifier.
// (Named CaptureNodeRun to tell it from core's CaptureRun, the capture session it runs on.)
import { Subject, identity, tap } from 'rxjs';
import type { MonoTypeOperatorFunction, Subscription } from 'rxjs';
import { packetOf } from '../../core/pcapng';
import type { Block } from '../../core/pcapng';
import type { SharkTank } from '../../core/shark-tank';
import type { CaptureOptions, Target } from '../../core/target';
import { stopAfterBytes, stopAfterPackets } from '../../rx/limits';
import { pcapngBlocks } from '../../rx/pcapng';
import { capture } from '../../rx/shark-tank';
import { stopAfter } from '../../rx/stop-after';
import type { OutputMode, StopConditions } from './capture-settings';
import { Batcher } from './packet-batcher';
import { blockPayload, packetPayload } from './packet-message';
import type { PacketPayload } from './packet-message';
import type { NodeMessage } from './node-red-api';
import { targetLabel } from './target-kind';
import { asError } from '../../core/errors';

export interface StopOperators {
  readonly duration: MonoTypeOperatorFunction<Buffer>;
  readonly packets: MonoTypeOperatorFunction<Buffer>;
  readonly bytes: MonoTypeOperatorFunction<Buffer>;
}

/** The library's stop operators for the node's stop conditions (0 = not set: identity), on pcapng chunks. */
export function stopOperators(stop: StopConditions): StopOperators {
  return {
    duration: stop.durationMs > 0 ? stopAfter<Buffer>(stop.durationMs) : identity,
    packets: stop.packets > 0 ? stopAfterPackets<Buffer>(stop.packets) : identity,
    bytes: stop.bytes > 0 ? stopAfterBytes<Buffer>(stop.bytes) : identity,
  };
}

export interface CaptureNodeRunOptions {
  readonly tank: SharkTank;
  readonly target: Target;
  readonly options: CaptureOptions;
  readonly stop: StopConditions;
  readonly output: OutputMode;
  readonly batchPackets: number;
  readonly batchMs: number;
  readonly send: (msg: NodeMessage) => void;
  /** the first bytes arrived: the capture runs */
  readonly onCapturing?: () => void;
}

export interface CaptureTotals {
  /** packets sent on so far (for the status) */
  packets: number;
}

export class CaptureNodeRun {
  readonly totals: CaptureTotals = { packets: 0 };
  /** resolves when the capture has ended: undefined, or the error that ended it */
  readonly ended: Promise<Error | undefined>;
  readonly label: string;
  readonly #stop$ = new Subject<void>();
  readonly #subscription: Subscription;
  #stopping = false;

  constructor(private readonly o: CaptureNodeRunOptions) {
    this.label = targetLabel(o.target);
    const batcher = o.output === 'batches'
      ? new Batcher<PacketPayload>({ maxItems: o.batchPackets, maxMs: o.batchMs }, (payload) => this.#send(payload))
      : undefined;
    const stops = stopOperators(o.stop);
    let started = false;
    let resolveEnded!: (err: Error | undefined) => void;
    this.ended = new Promise((resolve) => { resolveEnded = resolve; });
    this.#subscription = capture(o.tank, o.target, { ...o.options, stop: this.#stop$ })
      .pipe(
        tap(() => {
          if (!started) {
            started = true;
            o.onCapturing?.();
          }
        }),
        stops.duration,
        stops.packets,
        stops.bytes,
        tap((chunk) => {
          if (o.output === 'chunks') this.#send(chunk);
        }),
        pcapngBlocks(),
      )
      .subscribe({
        next: (block) => this.#onBlock(block, batcher),
        error: (err: unknown) => {
          batcher?.flush();
          resolveEnded(asError(err));
        },
        complete: () => {
          batcher?.flush();
          resolveEnded(undefined);
        },
      });
  }

  #send(payload: unknown): void {
    const { target } = this.o;
    this.o.send({
      topic: this.label,
      payload,
      target: { name: target.name, type: target.type, ...(target.prefix ? { prefix: target.prefix } : {}) },
    });
  }

  #onBlock(block: Block, batcher: Batcher<PacketPayload> | undefined): void {
    const packet = packetOf(block);
    const { output } = this.o;
    if (packet) this.totals.packets++;
    if (output === 'blocks') this.#send(blockPayload(block, packet));
    else if (packet && output === 'packets') this.#send(packetPayload(packet));
    else if (packet && batcher) batcher.add(packetPayload(packet));
  }

  /** Asks for the graceful stop; resolves with the end. */
  stop(): Promise<Error | undefined> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#stop$.next();
    }
    return this.ended;
  }

  /** Stops gracefully, but gives up waiting after `ms` and drops the subscription (still a stop). */
  async close(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, ms); });
    await Promise.race([this.stop().then(() => undefined), late]);
    clearTimeout(timer);
    this.#subscription.unsubscribe();
  }
}
