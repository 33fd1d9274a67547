// Continuous capture ("follow"): one target's capture that survives the target going away and
// coming back under the same name (a restarted container, a re-created namespace). Reconnection
// waits with capped exponential backoff on an RxJS scheduler (so virtual time controls it in
// tests); each resumed capture starts a new pcapng section whose SHB carries a comment naming the
// gap. Errors retrying cannot fix (HTTP 401/403/404, a bad filter, missing privilege) end it at
// once with a CaptureFollowError that says why; so do the max-attempts and give-up-after bounds.

import { NEVER, Observable, Subject, asyncScheduler, defer, exhaustMap, filter, from, merge, retry, switchMap, take, tap, throwError, timer } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../core/capture-source';
import { describeTarget } from '../core/describe-target';
import { TargetNotFoundError, asError } from '../core/errors';
import { checkFollowBackoff, followBackoffDelayMs } from '../core/follow/backoff';
import type { FollowBackoff } from '../core/follow/backoff';
import { PcapngBlockAligner } from '../core/follow/block-aligner';
import { CaptureFollowError, TargetLeftError } from '../core/follow/errors';
import { followGapComment, withShbComment } from '../core/follow/gap';
import { targetLeftReason, targetsNamedLike } from '../core/follow/match';
import { followVerdict } from '../core/follow/policy';
import type { SharkTank } from '../core/shark-tank';
import { isBareTarget, targetToJSON } from '../core/target';
import type { CaptureOptions, Target } from '../core/target';
import { CaptureObservable } from './capture-observable';

export const DEFAULT_FOLLOW_MAX_ATTEMPTS = 100;
export const DEFAULT_FOLLOW_GIVE_UP_AFTER_MS = 60 * 60 * 1000;
export const DEFAULT_FOLLOW_WATCH_INTERVAL_MS = 5000;

/** The bounds of reconnection: how long to wait between attempts and when to give up. */
export interface FollowRetryOptions {
  readonly backoff: FollowBackoff;
  /** where the delays run; default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** failed reconnection attempts in a row before giving up; default 100 (0 = never reconnect) */
  readonly maxAttempts?: number;
  /** give up once the capture has been down this long, in ms; default one hour */
  readonly giveUpAfterMs?: number;
}

export interface FollowOptions extends FollowRetryOptions {
  /**
   * how often discovery is asked (tank.clear(); tank.targets()) whether the captured target is
   * still the one under its name, in ms; default 5000; 0 = never (then only a capture that ends
   * shows that the target went away)
   */
  readonly watchIntervalMs?: number;
  /** told what following does, e.g. for status lines */
  readonly onEvent?: (event: FollowEvent) => void;
}

export type FollowEvent =
  /** a capture delivers its first bytes, with no gap before it */
  | { readonly type: 'capturing'; readonly target: Target }
  /** a running capture ended in a way that is retried */
  | { readonly type: 'lost'; readonly target: Target; readonly error: Error }
  /** reconnection attempt `attempt` starts after `delayMs` */
  | { readonly type: 'retrying'; readonly attempt: number; readonly delayMs: number; readonly error: Error }
  /** a capture delivers its first bytes after a gap; `comment` is the one put into its SHB */
  | { readonly type: 'resumed'; readonly target: Target; readonly gapMs: number; readonly comment: string }
  /** following stopped for good */
  | { readonly type: 'gave-up'; readonly error: CaptureFollowError };


function checkBounds(options: FollowRetryOptions): { maxAttempts: number; giveUpAfterMs: number } {
  checkFollowBackoff(options.backoff);
  const maxAttempts = options.maxAttempts ?? DEFAULT_FOLLOW_MAX_ATTEMPTS;
  const giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_FOLLOW_GIVE_UP_AFTER_MS;
  if (!(maxAttempts >= 0) || (Number.isFinite(maxAttempts) && !Number.isInteger(maxAttempts))) throw new RangeError(`follow: maxAttempts must be an integer >= 0 (or Infinity), got ${maxAttempts}`);
  if (!(giveUpAfterMs > 0)) throw new RangeError(`follow: giveUpAfterMs must be > 0, got ${giveUpAfterMs}`);
  return { maxAttempts, giveUpAfterMs };
}

/**
 * Resubscribes to the source after errors that followVerdict deems retryable, after
 * backoff.initialMs, then growing by backoff.factor up to backoff.maxMs. A value from the source
 * (the capture runs again) resets the count and the give-up clock. Errors with CaptureFollowError
 * (the last error as its cause) when an error is not retryable or a bound is reached.
 */
