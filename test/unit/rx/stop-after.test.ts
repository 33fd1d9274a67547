import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import type { CaptureEnd, CaptureHandlers } from '../../../src/core/capture-source';
import { CaptureObservable } from '../../../src/rx/capture-observable';
import { stopAfter } from '../../../src/rx/stop-after';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

test('stopAfter completes a plain stream after the duration (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a-b-c-d-e-f|');
    const subs = '       ^----!';
    expectObservable(source.pipe(stopAfter(5))).toBe('a-b-c|');
    expectSubscriptions(source.subscriptions).toBe(subs);
  });
});

test('stopAfter rejects a negative duration', () => {
  assert.throws(() => stopAfter(-1), /duration in ms >= 0/);
});

/**
 * A capture session driven by the test scheduler: emits a chunk every 2 frames; a stop
 * request takes 1 frame to be acknowledged, during which one more chunk still arrives.
 */
function scriptedCapture(ts: TestScheduler, log: string[]): CaptureObservable {
  return new CaptureObservable((handlers: CaptureHandlers) => {
    let n = 0;
    let stopping: Promise<CaptureEnd> | undefined;
    const tick = ts.schedule(function () {
      handlers.onChunk(Buffer.from([n++]));
      this.schedule(undefined, 2);
    }, 2);
    return {
      stop() {
        log.push(`stop@${ts.now()}`);
        stopping ??= new Promise<CaptureEnd>((resolve) => {
          ts.schedule(() => {
            handlers.onChunk(Buffer.from([0xff])); // in flight before the close echo
            tick.unsubscribe();
            handlers.onEnd({ kind: 'stopped' });
            resolve({ kind: 'stopped' });
          }, 1);
        });
        return stopping;
      },
      pause() {},
      resume() {},
    };
  });
}

test('stopAfter on a capture stops gracefully and still delivers data in flight', () => {
  const ts = scheduler();
  const log: string[] = [];
  ts.run(({ expectObservable }) => {
    const chunks = scriptedCapture(ts, log).pipe(stopAfter(5, ts));
    // The stop is requested at 5 and acknowledged at 6; the chunk due at 6 and the one in
    // flight both arrive before completion.
    expectObservable(chunks).toBe('--a-b-(cd|)', {
      a: Buffer.from([0]),
      b: Buffer.from([1]),
      c: Buffer.from([2]),
      d: Buffer.from([0xff]),
    });
  });
  assert.deepEqual(log, ['stop@5']);
});

test('unsubscribing a capture performs the graceful stop once', () => {
  const ts = scheduler();
  const log: string[] = [];
  ts.run(({ expectObservable }) => {
    const chunks = scriptedCapture(ts, log);
    expectObservable(chunks, '^--!').toBe('--a', { a: Buffer.from([0]) });
  });
  assert.deepEqual(log, ['stop@3']);
});

test('an opener that throws errors the subscriber instead of throwing', () => {
  const failing = new CaptureObservable((): never => {
    throw new Error('no such target');
  });
  let seen: unknown;
  failing.subscribe({
    error: (e: unknown) => {
      seen = e;
    },
  });
  assert.ok(seen instanceof Error && /no such target/.test(seen.message));
});
