import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catchError, of, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { CaptureConnectionLostError, CaptureHandshakeError } from '../../src/core/capture-errors';
import { checkFollowBackoff, followBackoffDelayMs } from '../../src/core/follow/backoff';
import { CaptureFollowError } from '../../src/core/follow/errors';
import { followRetry } from '../../src/rx/follow';

const ctx = { target: 'docker "web"', url: 'ws://host/capture' };
const lost = new CaptureConnectionLostError(ctx, 'reset');
const backoff = { initialMs: 10, maxMs: 40, factor: 2 };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** The error as `code:reason` so that marbles can compare it. */
function described(error: unknown): string {
  return error instanceof CaptureFollowError ? `${error.code}:${error.reason}:${error.attempts}` : String(error);
}

test('followBackoffDelayMs grows by the factor and stops at the cap', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 60].map((n) => followBackoffDelayMs(backoff, n)), [10, 20, 40, 40, 40, 40]);
  assert.equal(followBackoffDelayMs({ initialMs: 100, maxMs: 30_000, factor: 1.5 }, 3), 225);
  // a huge attempt number overflows factor^n to Infinity; the cap still holds
  assert.equal(followBackoffDelayMs({ initialMs: 1, maxMs: 500, factor: 10 }, 10_000), 500);
});

test('checkFollowBackoff names the field that is wrong', () => {
  assert.throws(() => checkFollowBackoff({ initialMs: 0, maxMs: 10, factor: 2 }), /initialMs/);
  assert.throws(() => checkFollowBackoff({ initialMs: 20, maxMs: 10, factor: 2 }), /maxMs/);
  assert.throws(() => checkFollowBackoff({ initialMs: 1, maxMs: 10, factor: 0.5 }), /factor/);
  assert.throws(() => followBackoffDelayMs(backoff, 0), /attempt/);
  assert.throws(() => followRetry({ backoff, maxAttempts: -1 }), /maxAttempts/);
  assert.throws(() => followRetry({ backoff, giveUpAfterMs: 0 }), /giveUpAfterMs/);
});

test('followRetry resubscribes after 10, 20, 40, 40 ms and gives up after maxAttempts (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-#', undefined, lost);
    const result = source.pipe(followRetry({ backoff, maxAttempts: 4 }), catchError((e: unknown) => of(described(e))));
    expectObservable(result).toBe('115ms (x|)', { x: 'CAPTURE_FOLLOW_GAVE_UP:max-attempts:4' });
    expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '73ms ^!', '114ms ^!']);
  });
});

test('followRetry reports each attempt and its delay before waiting (marble)', () => {
  scheduler().run(({ cold, expectObservable, flush }) => {
    const retries: string[] = [];
    const source = cold('-#', undefined, lost);
    const result = source.pipe(
      followRetry({ backoff, maxAttempts: 3, onRetry: (attempt, delayMs) => retries.push(`${attempt}:${delayMs}`) }),
      catchError(() => of('gave up')),
    );
    expectObservable(result).toBe('74ms (g|)', { g: 'gave up' });
    flush();
    assert.deepEqual(retries, ['1:10', '2:20', '3:40']);
  });
});

test('followRetry starts the schedule anew once the source delivers again (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-a-#', { a: 'chunk' }, lost);
    // each run delivers a chunk, so every gap waits only the initial 10 ms
    expectObservable(source.pipe(followRetry({ backoff, maxAttempts: 1 }), take(3))).toBe('-a 12ms a 12ms (a|)', { a: 'chunk' });
    expectSubscriptions(source.subscriptions).toBe(['^--!', '13ms ^--!', '26ms ^!']);
  });
});

test('followRetry stops at once on HTTP 401 and says why (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('--#', undefined, new CaptureHandshakeError(ctx, 401, 'no', 'HTTP 401 Unauthorized'));
    const result = source.pipe(followRetry({ backoff }), catchError((e: unknown) => of(described(e))));
    expectObservable(result).toBe('--(x|)', { x: 'CAPTURE_FOLLOW_NOT_RETRYABLE:not-retryable:0' });
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('followRetry gives up once the capture has been down giveUpAfterMs (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('-#', undefined, lost);
    const result = source.pipe(followRetry({ backoff: { initialMs: 10, maxMs: 1000, factor: 2 }, maxAttempts: Infinity, giveUpAfterMs: 50 }), catchError((e: unknown) => of(described(e))));
    // down since frame 1; at frame 74 it has been down 73 ms >= 50
    expectObservable(result).toBe('74ms (x|)', { x: 'CAPTURE_FOLLOW_GAVE_UP:give-up-after:3' });
    expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!', '73ms ^!']);
  });
});

test('the give-up error carries the last capture error as its cause and names the target', () => {
  scheduler().run(({ cold, expectObservable, flush }) => {
    let caught: unknown;
    const source = cold('#', undefined, lost);
    const result = source.pipe(followRetry({ backoff, maxAttempts: 0, target: 'docker "web"' }), catchError((e: unknown) => {
      caught = e;
      return of('x');
    }));
    expectObservable(result).toBe('(x|)');
    flush();
    assert.ok(caught instanceof CaptureFollowError);
    assert.equal(caught.cause, lost);
    assert.match(caught.message, /following the capture of docker "web" stopped: 0 reconnection attempts failed/);
  });
});