export function followRetry<T>(
  options: FollowRetryOptions & { readonly target?: string; readonly onRetry?: (attempt: number, delayMs: number, error: Error) => void },
): MonoTypeOperatorFunction<T> {
  const { maxAttempts, giveUpAfterMs } = checkBounds(options);
  const what = options.target ?? 'the target';
  return (source) =>
    defer(() => {
      const scheduler = options.scheduler ?? asyncScheduler;
      let downSince: number | undefined;
      let attempts = 0;
      return source.pipe(
        tap(() => {
          downSince = undefined;
          attempts = 0;
        }),
        retry({
          delay: (error: unknown) => {
            const last = asError(error);
            const verdict = followVerdict(error);
            if (!verdict.retry) return throwError(() => new CaptureFollowError('not-retryable', what, attempts, verdict.why, { cause: error }));
            const now = scheduler.now();
            downSince ??= now;
            if (attempts >= maxAttempts) {
              return throwError(() => new CaptureFollowError('max-attempts', what, attempts, `${attempts} reconnection attempts failed (the limit); last error: ${last.message}`, { cause: error }));
            }
            if (now - downSince >= giveUpAfterMs) {
              return throwError(() => new CaptureFollowError('give-up-after', what, attempts, `the capture has been down for ${now - downSince!} ms (the limit is ${giveUpAfterMs} ms); last error: ${last.message}`, { cause: error }));
            }
            attempts++;
            const delayMs = followBackoffDelayMs(options.backoff, attempts);
            options.onRetry?.(attempts, delayMs, last);
            return timer(delayMs, scheduler);
          },
        }),
      );
    });
}

/**
 * A followed capture of `target` (bare or discovered) as pcapng chunks that hold whole blocks.
 * Unsubscribing, `stopAfter` and `stop()` stop it gracefully, also while it waits to reconnect.
 */
export function captureFollow(tank: SharkTank, target: Target, options: CaptureOptions, follow: FollowOptions): CaptureObservable {
  checkBounds(follow);
  const watchIntervalMs = follow.watchIntervalMs ?? DEFAULT_FOLLOW_WATCH_INTERVAL_MS;
  if (!(watchIntervalMs >= 0) || !Number.isFinite(watchIntervalMs)) throw new RangeError(`follow: watchIntervalMs must be a finite number >= 0, got ${watchIntervalMs}`);
  return new CaptureObservable((handlers) => new FollowRun(tank, target, options, { ...follow, watchIntervalMs }, handlers).session);
}

class FollowRun {
  readonly session: CaptureSession;
  readonly #scheduler: SchedulerLike;
  readonly #stop$ = new Subject<void>();
  readonly #ended: Promise<CaptureEnd>;
  #resolveEnded!: (end: CaptureEnd) => void;
  #finished = false;
  #stopping = false;
  #paused = false;
  #current: CaptureSession | undefined;
  #subscription: Subscription | undefined;
  /** the target to find again: as given, then as last captured (complete) */
  #wanted: Target;
  #attempt = 0;
  /** when and why the last running capture ended, until a resumed one marks the gap */
  #lastEnd: { at: number; reason: string } | undefined;

