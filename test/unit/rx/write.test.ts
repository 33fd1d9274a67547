// writeChunks: a capture's chunks into a Writable. Backpressure pauses the capture session beneath
// (also through other operators) and 'drain' resumes it; a failing output stops the capture
// gracefully and the stream then errors with OutputFailedError (its cause the writable's error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { lastValueFrom, map, toArray } from 'rxjs';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import { CaptureObservable } from '../../../src/rx/capture-observable';
import { OutputFailedError, writeChunks } from '../../../src/rx/write';

/** A session the test drives: push chunks, end it; records pause/resume/stop. */
function scripted() {
  const calls: string[] = [];
  let handlers: CaptureHandlers | undefined;
  const end = (e: CaptureEnd): void => handlers?.onEnd(e);
  const observable = new CaptureObservable((h): CaptureSession => {
    handlers = h;
    return {
      stop() {
        calls.push('stop');
        setImmediate(() => {
          handlers?.onChunk(Buffer.from('late')); // in flight
          end({ kind: 'stopped' });
        });
        return Promise.resolve({ kind: 'stopped' });
      },
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    };
  });
  return { calls, observable, push: (b: Buffer) => handlers?.onChunk(b), end };
}

test('a full writable pauses the capture beneath (through other operators), drain resumes it; what was written is passed on', async () => {
  const written: Buffer[] = [];
  let release: (() => void) | undefined;
  const slow = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _e, cb) {
      written.push(chunk);
      release = cb;
    },
  });
  const s = scripted();
  const out = lastValueFrom(s.observable.pipe(map((c) => c), writeChunks(slow), toArray()));
  s.push(Buffer.from('12345678'));
  assert.deepEqual(s.calls, ['pause']);
  release?.();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(s.calls, ['pause', 'resume']);
  s.push(Buffer.from('ab'));
  s.end({ kind: 'completed' });
  assert.deepEqual((await out).map(String), ['12345678', 'ab']);
  assert.equal(slow.writableEnded, false, 'the writable is the caller\'s: not ended');
});

test('a failing writable stops the capture gracefully, drops what still arrives, then errors with OutputFailedError', async () => {
  const failing = new Writable({
    write(_c, _e, cb) {
      cb(Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }));
    },
  });
  failing.on('error', () => undefined);
  const s = scripted();
  const seen: string[] = [];
  const done = new Promise<unknown>((resolve) => {
    s.observable.pipe(writeChunks(failing)).subscribe({ next: (c) => seen.push(String(c)), error: resolve, complete: () => resolve('completed') });
  });
  s.push(Buffer.from('first'));
  const error = await done;
  assert.ok(error instanceof OutputFailedError, String(error));
  assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOSPC');
  // a paused session (the failed write may have said 'full') reads on so that its stop can complete
  assert.deepEqual(s.calls.slice(-2), ['resume', 'stop']);
  assert.deepEqual(seen, ['first'], 'the chunk in flight after the failure is dropped');
});

test('an output closed while the capture runs is an OutputFailedError without a cause', async () => {
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  const s = scripted();
  const done = new Promise<unknown>((resolve) => {
    s.observable.pipe(writeChunks(sink)).subscribe({ error: resolve, complete: () => resolve('completed') });
  });
  s.push(Buffer.from('x'));
  sink.destroy();
  const error = await done;
  assert.ok(error instanceof OutputFailedError);
  assert.equal(error.cause, undefined);
  assert.match(error.message, /closed before the capture ended/);
});
