// The one tumbling-window engine (core/analysis/tumbling-windows.ts) under stats and alerts: one
// rule for where windows start (multiples of the length since the epoch), so windowStats and the
// alert rules cut the same windows, whatever time the stream starts at; the gap rules of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEVER, from, lastValueFrom, map, merge, mergeMap, takeUntil, timer, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { decode } from '../../../src/core/decode';
import type { DecodedPacket } from '../../../src/core/decode';
import { TumblingWindows, windowStartOf } from '../../../src/core/analysis/tumbling-windows';
import type { WindowBounds } from '../../../src/core/analysis/tumbling-windows';
import type { Alert, AlertRule } from '../../../src/core/analysis/alert-types';
import { alertWhen } from '../../../src/rx/alert';
import { windowStats } from '../../../src/rx/stats';
import { packetsOf } from './packet-fixtures';
import type { FrameSpec } from './packet-fixtures';

const at = (ms: number[]): FrameSpec[] => ms.map((m) => ({ ms: m }));

/** Alerts of `rule` in virtual time, packets arriving at the frame of their timestamp. */
function alerts(frames: FrameSpec[], rule: AlertRule<DecodedPacket>, endMs: number): { frame: number; alert: Alert<DecodedPacket> }[] {
  const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
  const packets = packetsOf(frames).map(decode);
  const fired: { frame: number; alert: Alert<DecodedPacket> }[] = [];
  ts.run(() => {
    const source = merge(NEVER, ...packets.map((p) => timer(p.timestampMs!, ts).pipe(map(() => p)))).pipe(takeUntil(timer(endMs, ts)));
    source.pipe(alertWhen(rule, { scheduler: ts })).subscribe((alert) => fired.push({ frame: ts.now(), alert }));
  });
  return fired;
}

function closes(windows: TumblingWindows, times: number[]): string[] {
  const out: string[] = [];
  const close = (b: WindowBounds): void => void out.push(`${b.start}-${b.end}`);
  for (const t of times) windows.advance(t, close);
  return out;
}

test('windows start at multiples of their length, whatever time the first packet has', () => {
  assert.equal(windowStartOf(1_700_000_000_123, 1000), 1_700_000_000_000);
  assert.equal(windowStartOf(37, 10), 30);
  assert.equal(windowStartOf(-1, 10), -10);
  // A gap: each empty window (statistics) or one window spanning it (alerts).
  assert.deepEqual(closes(new TumblingWindows(10), [37, 39, 71]), ['30-40', '40-50', '50-60', '60-70']);
  assert.deepEqual(closes(new TumblingWindows(10, { gaps: 'one' }), [37, 39, 71]), ['30-40', '40-70']);
  assert.deepEqual(closes(new TumblingWindows(10, { maxEmptyWindows: 1 }), [37, 71]), ['30-40', '40-50']);
  // Earlier times count in the current window: windows are never reopened.
  assert.deepEqual(closes(new TumblingWindows(10), [37, 12, 38]), []);
});

test('windowStats and a threshold rule of the same length cut the same windows for a stream that starts mid-window', async () => {
  const frames = at([3, 4, 5, 6, 13, 14, 15, 16, 17, 18, 19, 27]);
  const stats = await lastValueFrom(from(packetsOf(frames)).pipe(windowStats(10), toArray()));
  assert.deepEqual(stats.map((w) => [w.start, w.end, w.packets]), [[0, 10, 4], [10, 20, 7], [20, 30, 1]]);
  const fired = alerts(frames, { kind: 'threshold', metric: 'packets', windowMs: 10, above: 3, cooldownMs: 0 }, 40);
  // the first window is partial (it began before the packet at 3) and still alerts above: a lower bound
  assert.deepEqual(fired.map((f) => [f.frame, f.alert.details.windowStart, f.alert.details.windowEnd, f.alert.details.packets]), [[10, 0, 10, 4], [20, 10, 20, 7]]);
  for (const f of fired) assert.ok(stats.some((w) => w.start === f.alert.details.windowStart && w.end === f.alert.details.windowEnd && w.packets === f.alert.details.packets));
});