  constructor(
    private readonly tank: SharkTank,
    target: Target,
    private readonly options: CaptureOptions,
    private readonly follow: FollowOptions & { watchIntervalMs: number },
    private readonly handlers: CaptureHandlers,
  ) {
    this.#wanted = target;
    this.#scheduler = follow.scheduler ?? asyncScheduler;
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.session = {
      stop: () => this.#stop(),
      pause: () => {
        this.#paused = true;
        this.#current?.pause();
      },
      resume: () => {
        this.#paused = false;
        this.#current?.resume();
      },
    };
    const pipeline = defer(() => this.#attemptOnce()).pipe(
      followRetry({
        ...follow,
        target: describeTarget(target),
        onRetry: (attempt, delayMs, error) => follow.onEvent?.({ type: 'retrying', attempt, delayMs, error }),
      }),
    );
    this.#subscription = pipeline.subscribe({
      next: (chunk) => handlers.onChunk(chunk),
      error: (error: unknown) => {
        if (error instanceof CaptureFollowError) follow.onEvent?.({ type: 'gave-up', error });
        this.#finish({ kind: 'error', error: asError(error) });
      },
      complete: () => this.#finish(this.#stopping ? { kind: 'stopped' } : { kind: 'completed' }),
    });
    if (this.#finished) this.#subscription.unsubscribe();
  }

  #stop(): Promise<CaptureEnd> {
    if (this.#finished || this.#stopping) return this.#ended;
    this.#stopping = true;
    if (this.#current) {
      // A running capture stops gracefully; its last blocks still arrive before the end.
      this.#stop$.next();
    } else {
      // Waiting to reconnect (or discovering): nothing in flight.
      this.#subscription?.unsubscribe();
      this.#finish({ kind: 'stopped' });
    }
    return this.#ended;
  }

  #finish(end: CaptureEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#current = undefined;
    this.#resolveEnded(end);
    this.handlers.onEnd(end);
  }

  #attemptOnce(): Observable<Buffer> {
    const first = this.#attempt++ === 0;
    return from(this.#resolve(first)).pipe(switchMap((target) => this.#captureOf(target)));
  }

  /** The target to capture now: a discovered one as given; else found (again) by its name. */
  async #resolve(first: boolean): Promise<Target> {
    if (first && !isBareTarget(this.#wanted)) return this.#wanted;
    if (!first) this.tank.clear();
    const named = targetsNamedLike(this.#wanted, await this.tank.targets());
    const [found] = named;
    if (named.length !== 1 || found === undefined) throw new TargetNotFoundError(targetToJSON(this.#wanted), named.length);
    return found;
  }

  /** One capture of `target`: whole blocks; errors with TargetLeftError when the target left. */
  #captureOf(target: Target): Observable<Buffer> {
    return new Observable<Buffer>((subscriber) => {
      const aligner = new PcapngBlockAligner();
      let delivering = false;
      let left: string | undefined;
      const failed = (error: Error): void => {
        this.#current = undefined;
        if (delivering) {
          this.#lastEnd = { at: this.#scheduler.now(), reason: error.message };
          this.follow.onEvent?.({ type: 'lost', target, error });
        }
        subscriber.error(error);
      };
      const watch = this.#watch(target).pipe(tap((reason) => (left = reason)));
      const capture = new CaptureObservable((handlers) => {
        const session = this.tank.openCapture(target, this.options, handlers);
        this.#current = session;
        if (this.#paused) session.pause();
        return session;
      }).stopWhen(merge(watch, this.#stop$));
      const inner = capture.subscribe({
        next: (chunk) => {
          try {
            let blocks = aligner.push(chunk);
            if (blocks.length === 0) return;
            if (!delivering) {
              delivering = true;
              blocks = this.#markStart(target, blocks);
            }
            subscriber.next(blocks);
          } catch (error) {
            failed(asError(error));
          }
        },
        error: (error: unknown) => failed(asError(error)),
        complete: () => {
          this.#current = undefined;
          if (this.#stopping) return subscriber.complete();
          const describe = describeTarget(target);
          if (left !== undefined) return failed(new TargetLeftError(describe, left));
          // It ended by itself: for good only if the target is still there.
          void this.#leftReason(target).then((reason) => {
            if (reason === undefined || this.#stopping) subscriber.complete();
            else failed(new TargetLeftError(describe, `the capture ended and ${reason}`));
          });
        },
      });
      return () => inner.unsubscribe();
    });
  }

  /** The first whole blocks of a capture: after a gap, its SHB gets the gap comment. */
  #markStart(target: Target, blocks: Buffer): Buffer {
    this.#wanted = target;
    const lastEnd = this.#lastEnd;
    if (!lastEnd) {
      this.follow.onEvent?.({ type: 'capturing', target });
      return blocks;
    }
    this.#lastEnd = undefined;
    const gapMs = this.#scheduler.now() - lastEnd.at;
    const comment = followGapComment({ gapMs, endedAt: new Date(lastEnd.at), reason: lastEnd.reason });
    const marked = withShbComment(blocks, comment);
    this.follow.onEvent?.({ type: 'resumed', target, gapMs, comment });
    return marked;
  }

  /** Emits (once) why the captured target left, polling discovery every watchIntervalMs. */
  #watch(target: Target): Observable<string> {
    const every = this.follow.watchIntervalMs;
    if (every <= 0 || !target.netns) return NEVER;
    return timer(every, every, this.#scheduler).pipe(
      exhaustMap(() => from(this.#leftReason(target))),
      filter((reason): reason is string => reason !== undefined),
      take(1),
    );
  }

  /** Why the target left, or undefined while it is there (or discovery cannot tell right now). */
  async #leftReason(target: Target): Promise<string | undefined> {
    try {
      this.tank.clear();
      return targetLeftReason(target, await this.tank.targets());
    } catch {
      return undefined;
    }
  }
}

/**
 * The same tank, but every capture it opens is followed: for callers that work with sessions
 * rather than Observables (the csharg command, the Node-RED capture node).
 */
export function followingTank(tank: SharkTank, follow: FollowOptions): SharkTank {
  checkBounds(follow);
  const watchIntervalMs = follow.watchIntervalMs ?? DEFAULT_FOLLOW_WATCH_INTERVAL_MS;
  if (!(watchIntervalMs >= 0) || !Number.isFinite(watchIntervalMs)) throw new RangeError(`follow: watchIntervalMs must be a finite number >= 0, got ${watchIntervalMs}`);
  return {
    description: tank.description,
    targets: () => tank.targets(),
    clear: () => tank.clear(),
    openCapture: (target, options, handlers) => new FollowRun(tank, target, options, { ...follow, watchIntervalMs }, handlers).session,
  };
}
