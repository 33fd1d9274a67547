// CaptureRun, the one core primitive every face runs a capture with: onEnd exactly once and
// nothing after it, a throwing opener is the run's end (never a throw), stop() idempotent and
// graceful.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureRun } from '../../../src/core/capture-source';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';

function recorder() {
  const seen: string[] = [];
  const handlers: CaptureHandlers = {
    onChunk: (c) => seen.push(`chunk ${String(c)}`),
    onEnd: (e) => seen.push(`end ${e.kind}`),
  };
  return { seen, handlers };
}

test('onEnd once, no chunk after it; ended settles with the first end', async () => {
  const { seen, handlers } = recorder();
  let h: CaptureHandlers | undefined;
  const run = new CaptureRun((given) => {
    h = given;
    return { stop: () => Promise.resolve({ kind: 'stopped' }), pause() {}, resume() {} };
  }, handlers);
  h?.onChunk(Buffer.from('a'));
  h?.onEnd({ kind: 'completed' });
  h?.onChunk(Buffer.from('late'));
  h?.onEnd({ kind: 'error', error: new Error('late') });
  assert.deepEqual(seen, ['chunk a', 'end completed']);
  assert.deepEqual(await run.ended, { kind: 'completed' });
  assert.deepEqual(await run.stop(), { kind: 'completed' }, 'stop after the end only returns the end');
});

test('a throwing opener ends the run with its error, synchronously', async () => {
  const { seen, handlers } = recorder();
  const run = new CaptureRun(() => {
    throw new Error('no such target');
  }, handlers);
  assert.deepEqual(seen, ['end error']);
  const end = await run.ended;
  assert.ok(end.kind === 'error' && /no such target/.test(end.error.message));
});

test('stop() is graceful and idempotent: the session is asked once, data in flight still arrives', async () => {
  const { seen, handlers } = recorder();
  const calls: string[] = [];
  let h: CaptureHandlers | undefined;
  const run = new CaptureRun((given): CaptureSession => {
    h = given;
    return {
      stop() {
        calls.push('stop');
        setImmediate(() => {
          h?.onChunk(Buffer.from('in flight'));
          h?.onEnd({ kind: 'stopped' });
        });
        return new Promise<CaptureEnd>(() => undefined);
      },
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    };
  }, handlers);
  const a = run.stop();
  const b = run.stop();
  assert.equal(run.stopRequested, true);
  assert.deepEqual(await a, { kind: 'stopped' });
  assert.equal(await b, await a);
  assert.deepEqual(calls, ['stop']);
  assert.deepEqual(seen, ['chunk in flight', 'end stopped']);
});
