// The stop conditions (duration, packet count, bytes of pcapng) over a scripted capture session
// driven by the test scheduler: each is graceful wherever it sits in the pipe (the captures beneath
// are asked to stop, what they still deliver arrives or is cut, then the stream completes), and on
// a plain stream (no capture beneath) completes at once like RxJS's take/takeUntil.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, from, lastValueFrom, map, merge, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../../../src/core/capture-source';
import { PcapngPacketReader, PcapngReader } from '../../../src/core/pcapng';
import { CaptureObservable } from '../../../src/rx/capture-observable';
import { stopAfterBytes, stopAfterPackets } from '../../../src/rx/limits';
import { packets, pcapngBlocks } from '../../../src/rx/pcapng';
import { capture } from '../../../src/rx/shark-tank';
import { stopAfter, stopWhen } from '../../../src/rx/stop-after';
import type { SharkTank } from '../../../src/core/shark-tank';
import { epb, idb, shb } from '../pcapng/build';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

const HEADER = Buffer.concat([shb(true), idb(true, 1, 65535)]);
const packet = (i: number): Buffer => epb(true, 0, BigInt(i), Buffer.alloc(20 + i, i));

/**
 * A capture session on the test scheduler: the header at frame 1, then one packet block every 2
 * frames; a stop is acknowledged 1 frame later, after one more packet that was in flight.
 */
function scriptedSession(ts: TestScheduler, log: string[], handlers: CaptureHandlers): CaptureSession {
  let n = 0;
  let stopping: Promise<CaptureEnd> | undefined;
  const header = ts.schedule(() => handlers.onChunk(HEADER), 1);
  const tick = ts.schedule(function () {
    handlers.onChunk(packet(n++));
    this.schedule(undefined, 2);
  }, 2);
  return {
    stop() {
      log.push(`stop@${ts.now()}`);
      stopping ??= new Promise<CaptureEnd>((resolve) => {
        ts.schedule(() => {
          handlers.onChunk(packet(100)); // in flight before the close echo
          tick.unsubscribe();
          header.unsubscribe();
          log.push(`end@${ts.now()}`);
          handlers.onEnd({ kind: 'stopped' });
          resolve({ kind: 'stopped' });
        }, 1);
      });
      return stopping;
    },
    pause() {},
    resume() {},
  };
}

function scriptedCapture(ts: TestScheduler, log: string[]): CaptureObservable {
  return new CaptureObservable((handlers) => scriptedSession(ts, log, handlers));
}

/** Subscribes inside ts.run and notes each value and the end with its frame. */
function record<T>(ts: TestScheduler, source: Observable<T>, show: (v: T) => string = String): string[] {
  const seen: string[] = [];
  source.subscribe({
    next: (v) => seen.push(`${ts.now()}:${show(v)}`),
    error: (e: unknown) => seen.push(`${ts.now()}:error ${String(e)}`),
    complete: () => seen.push(`${ts.now()}:complete`),
  });
  return seen;
}

function countPackets(chunks: Buffer[]): number {
  const reader = new PcapngPacketReader();
  const n = reader.push(Buffer.concat(chunks)).length;
  reader.end(); // throws when a cut split a block
  return n;
}

test('stopAfter further down the pipe (after packets() and map) stops the capture gracefully: the packet in flight still arrives', () => {
  const ts = scheduler();
  const log: string[] = [];
  ts.run(({ expectObservable }) => {
    const lengths = scriptedCapture(ts, log).pipe(packets(), map((p) => p.capturedLength), stopAfter(5, ts));
    // packets at 2 and 4 (lengths 20, 21); stop asked at 5; at 6 the due packet (22) and the one
    // in flight (120) still arrive, then the end.
    expectObservable(lengths).toBe('--a-b-(cd|)', { a: 20, b: 21, c: 22, d: 120 });
  });
  assert.deepEqual(log, ['stop@5', 'end@6']);
});

