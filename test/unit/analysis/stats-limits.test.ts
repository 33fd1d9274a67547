import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { PcapngPacketReader, toPcapngBytes } from '../../../src/core/pcapng';
import { decode } from '../../../src/core/decode';
import { snaplen, takePacketBytes, takePackets } from '../../../src/rx/limits';
import { ethernet, ipv4, packetsOf, udp } from '../decode/frames';

const PACKETS = packetsOf([10, 20, 30, 40].map((n) => ({ data: ethernet(0x0800, ipv4({ protocol: 17, payload: udp(20080, 20081, Buffer.alloc(n)) })), originalLength: 100 + n })));

test('takePackets(n) takes n and unsubscribes upstream (marble)', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a-b-c-d|');
    expectObservable(source.pipe(takePackets(2) as never)).toBe('a-(b|)');
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
  assert.throws(() => takePackets(-1), RangeError);
  assert.throws(() => takePackets(1.5), RangeError);
});

test('takePacketBytes: original lengths by default, the crossing packet included', async () => {
  // original lengths 110, 120, 130, 140
  const byOriginal = await lastValueFrom(from(PACKETS).pipe(takePacketBytes(230), toArray()));
  assert.equal(byOriginal.length, 2); // 110 + 120 = 230 reaches the budget
  const crossing = await lastValueFrom(from(PACKETS).pipe(takePacketBytes(231), toArray()));
  assert.equal(crossing.length, 3);
  const captured = PACKETS.map((p) => p.capturedLength);
  const byCaptured = await lastValueFrom(from(PACKETS).pipe(takePacketBytes(captured[0]! + 1, { by: 'captured' }), toArray()));
  assert.equal(byCaptured.length, 2);
  assert.deepEqual(await lastValueFrom(from(PACKETS).pipe(takePacketBytes(0), toArray())), []);
  assert.throws(() => takePacketBytes(-5), RangeError);
});

test('takePacketBytes completes at once when the budget is met (marble)', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable, expectSubscriptions }) => {
    const source = cold('a-b-c-d|', { a: PACKETS[0]!, b: PACKETS[1]!, c: PACKETS[2]!, d: PACKETS[3]! });
    expectObservable(source.pipe(takePacketBytes(231))).toBe('a-b-(c|)', { a: PACKETS[0]!, b: PACKETS[1]!, c: PACKETS[2]! });
    expectSubscriptions(source.subscriptions).toBe('^---!');
  });
});

test('snaplen truncates data, fixes the captured length, keeps the original length; the result writes and decodes', async () => {
  const cut = await lastValueFrom(from(PACKETS).pipe(snaplen(50), toArray()));
  assert.deepEqual(cut.map((p) => p.capturedLength), [50, 50, 50, 50]);
  assert.deepEqual(cut.map((p) => p.data.length), [50, 50, 50, 50]);
  assert.deepEqual(cut.map((p) => p.originalLength), [110, 120, 130, 140]);
  assert.deepEqual(cut[1]!.data, PACKETS[1]!.data.subarray(0, 50));
  assert.equal(cut[0]!.timestampMs, PACKETS[0]!.timestampMs);
  const back = new PcapngPacketReader().push(toPcapngBytes(cut));
  assert.deepEqual(back.map((p) => [p.capturedLength, p.originalLength]), cut.map((p) => [50, p.originalLength]));
  const d = decode(back[3]!);
  assert.equal(d.ipv4?.truncated, true);
  assert.equal(d.udp?.payload.length, 50 - 42);
  const long = await lastValueFrom(from(PACKETS).pipe(snaplen(10_000), toArray()));
  assert.equal(long[0], PACKETS[0]);
  assert.throws(() => snaplen(0), RangeError);
});
