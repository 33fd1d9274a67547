import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import { NEVER, map, merge, takeUntil, timer } from 'rxjs';
import { decode } from '../../../src/core/decode';
import type { DecodedPacket } from '../../../src/core/decode';
import { AlertRuleError } from '../../../src/core/analysis/alert-rules';
import type { Alert, AlertRule } from '../../../src/core/analysis/alert-types';
import { alertWhen } from '../../../src/rx/alert';
import { TCP_ACK, TCP_SYN, packetsOf } from './packet-fixtures';
import type { FrameSpec } from './packet-fixtures';

interface Fired {
  frame: number;
  alert: Alert<DecodedPacket>;
}

/**
 * Runs `rule` in virtual time over packets that arrive at the frame of their timestamp (ms);
 * the source completes at `endMs`. Returns each alert with the frame it was emitted at.
 */
function fire(frames: FrameSpec[], rule: AlertRule<DecodedPacket> | AlertRule<DecodedPacket>[], endMs: number): Fired[] {
  const ts = new TestScheduler((a, e) => assert.deepEqual(a, e));
  const packets = packetsOf(frames).map(decode);
  const fired: Fired[] = [];
  ts.run(() => {
    const source = merge(NEVER, ...packets.map((p) => timer(p.timestampMs!, ts).pipe(map(() => p)))).pipe(takeUntil(timer(endMs, ts)));
    source.pipe(alertWhen(rule, { scheduler: ts })).subscribe((alert) => fired.push({ frame: ts.now(), alert }));
  });
  return fired;
}

const at = (ms: number[], spec: Partial<FrameSpec> = {}): FrameSpec[] => ms.map((m) => ({ ...spec, ms: m }));

test('threshold above: a window with more packets than allowed alerts when it closes, with its packets as evidence', () => {
  const frames = [...at([0, 1, 2, 3, 4]), ...at([12])];
  const fired = fire(frames, { kind: 'threshold', name: 'busy', metric: 'packets', windowMs: 10, above: 3 }, 30);
  assert.equal(fired.length, 1);
  const [{ frame, alert }] = fired as [Fired];
  assert.equal(frame, 10, 'the scheduler closes the window at its end (no packet needed)');
  assert.deepEqual([alert.rule, alert.kind, alert.at], ['busy', 'threshold', 10]);
  assert.equal(alert.details.value, 5);
  assert.deepEqual(alert.evidence.map((p) => p.timestampMs), [0, 1, 2, 3, 4]);
  assert.match(alert.message, /packets 5 above 3 in 10 ms/);
});

test('threshold on bps and pps computes rates per second of the window', () => {
  const frames = at([0, 1, 2, 3], { payload: 58 }); // 14 + 20 + 8 + 58 = 100 bytes each
  const fired = fire(frames, [
    { kind: 'threshold', metric: 'bps', windowMs: 100, above: 31_999 },
    { kind: 'threshold', metric: 'pps', windowMs: 100, above: 40, name: 'pps' },
  ], 150);
    // 4 x 100 bytes in 100 ms: 32 000 bit/s (above 31 999) and 40 packets/s (not above 40)
  assert.deepEqual(fired.map((f) => [f.alert.rule, f.alert.details.value]), [['threshold', 32_000]]);
});

test('threshold below fires on silence (the packet clock runs on the scheduler) and the cooldown keeps it to one alert', () => {
  const fired = fire(at([0, 5]), { kind: 'threshold', metric: 'packets', windowMs: 10, below: 1, cooldownMs: 1000 }, 55);
  assert.deepEqual(fired.map((f) => [f.frame, f.alert.at, f.alert.details.value]), [[20, 20, 0]]);
});

test('threshold evidence is bounded by the rule\'s evidence count', () => {
  const fired = fire(at(Array.from({ length: 50 }, (_, i) => i / 10)), { kind: 'threshold', metric: 'packets', windowMs: 10, above: 10, evidence: 7 }, 20);
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.alert.evidence.length, 7);
  assert.equal(fired[0]!.alert.evidence.at(-1)!.timestampMs, 4.9);
});

test('rate of change: a rise between consecutive windows alerts, a steady rate does not', () => {
  const frames = [...at([0, 5]), ...at([10, 11, 12, 13, 14, 15, 16, 17]), ...at([20, 21, 22, 23, 24, 25, 26, 27]), ...at([30])];
  const fired = fire(frames, { kind: 'rate-of-change', metric: 'packets', windowMs: 10, risePercent: 100, fallPercent: 50, cooldownMs: 0 }, 45);
  // [0,10): 2, [10,20): 8 (+300 %), [20,30): 8, [30,40): 1 (-87.5 %)
  assert.deepEqual(fired.map((f) => [f.alert.at, f.alert.details.percent]), [[20, 300], [40, -87.5]]);
  assert.match(fired[0]!.alert.message, /rose 300 % \(2 to 8\)/);
  assert.equal(fired[0]!.alert.evidence.length, 8);
});

