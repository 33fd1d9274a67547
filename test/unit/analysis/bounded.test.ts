import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import type { SharkTank } from '../../../src/core/shark-tank';
import { BoundedStats, bounded } from '../../../src/rx/bounded';
import { capturePacketsPull, capturePull } from '../../../src/core/pull/capture-pull';
import { pcapngOf } from './packet-fixtures';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

test('bounded(2, drop-oldest) keeps the latest of a burst and counts the drops (marble)', () => {
  const stats = new BoundedStats();
  const dropped: string[] = [];
  scheduler().run(({ hot, expectObservable }) => {
    expectObservable(hot('(abcde) 5ms f|').pipe(bounded(2, 'drop-oldest', { stats, onDrop: (x) => dropped.push(x) })))
      .toBe('(de) 8ms f|');
  });
  assert.deepEqual(dropped, ['a', 'b', 'c']);
  assert.equal(stats.dropped, 3);
  assert.equal(stats.delivered, 3);
  assert.equal(stats.maxQueued, 2);
  assert.equal(stats.queued, 0);
});

test('bounded(2, drop-newest) keeps the first of a burst (marble)', () => {
  const stats = new BoundedStats();
  scheduler().run(({ hot, expectObservable }) => {
    expectObservable(hot('(abcde)|').pipe(bounded(2, 'drop-newest', { stats }))).toBe('(ab) 3ms |');
  });
  assert.equal(stats.dropped, 3);
});

test('bounded passes items spread in time unchanged, and errors at once (marble)', () => {
  const stats = new BoundedStats();
  scheduler().run(({ hot, expectObservable }) => {
    expectObservable(hot('a-b-c-d|').pipe(bounded(1, 'drop-oldest', { stats }))).toBe('a-b-c-d|');
    expectObservable(hot('(ab#)').pipe(bounded(5, 'drop-oldest'))).toBe('#');
  });
  assert.equal(stats.dropped, 0);
  assert.throws(() => bounded(0, 'drop-oldest'), /integer >= 1/);
  assert.throws(() => bounded(1, 'drop-all' as 'drop-oldest'), /policy/);
});

/** A tank whose one capture is driven by the test: it records pauses and resumes. */
function scriptedTank(log: string[]): { tank: SharkTank; handlers: () => CaptureHandlers } {
  let current: CaptureHandlers | undefined;
  const tank: SharkTank = {
    description: 'scripted',
    targets: () => Promise.resolve([]),
    clear: () => undefined,
    openCapture(_target, _options, handlers): CaptureSession {
      current = handlers;
      log.push('open');
      return {
        stop(): Promise<CaptureEnd> {
          log.push('stop');
          handlers.onEnd({ kind: 'stopped' });
          return Promise.resolve({ kind: 'stopped' });
        },
        pause: () => log.push('pause'),
        resume: () => log.push('resume'),
      };
    },
  };
  return { tank, handlers: () => current! };
}

/** The value of an iteration step that must not be the end. */
function valueOf<T>(r: IteratorResult<T>): T {
  if (r.done === true) throw new Error('the iteration ended early');
  return r.value;
}

test('capturePull pauses the session above the high-water mark and resumes at the low one', async () => {
  const log: string[] = [];
  const { tank, handlers } = scriptedTank(log);
  const pull = capturePull(tank, { name: 'x', type: 'proc' }, {}, { highWaterMark: 300, lowWaterMark: 100 });
  const first = pull.next();
  const h = handlers();
  for (let i = 0; i < 5; i++) h.onChunk(Buffer.alloc(100, i));
  assert.deepEqual(log, ['open', 'pause'], 'paused once 400 bytes wait (the first chunk was handed to the waiting next)');
  assert.equal(valueOf(await first)[0], 0);
  const got: number[] = [];
  for (let i = 0; i < 3; i++) got.push(valueOf(await pull.next())[0]!);
  assert.deepEqual(log, ['open', 'pause', 'resume'], 'resumed at 100 bytes waiting');
  h.onEnd({ kind: 'completed' });
  for await (const chunk of pull) got.push(chunk[0]!);
  assert.deepEqual(got, [1, 2, 3, 4]);
  assert.deepEqual(pull.stats, { pauses: 1, resumes: 1, maxQueuedBytes: 500 });
});

test('capturePull ends with the capture\'s error, and break stops the capture', async () => {
  const log: string[] = [];
  const { tank, handlers } = scriptedTank(log);
  const failing = capturePull(tank, { name: 'x', type: 'proc' });
  const pending = failing.next();
  handlers().onEnd({ kind: 'error', error: new Error('lost') });
  await assert.rejects(pending, /lost/);

  const stopping = capturePull(tank, { name: 'x', type: 'proc' });
  const next = stopping.next();
  handlers().onChunk(Buffer.from([1]));
  handlers().onChunk(Buffer.from([2]));
  await next;
  for await (const _ of stopping) break;
  assert.equal(log.at(-1), 'stop');
  assert.throws(() => capturePull(tank, { name: 'x', type: 'proc' }, {}, { highWaterMark: 10, lowWaterMark: 20 }), /lowWaterMark/);
});

test('capturePacketsPull parses the pulled chunks into packets, however they are cut', async () => {
  const { tank, handlers } = scriptedTank([]);
  const bytes = pcapngOf([{ ms: 1 }, { ms: 2 }, { ms: 3 }]);
  const pull = capturePacketsPull(tank, { name: 'x', type: 'proc' });
  const first = pull.next();
  const h = handlers();
  for (let i = 0; i < bytes.length; i += 7) h.onChunk(bytes.subarray(i, i + 7));
  h.onEnd({ kind: 'completed' });
  const times = [valueOf(await first).timestampMs];
  for await (const p of pull) times.push(p.timestampMs);
  assert.deepEqual(times, [1, 2, 3]);
});