test('stopWhen(notifier) is graceful too, and completes at once on a plain stream (like takeUntil)', () => {
  const ts = scheduler();
  const log: string[] = [];
  ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
    const notifier = hot('-----x');
    expectObservable(scriptedCapture(ts, log).pipe(packets(), map((p) => p.capturedLength), stopWhen(notifier))).toBe('--a-b-(cd|)', { a: 20, b: 21, c: 22, d: 120 });
    const plain = cold('a-b-c-d-e|');
    expectObservable(plain.pipe(stopWhen(notifier))).toBe('a-b-c|');
    expectSubscriptions(plain.subscriptions).toBe('^----!');
  });
  assert.deepEqual(log, ['stop@5', 'end@6']);
});

const kindOf = (chunk: Buffer): string => (chunk.equals(HEADER) ? 'header' : `packet${chunk.readUInt32LE(16) === 100 ? 100 : chunk.readUInt32LE(16)}`);

test('stopAfterPackets on chunks: whole blocks up to the nth packet, the graceful stop asked for then, what arrives after dropped', () => {
  const ts = scheduler();
  const log: string[] = [];
  let seen: string[] = [];
  let out: Buffer[] = [];
  ts.run(() => {
    const chunks = scriptedCapture(ts, log).pipe(stopAfterPackets(2));
    seen = record(ts, chunks, kindOf);
    chunks.pipe(toArray()).subscribe((all) => (out = all));
  });
  // header at 1, packets at 2 and 4; the stop is asked at 4, the capture ends at 5 (its packet
  // in flight dropped): complete then.
  assert.deepEqual(seen, ['1:header', '2:packet0', '4:packet1', '5:complete']);
  assert.deepEqual(log, ['stop@4', 'stop@4', 'end@5', 'end@5']);
  assert.equal(countPackets(out), 2);
});

test('stopAfterPackets counts packets, not other blocks, wherever it sits (blocks, packets, anything)', async () => {
  const stream = Buffer.concat([HEADER, packet(0), packet(1), packet(2)]);
  const blocks = await lastValueFrom(from([stream]).pipe(pcapngBlocks(), stopAfterPackets(2), toArray()));
  assert.deepEqual(blocks.map((b) => b.kind), ['shb', 'idb', 'epb', 'epb']);
  const pk = await lastValueFrom(from([stream]).pipe(packets(), stopAfterPackets(1), toArray()));
  assert.equal(pk.length, 1);
  assert.deepEqual(await lastValueFrom(from([1, 2, 3]).pipe(stopAfterPackets(0), toArray())), []);
  // chunks split anywhere: still whole blocks, exactly two packets
  const bytes = [...stream].map((b) => Buffer.from([b]));
  assert.equal(countPackets(await lastValueFrom(from(bytes).pipe(stopAfterPackets(2), toArray()))), 2);
  assert.throws(() => stopAfterPackets(-1), RangeError);
});

test('stopAfterBytes on chunks: whole blocks within n bytes (headers always), cut at a block boundary, graceful stop', () => {
  const ts = scheduler();
  const log: string[] = [];
  const budget = HEADER.length + packet(0).length + packet(1).length + 3; // the third packet does not fit
  let seen: string[] = [];
  let out: Buffer[] = [];
  ts.run(() => {
    const chunks = scriptedCapture(ts, log).pipe(stopAfterBytes(budget));
    seen = record(ts, chunks, kindOf);
    chunks.pipe(toArray()).subscribe((all) => (out = all));
  });
  // the packet at 6 does not fit: the stop is asked then, the capture ends at 7, nothing more passes.
  assert.deepEqual(seen, ['1:header', '2:packet0', '4:packet1', '7:complete']);
  assert.deepEqual(log.slice(0, 2), ['stop@6', 'stop@6']);
  assert.equal(Buffer.concat(out).length, budget - 3);
});

