import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { TestScheduler } from 'rxjs/testing';
import { VirtualTimeScheduler, lastValueFrom, map, toArray } from 'rxjs';
import type { Packet } from '../../../src/core/pcapng';
import { ReplayError, replayPcapng } from '../../../src/rx/replay';
import { packetsOf, pcapngOf } from './packet-fixtures';
import type { FrameSpec } from './packet-fixtures';

const FRAMES: FrameSpec[] = [{ ms: 1000 }, { ms: 1010 }, { ms: 1030 }, { ms: 1025 }, { ms: 1060 }];

/** When (virtual ms) each packet of replayPcapng(bytes, speed) is emitted, with its timestamp. */
function timeline(speed: number | 'max'): [number, number | null][] {
  const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
  const seen: [number, number | null][] = [];
  ts.run(() => {
    replayPcapng(pcapngOf(FRAMES), { speed, scheduler: ts }).subscribe((p) => seen.push([ts.now(), p.timestampMs]));
  });
  return seen;
}

test('replayPcapng paces packets by their timestamps on the scheduler (virtual time)', () => {
  // the packet at 1025 comes after the one at 1030 in the file: its time has come, it follows at once
  assert.deepEqual(timeline(1), [[0, 1000], [10, 1010], [30, 1030], [30, 1025], [60, 1060]]);
  assert.deepEqual(timeline(2), [[0, 1000], [5, 1010], [15, 1030], [15, 1025], [30, 1060]]);
  assert.deepEqual(timeline('max'), FRAMES.map((f) => [0, f.ms]));
});

test('replayPcapng completes after the last packet and unsubscribing stops the pacing (marble)', () => {
  const bytes = pcapngOf([{ ms: 0 }, { ms: 4 }]);
  const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
  ts.run(({ expectObservable }) => {
    const times = replayPcapng(bytes, { scheduler: ts }).pipe(map((p) => p.timestampMs));
    expectObservable(times).toBe('a 3ms (b|)', { a: 0, b: 4 });
    expectObservable(times, '^ 2ms !').toBe('a', { a: 0 });
  });
});

test('replayPcapng of a file yields the packets reading it gives, from a file read in chunks', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csharg-replay-'));
  try {
    const file = path.join(dir, 'x.pcapng');
    const frames = Array.from({ length: 3000 }, (_, i) => ({ ms: i / 3, payload: i % 200 }));
    writeFileSync(file, pcapngOf(frames));
    const replayed = await lastValueFrom(replayPcapng(file, { speed: 'max' }).pipe(toArray()));
    const read = packetsOf(frames);
    assert.equal(replayed.length, read.length);
    assert.deepEqual(replayed.map((p) => [p.timestampNs, p.interfaceName, p.data]), read.map((p) => [p.timestampNs, p.interfaceName, p.data]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replayPcapng of a stream is paced on a virtual clock as the chunks arrive', async () => {
  const bytes = pcapngOf(FRAMES);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 50) }, (_, i) => bytes.subarray(i * 50, i * 50 + 50));
  const clock = new VirtualTimeScheduler();
  const seen: [number, number | null][] = [];
  let done = false;
  replayPcapng(Readable.from(chunks), { scheduler: clock }).subscribe({ next: (p: Packet) => seen.push([clock.now(), p.timestampMs]), complete: () => { done = true; } });
  // reading is real I/O: let it progress, running what is due on the virtual clock each time
  for (let i = 0; i < 1000 && !done; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.flush();
  }
  assert.ok(done);
  assert.deepEqual(seen.map(([, ms]) => ms), FRAMES.map((f) => f.ms));
  assert.deepEqual(seen.map(([t]) => t), [0, 10, 30, 30, 60]);
});

test('replayPcapng errors are ReplayErrors naming the file', async () => {
  const missing = path.join(os.tmpdir(), 'csharg-no-such-file.pcapng');
  await assert.rejects(lastValueFrom(replayPcapng(missing, { speed: 'max' })), (e: unknown) => {
    assert.ok(e instanceof ReplayError);
    assert.equal(e.code, 'REPLAY_READ');
    assert.equal(e.file, missing);
    assert.match(e.message, /csharg-no-such-file\.pcapng.*ENOENT/);
    return true;
  });
  const garbage = Buffer.concat([pcapngOf([{ ms: 1 }]), Buffer.from('this is not pcapng at all!!')]);
  const seen: Packet[] = [];
  await assert.rejects(lastValueFrom(replayPcapng(garbage, { speed: 'max', name: 'garbage.pcapng' })), (e: unknown) => {
    assert.ok(e instanceof ReplayError);
    assert.equal(e.code, 'REPLAY_FORMAT');
    assert.match(e.message, /^replay of garbage\.pcapng: pcapng: /);
    return true;
  });
  replayPcapng(garbage, { speed: 'max' }).subscribe({ next: (p) => seen.push(p), error: () => undefined });
  assert.equal(seen.length, 1, 'the packet before the garbage is delivered');
  const truncated = pcapngOf([{ ms: 1 }]).subarray(0, -3);
  await assert.rejects(lastValueFrom(replayPcapng(truncated, { speed: 'max' })), (e: unknown) => e instanceof ReplayError && e.code === 'REPLAY_FORMAT' && e.file === '<bytes>');
  assert.throws(() => replayPcapng(garbage, { speed: 0 }), /speed must be/);
  assert.throws(() => replayPcapng(garbage, { speed: Number.POSITIVE_INFINITY }), /speed must be/);
});
