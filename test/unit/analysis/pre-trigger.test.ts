import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { Subject, throwError } from 'rxjs';
import { PreTriggerRing } from '../../../src/core/analysis/pre-trigger-ring';
import { preTrigger } from '../../../src/rx/pre-trigger';
import type { Packet } from '../../../src/core/pcapng';
import { packetsOf } from './packet-fixtures';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** Packets a..h, each timestamped at its frame in the marble `a----b----c...` (every 5 ms). */
function lettered(): Record<string, Packet> {
  const letters = 'abcdefgh';
  const packets = packetsOf([...letters].map((_, i) => ({ ms: i * 5, payload: 10 + i })));
  return Object.fromEntries([...letters].map((l, i) => [l, packets[i]!]));
}

const SOURCE = 'a----b----c----d----e----f----g----h|';

test('preTrigger emits the ring (last N packets) at the trigger, then live for postSeconds, then buffers again (marble)', () => {
  const v = lettered();
  scheduler().run(({ hot, expectObservable }) => {
    const source = hot<Packet>(SOURCE, v);
    const trigger = hot('16ms x');
    expectObservable(source.pipe(preTrigger({ packets: 2 }, trigger, { postSeconds: 0.012 })))
      .toBe('16ms (cd) e 4ms f 10ms |', v);
  });
});

test('preTrigger bounds the ring by age against the newest packet (marble)', () => {
  const v = lettered();
  scheduler().run(({ hot, expectObservable }) => {
    const source = hot<Packet>(SOURCE, v);
    const trigger = hot('16ms x');
    // seconds 0.006: at the trigger d (15 ms) is newest; c (10 ms) is within 6 ms, b (5 ms) is not.
    expectObservable(source.pipe(preTrigger({ seconds: 0.006 }, trigger, { postSeconds: 0.002 })))
      .toBe('16ms (cd) 16ms |', v);
  });
});

test('preTrigger re-arms after the live phase, and a trigger during it extends it (marble)', () => {
  const v = lettered();
  scheduler().run(({ hot, expectObservable }) => {
    const source = hot<Packet>(SOURCE, v);
    // 6: the ring {a,b} goes out; live until 11, extended by the trigger at 8 to 13 (c passes at
    // 10); d and e are buffered (c passed live, so it is not in the ring); the trigger at 21
    // emits them, f passes live until 26, g and h are buffered and dropped at the end.
    const trigger = hot('6ms x 1ms y 12ms z');
    expectObservable(source.pipe(preTrigger({ packets: 3 }, trigger, { postSeconds: 0.005 })))
      .toBe('6ms (ab) c 10ms (de) f 10ms |', v);
  });
});

test('preTrigger passes the trigger\'s error on and drops an untriggered ring at the end', () => {
  const v = lettered();
  scheduler().run(({ hot, expectObservable }) => {
    expectObservable(hot<Packet>('a-b|', v).pipe(preTrigger({ packets: 5 }, hot('-'), { postSeconds: 1 }))).toBe('---|');
    expectObservable(hot<Packet>('a-b-c', v).pipe(preTrigger({ packets: 5 }, hot('---#', undefined, new Error('boom')), { postSeconds: 1 }))).toBe('---#', undefined, new Error('boom'));
  });
});

test('preTrigger rejects spans without a bound and negative times', () => {
  const trigger = new Subject<void>();
  assert.throws(() => preTrigger({}, trigger, { postSeconds: 1 }), /seconds, packets or both/);
  assert.throws(() => preTrigger({ seconds: -1 }, trigger, { postSeconds: 1 }), /seconds >= 0/);
  assert.throws(() => preTrigger({ packets: 1.5 }, trigger, { postSeconds: 1 }), /integer >= 0/);
  assert.throws(() => preTrigger({ packets: 1 }, trigger, { postSeconds: Number.NaN }), /postSeconds/);
});

test('PreTriggerRing keeps within count, age and byte bounds, oldest out first', () => {
  const ring = new PreTriggerRing<number>({ maxItems: 3, maxAgeMs: 100, maxBytes: 250 });
  for (let i = 0; i < 10; i++) ring.push(i, i * 10, 50);
  assert.deepEqual(ring.drain(), [7, 8, 9]);
  assert.equal(ring.evicted, 7);
  assert.equal(ring.size, 0);
  for (let i = 0; i < 4; i++) ring.push(i, 0, 100);
  assert.deepEqual(ring.drain(), [2, 3], 'the byte cap keeps two items of 100 under 250');
  ring.push(1, 0, 1);
  ring.push(2, 150, 1);
  assert.deepEqual(ring.drain(), [2], 'an item 150 ms older than the newest is past maxAgeMs 100');
  assert.throws(() => new PreTriggerRing({ maxItems: -1 }), /maxItems must be >= 0/);
});

test('PreTriggerRing stays bounded over a long stream (compaction)', () => {
  const ring = new PreTriggerRing<number>({ maxItems: 10 });
  for (let i = 0; i < 100_000; i++) ring.push(i, i, 1);
  assert.equal(ring.size, 10);
  assert.equal(ring.bytes, 10);
  assert.deepEqual(ring.drain(), Array.from({ length: 10 }, (_, i) => 99_990 + i));
});

test('preTrigger does not subscribe to the source when the trigger fails at once (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold<Packet>('a|', lettered());
    const failure = new Error('trigger failed');
    expectObservable(source.pipe(preTrigger({ packets: 1 }, throwError(() => failure), { postSeconds: 1 }))).toBe('#', undefined, failure);
    expectSubscriptions(source.subscriptions).toBe([]);
  });
});