test('new talker: addresses seen while learning are known; a new one alerts once', () => {
  const frames: FrameSpec[] = [
    { ms: 0, src: '10.0.0.1' }, { ms: 5, src: '10.0.0.2' }, { ms: 12, src: '10.0.0.1' },
    { ms: 15, src: '10.0.0.3', dst: '10.0.0.9' }, { ms: 20, src: '10.0.0.3' }, { ms: 25, src: '10.0.0.2' },
  ];
  const fired = fire(frames, { kind: 'new-talker', learnMs: 10 }, 30);
  assert.deepEqual(fired.map((f) => [f.frame, f.alert.kind, f.alert.details.src]), [[15, 'new-talker', '10.0.0.3']]);
  assert.equal(fired[0]!.alert.message, 'new talker 10.0.0.3 (to 10.0.0.9)');
  assert.deepEqual(fired[0]!.alert.evidence.map((p) => p.src), ['10.0.0.3']);
});

test('new talker cooldown caps a flood of new addresses and reports what it suppressed', () => {
  const frames = Array.from({ length: 30 }, (_, i) => ({ ms: i, src: `10.1.0.${i + 1}` }));
  const fired = fire(frames, { kind: 'new-talker', cooldownMs: 10 }, 40);
  assert.deepEqual(fired.map((f) => [f.alert.at, f.alert.details.suppressed]), [[0, 0], [10, 9], [20, 9]]);
});

test('port scan: SYNs from one source to more than N ports within T alert once; the cooldown holds the rest', () => {
  const scan = Array.from({ length: 40 }, (_, i): FrameSpec => ({ ms: i / 4, proto: 'tcp', flags: TCP_SYN, src: '198.18.1.1', dstPort: 21000 + i }));
  const fired = fire(scan, { kind: 'port-scan', ports: 10, withinMs: 1000 }, 20);
  assert.equal(fired.length, 1);
  const { alert } = fired[0]!;
  assert.deepEqual([alert.kind, alert.details.src, alert.details.ports, alert.at], ['port-scan', '198.18.1.1', 11, 2.5]);
  assert.deepEqual(alert.details.targets, ['198.18.2.1']);
  assert.equal(alert.evidence.length, 11);
  assert.ok(alert.evidence.every((p) => p.tcp?.syn === true));
});

test('port scan: established traffic, slow probing and few ports do not alert; UDP probes count', () => {
  const established = Array.from({ length: 40 }, (_, i): FrameSpec => ({ ms: i / 4, proto: 'tcp', flags: TCP_SYN | TCP_ACK, dstPort: 21000 + i }));
  const acks = Array.from({ length: 40 }, (_, i): FrameSpec => ({ ms: i / 4, proto: 'tcp', flags: TCP_ACK, dstPort: 21000 + i }));
  const slow = Array.from({ length: 20 }, (_, i): FrameSpec => ({ ms: i * 20, proto: 'tcp', flags: TCP_SYN, dstPort: 21000 + i }));
  const samePorts = Array.from({ length: 200 }, (_, i): FrameSpec => ({ ms: i / 10, proto: 'udp', dstPort: 21000 + (i % 5) }));
  const rule: AlertRule<DecodedPacket> = { kind: 'port-scan', ports: 10, withinMs: 100 };
  for (const frames of [established, acks, slow, samePorts]) assert.deepEqual(fire(frames, rule, 500), []);
  const udpScan = Array.from({ length: 12 }, (_, i): FrameSpec => ({ ms: i, proto: 'udp', dstPort: 21000 + i }));
  assert.equal(fire(udpScan, rule, 50).length, 1);
  assert.equal(fire(udpScan, { ...rule, probes: ['tcp-syn'] }, 50).length, 0);
});

test('alert rules are checked: AlertRuleError names the rule and the field', () => {
  const bad: unknown[] = [
    { kind: 'threshold', metric: 'packets', windowMs: 10 },
    { kind: 'threshold', metric: 'furlongs', windowMs: 10, above: 1 },
    { kind: 'threshold', metric: 'packets', windowMs: 0, above: 1 },
    { kind: 'rate-of-change', metric: 'bps', windowMs: 10 },
    { kind: 'port-scan', ports: 0, withinMs: 10 },
    { kind: 'port-scan', ports: 3, withinMs: 10, probes: ['icmp'] },
    { kind: 'new-talker', learnMs: -1 },
    { kind: 'teleport' },
    { name: 'x', kind: 'threshold', metric: 'packets', windowMs: 10, above: 1, cooldownMs: Number.NaN },
  ];
  for (const rule of bad) assert.throws(() => alertWhen(rule as AlertRule), AlertRuleError, JSON.stringify(rule));
  assert.throws(() => alertWhen({ name: 'x', kind: 'port-scan', ports: 0, withinMs: 1 }), /alert rule "x": ports must be an integer >= 1, got 0/);
});
