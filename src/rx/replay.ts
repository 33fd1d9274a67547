// replayPcapng: a pcapng file (or stream, or bytes) as the same Packet objects a live capture
// gives, paced by the file's timestamps on an RxJS scheduler, so flows and alerts run and are
// tested offline (a TestScheduler gives virtual time). The file is read as it is replayed: at
// most one chunk's packets wait at a time.

import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { Observable, asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { CshargError, asError } from '../core/errors';
import { PcapngFormatError, PcapngPacketReader } from '../core/pcapng';
import type { Packet, PcapngReaderOptions } from '../core/pcapng';

/** Reading or parsing the replayed file failed; `file` names it (`<stream>`/`<bytes>` otherwise). */
export class ReplayError extends CshargError {
  constructor(
    readonly file: string,
    /** REPLAY_READ: the file could not be read; REPLAY_FORMAT: it is not (valid) pcapng */
    override readonly code: 'REPLAY_READ' | 'REPLAY_FORMAT',
    cause: Error,
  ) {
    super(code, `replay of ${file}: ${cause.message}`, { cause });
  }
}

export interface ReplayOptions {
  /** 1 = as captured, n = n times faster, 'max' = as fast as the file can be read (default 1) */
  readonly speed?: number | 'max';
  /** the clock of the pacing (default asyncScheduler) */
  readonly scheduler?: SchedulerLike;
  /** names the source in errors when it is not a file path */
  readonly name?: string;
  readonly reader?: PcapngReaderOptions;
}

export type ReplaySource = string | Buffer | Readable | AsyncIterable<Buffer> | Iterable<Buffer>;

/** Pulls chunks one at a time, synchronously when the source allows it. */
type ChunkPuller = () => IteratorResult<Buffer> | Promise<IteratorResult<Buffer>>;

function openSource(source: ReplaySource): { pull: ChunkPuller; close: () => void } {
  if (Buffer.isBuffer(source)) {
    let done = false;
    return {
      pull: () => {
        if (done) return { done: true, value: undefined };
        done = true;
        return { done: false, value: source };
      },
      close: () => undefined,
    };
  }
  if (typeof source === 'string' || Symbol.asyncIterator in source) {
    const stream: AsyncIterable<Buffer> = typeof source === 'string' ? createReadStream(source) : source;
    const it = stream[Symbol.asyncIterator]();
    return {
      pull: () => it.next(),
      // return() destroys a stream being iterated (the file descriptor is closed).
      close: () => void it.return?.()?.catch(() => undefined),
    };
  }
  const it = source[Symbol.iterator]();
  return { pull: () => it.next(), close: () => void it.return?.() };
}

function describeSource(source: ReplaySource, name: string | undefined): string {
  if (name !== undefined) return name;
  if (typeof source === 'string') return source;
  return Buffer.isBuffer(source) ? '<bytes>' : '<stream>';
}


/**
 * The packets of a pcapng file (path), stream, chunk iterable or bytes, each subscription
 * reading anew. With a numeric speed the first packet comes at once and each later one when
 * (its timestamp - the first's) / speed has passed on the scheduler; packets whose time has
 * already come (out of order, or without a timestamp) come right after the one before. Errors
 * are ReplayErrors naming the file. Unsubscribing stops reading and closes the file.
 */
export function replayPcapng(source: ReplaySource, options: ReplayOptions = {}): Observable<Packet> {
  const speed = options.speed ?? 1;
  if (speed !== 'max' && (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0)) {
    throw new RangeError(`replayPcapng: speed must be a number > 0 or 'max', got ${String(speed)}`);
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  const name = describeSource(source, options.name);
  return new Observable<Packet>((subscriber) => {
    const { pull, close } = openSource(source);
    const reader = new PcapngPacketReader(options.reader);
    let queue: Packet[] = [];
    let head = 0;
    let closed = false;
    let pending: Subscription | undefined;
    /** scheduler time of the first packet, and its timestamp */
    let startAt = 0;
    let firstNs: bigint | undefined;

    const fail = (e: unknown): void => {
      const err = asError(e);
      closed = true;
      subscriber.error(err instanceof ReplayError ? err : new ReplayError(name, err instanceof PcapngFormatError ? 'REPLAY_FORMAT' : 'REPLAY_READ', err));
    };
    const delayOf = (p: Packet): number => {
      if (speed === 'max') return 0;
      const ns = p.timestampNs;
      if (ns === null) return 0;
      if (firstNs === undefined) {
        firstNs = ns;
        startAt = scheduler.now();
      }
      return Math.max(0, startAt + Number(ns - firstNs) / 1e6 / speed - scheduler.now());
    };
    /** a format error found in the current chunk: raised once the packets before it are out */
    let formatError: Error | undefined;
    const onChunk = (r: IteratorResult<Buffer>): boolean => {
      if (r.done) {
        reader.end();
        closed = true;
        subscriber.complete();
        return false;
      }
      queue = [];
      head = 0;
      try {
        reader.feed(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value), (p) => queue.push(p));
      } catch (e) {
        formatError = asError(e);
      }
      return true;
    };
    // Emits what is due, waits on the scheduler for what is not, reads when the queue is empty.
    const pump = (): void => {
      try {
        while (!closed) {
          if (head < queue.length) {
            const p = queue[head]!;
            const delay = delayOf(p);
            if (delay > 0) {
              pending = scheduler.schedule(() => {
                pending = undefined;
                head++;
                subscriber.next(p);
                pump();
              }, delay);
              return;
            }
            head++;
            subscriber.next(p);
            continue;
          }
          if (formatError !== undefined) throw formatError;
          const next = pull();
          if (next instanceof Promise) {
            next.then((r) => {
              if (closed) return;
              try {
                if (onChunk(r)) pump();
              } catch (e) {
                fail(e);
              }
            }, (e: unknown) => { if (!closed) fail(e); });
            return;
          }
          if (!onChunk(next)) return;
        }
      } catch (e) {
        fail(e);
      }
    };
    pump();
    return () => {
      closed = true;
      pending?.unsubscribe();
      close();
    };
  });
}