test('stopAfterBytes on blocks and on a plain chunk stream; a budget smaller than the headers keeps just the headers', async () => {
  const stream = Buffer.concat([HEADER, packet(0), packet(1)]);
  const chunks = await lastValueFrom(from([stream]).pipe(stopAfterBytes(HEADER.length + packet(0).length), toArray()));
  assert.equal(Buffer.concat(chunks).length, HEADER.length + packet(0).length);
  const headersOnly = await lastValueFrom(from([stream]).pipe(stopAfterBytes(10), toArray()));
  assert.deepEqual(Buffer.concat(headersOnly), HEADER);
  const blocks = await lastValueFrom(from([stream]).pipe(pcapngBlocks(), stopAfterBytes(HEADER.length + packet(0).length + 1), toArray()));
  assert.deepEqual(blocks.map((b) => b.kind), ['shb', 'idb', 'epb']);
  // a stream that ends inside a block is passed on as it came
  const cutShort = stream.subarray(0, stream.length - 5);
  assert.deepEqual(Buffer.concat(await lastValueFrom(from([cutShort]).pipe(stopAfterBytes(1 << 20), toArray()))), cutShort);
  // not pcapng: the stream's error, not an exception elsewhere
  await assert.rejects(lastValueFrom(from([Buffer.alloc(64, 7)]).pipe(stopAfterBytes(100))), /pcapng|block|magic|type/i);
});

test('nested stop conditions: the outer one (packets) reaches the capture through the inner one (duration)', () => {
  const ts = scheduler();
  const log: string[] = [];
  ts.run(({ expectObservable }) => {
    const lengths = scriptedCapture(ts, log).pipe(stopAfter(100, ts), packets(), stopAfterPackets(1), map((p) => p.capturedLength));
    expectObservable(lengths).toBe('--a|', { a: 20 });
  });
  assert.deepEqual(log, ['stop@2', 'end@3']);
});

test('stopAfter on merged captures stops each of them gracefully', () => {
  const ts = scheduler();
  const log: string[] = [];
  let seen: string[] = [];
  ts.run(() => {
    seen = record(ts, merge(scriptedCapture(ts, log), scriptedCapture(ts, log)).pipe(packets(), map((p) => p.capturedLength), stopAfter(3, ts)));
  });
  assert.deepEqual(seen, ['2:20', '2:20', '4:21', '4:21', '4:120', '4:120', '4:complete']);
  assert.deepEqual(log, ['stop@3', 'stop@3', 'end@4', 'end@4']);
});

test('capture(tank, target, { stop }) stops gracefully on the notifier; the notifier is not passed to the tank', () => {
  const ts = scheduler();
  const log: string[] = [];
  const seenOptions: object[] = [];
  const tank: SharkTank = {
    description: 'scripted',
    targets: () => Promise.resolve([]),
    clear: () => undefined,
    openCapture: (_target, options, handlers) => {
      seenOptions.push(options);
      return scriptedSession(ts, log, handlers);
    },
  };
  const stop = new Subject<void>();
  let seen: string[] = [];
  ts.run(() => {
    ts.schedule(() => stop.next(), 3);
    seen = record(ts, capture(tank, { name: 'x', type: 'proc' }, { filter: 'udp', stop }).pipe(pcapngBlocks()), (b) => b.kind);
  });
  assert.deepEqual(seen, ['1:shb', '1:idb', '2:epb', '4:epb', '4:epb', '4:complete']);
  assert.deepEqual(seenOptions, [{ filter: 'udp' }]);
  assert.deepEqual(log, ['stop@3', 'end@4']);
});

test('a reader still reads what stopAfterBytes passed on with every chunking (no split block)', () => {
  const stream = Buffer.concat([HEADER, ...Array.from({ length: 8 }, (_, i) => packet(i))]);
  for (const size of [1, 7, 64, stream.length]) {
    const parts: Buffer[] = [];
    for (let p = 0; p < stream.length; p += size) parts.push(stream.subarray(p, p + size));
    let out: Buffer[] = [];
    from(parts).pipe(stopAfterBytes(300), toArray()).subscribe((all) => (out = all));
    const joined = Buffer.concat(out);
    assert.ok(joined.length <= 300);
    const reader = new PcapngReader();
    reader.push(joined);
    reader.end();
  }
});