test('a partial first window is not judged below a threshold, nor taken as the base of a rate of change', () => {
  // one packet late in [0,10), then steady traffic: nothing is low, nothing rose
  const steady = at([9, 10, 12, 14, 16, 20, 22, 24, 26, 30, 32, 34, 36]);
  assert.deepEqual(alerts(steady, { kind: 'threshold', metric: 'packets', windowMs: 10, below: 2, cooldownMs: 0 }, 40), []);
  assert.deepEqual(alerts(steady, { kind: 'rate-of-change', metric: 'packets', windowMs: 10, risePercent: 100, cooldownMs: 0 }, 40), []);
  // the same packets from the start of a window: [0,10) is whole and is judged
  const whole = at([0, 10, 12, 14, 16, 20, 22, 24, 26]);
  assert.deepEqual(alerts(whole, { kind: 'threshold', metric: 'packets', windowMs: 10, below: 2, cooldownMs: 0 }, 30).map((f) => f.alert.details.windowStart), [0]);
  assert.deepEqual(alerts(whole, { kind: 'rate-of-change', metric: 'packets', windowMs: 10, risePercent: 100, cooldownMs: 0 }, 30).map((f) => f.alert.details.percent), [300]);
});

test('alert windows close on the clock at their ends, also when the first packet came mid-window', () => {
  // [10,20) is busy; nothing after 17: the scheduler closes it at 20, not a period after the first packet
  const fired = alerts(at([13, 14, 15, 16, 17]), { kind: 'threshold', metric: 'packets', windowMs: 10, above: 3 }, 40);
  assert.deepEqual(fired.map((f) => [f.frame, f.alert.at]), [[20, 20]]);
});

test('windowStats on the scheduler clock: the first window is the one the subscription falls in', () => {
  const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
  ts.run(({ cold, expectObservable }) => {
    const source = cold('a 8ms |', { a: packetsOf(at([0]))[0]! });
    // subscribed at 3: the windows are [0,5), [5,10), then [10,12) cut short when the source completes at 12
    const result = timer(3, ts).pipe(mergeMap(() => source.pipe(windowStats(5, ts))));
    const short = (w: WindowBounds & { packets: number }): string => `${w.start}-${w.end}:${w.packets}${w.complete ? '' : '~'}`;
    expectObservable(result.pipe(map(short))).toBe('5ms x 4ms y 1ms (z|)', { x: '0-5:1', y: '5-10:0', z: '10-12:0~' });
  });
});

test('windowStats closeOnSilence: on the packet clock, windows close on time while no packet comes', () => {
  const packets = packetsOf(at([3, 5, 47]));
  /** the frame each window is emitted at; packets arrive at the frame of their timestamp, the source ends at 50 */
  const run = (options: Parameters<typeof windowStats>[1]): string[] => {
    const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
    const out: string[] = [];
    ts.run(() => {
      const source = merge(NEVER, ...packets.map((p) => timer(p.timestampMs!, ts).pipe(map(() => p)))).pipe(takeUntil(timer(50, ts)));
      const withScheduler = options === undefined ? undefined : { ...options, scheduler: ts };
      source.pipe(windowStats(10, withScheduler)).subscribe((w) => out.push(`@${ts.now()} ${w.start}-${w.end}:${w.packets}${w.complete ? '' : '~'}`));
    });
    return out;
  };
  assert.deepEqual(run({ closeOnSilence: true }), ['@10 0-10:2', '@20 10-20:0', '@30 20-30:0', '@40 30-40:0', '@50 40-50:1~']);
  // with a grace period each window closes that much later
  assert.deepEqual(run({ closeOnSilence: { graceMs: 2 } }), ['@12 0-10:2', '@22 10-20:0', '@32 20-30:0', '@42 30-40:0', '@50 40-50:1~']);
  // without it only packets close windows
  assert.deepEqual(run({}), ['@47 0-10:2', '@47 10-20:0', '@47 20-30:0', '@47 30-40:0', '@50 40-50:1~']);
  assert.throws(() => windowStats(10, { closeOnSilence: { graceMs: -1 } }), RangeError);
});
