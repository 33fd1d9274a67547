import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestScheduler } from 'rxjs/testing';
import type { Observable } from 'rxjs';
import { tap, throwError } from 'rxjs';
import { MergeWindow } from '../../../src/core/analysis/merge-window';
import type { MergedPacket} from '../../../src/core/analysis/merge-interface';
import { mergedInterfaceName } from '../../../src/core/analysis/merge-interface';
import { PcapngPacketReader, PcapngReader, toPcapngBytes } from '../../../src/core/pcapng';
import type { InterfaceDescriptionBlock, Packet } from '../../../src/core/pcapng';
import { mergeCaptures } from '../../../src/rx/merge';
import { packetsOf } from './packet-fixtures';

interface Seen {
  frame: number;
  ms: number | null;
  source: number;
  late: boolean;
  iface: string | undefined;
}

/** Subscribes inside a TestScheduler run and records what was emitted when (virtual ms). */
function record(ts: TestScheduler, run: (helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0]) => Observable<MergedPacket>): { seen: Seen[]; completedAt: number | undefined } {
  const seen: Seen[] = [];
  let completedAt: number | undefined;
  ts.run((helpers) => {
    run(helpers).pipe(tap({ complete: () => { completedAt = ts.now(); } })).subscribe((p) => {
      seen.push({ frame: ts.now(), ms: p.timestampMs, source: p.source, late: p.late, iface: p.interfaceName });
    });
  });
  return { seen, completedAt };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

test('mergeCaptures orders two sources whose packets arrive out of order within the window (virtual time)', () => {
  const ts = scheduler();
  const one = packetsOf([{ ms: 0 }, { ms: 10 }, { ms: 20 }], { node: 'a', container: 't1' });
  const two = packetsOf([{ ms: 5 }, { ms: 15 }], { node: 'b', container: 't2' });
  const { seen, completedAt } = record(ts, ({ cold }) => mergeCaptures([
    cold('a 9ms b 9ms c|', { a: one[0]!, b: one[1]!, c: one[2]! }),
    // each of source two's packets arrives 3 ms after its timestamp
    cold('8ms x 9ms y|', { x: two[0]!, y: two[1]! }),
  ], { windowMs: 12, scheduler: ts }));
  assert.deepEqual(seen.map((s) => s.ms), [0, 5, 10, 15, 20], 'time-ordered');
  // a packet leaves once one 12 ms newer has arrived (0 with 15 at frame 18, 5 with 20 at 20),
  // the rest when both sources have completed (21)
  assert.deepEqual(seen.map((s) => s.frame), [18, 20, 21, 21, 21]);
  assert.deepEqual(seen.map((s) => s.source), [0, 1, 0, 1, 0]);
  assert.ok(seen.every((s) => !s.late));
  assert.deepEqual([...new Set(seen.map((s) => s.iface))], ['a/t1/eth0', 'b/t2/eth0']);
  assert.equal(completedAt, 21);
});

test('mergeCaptures releases held packets after a window of silence (virtual time)', () => {
  const ts = scheduler();
  const p = packetsOf([{ ms: 100 }, { ms: 101 }]);
  const { seen, completedAt } = record(ts, ({ cold }) => mergeCaptures([cold('a 1ms b 30ms |', { a: p[0]!, b: p[1]! })], { windowMs: 10, scheduler: ts }));
  // the last arrival is at frame 2; ten quiet ms later both go out
  assert.deepEqual(seen.map((s) => [s.frame, s.ms]), [[12, 100], [12, 101]]);
  assert.equal(completedAt, 33);
});

test('mergeCaptures emits a packet older than the watermark at once, flagged late', () => {
  const ts = scheduler();
  const one = packetsOf([{ ms: 0 }, { ms: 50 }], { node: 'a' });
  const two = packetsOf([{ ms: 10 }], { node: 'b' });
  const { seen } = record(ts, ({ cold }) => mergeCaptures([
    cold('a 9ms b 20ms |', { a: one[0]!, b: one[1]! }),
    cold('20ms x |', { x: two[0]! }),
  ], { windowMs: 5, scheduler: ts }));
  // 0 and 50 leave after 5 quiet ms each; 10 comes after 50 left: late, at once
  assert.deepEqual(seen.map((s) => [s.frame, s.ms, s.late]), [[5, 0, false], [15, 50, false], [20, 10, true]]);
});

test('mergeCaptures passes a source error on and completes at once without sources', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const p = packetsOf([{ ms: 0 }]);
    expectObservable(mergeCaptures([cold('a 5ms #', { a: p[0]! }), cold('-----------|')], { windowMs: 100 })).toBe('6ms #');
    expectObservable(mergeCaptures([])).toBe('|');
  });
  assert.throws(() => mergeCaptures([], { windowMs: -1 }), /windowMs must be >= 0/);
});

test('toPcapng of a merged stream has one IDB per source interface, named node/target/iface', () => {
  const ts = scheduler();
  const one = packetsOf([{ ms: 0, iface: 0 }, { ms: 2, iface: 1 }, { ms: 4, iface: 0 }], { node: 'h1', container: 'csharg-t1(7)', ifaces: ['eth0', 'lo'] });
  const two = packetsOf([{ ms: 1 }, { ms: 3 }], { node: 'h2', container: 'csharg-t1(7)', ifaces: ['eth0'] });
  const merged: Packet[] = [];
  ts.run(({ cold }) => {
    mergeCaptures([cold('(abc|)', { a: one[0]!, b: one[1]!, c: one[2]! }), cold('(xy|)', { x: two[0]!, y: two[1]! })], { scheduler: ts })
      .subscribe((p) => merged.push(p));
  });
  const file = toPcapngBytes(merged);
  const idbs: InterfaceDescriptionBlock[] = [];
  new PcapngReader().feed(file, (b) => { if (b.kind === 'idb') idbs.push(b); });
  assert.deepEqual(idbs.map((i) => i.name), ['h1/csharg-t1(7)/eth0', 'h2/csharg-t1(7)/eth0', 'h1/csharg-t1(7)/lo']);
  assert.ok(idbs.every((i) => i.tsresol === 9), 'the source IDB options (if_tsresol) are kept');
  const back = new PcapngPacketReader().push(file);
  assert.deepEqual(back.map((p) => p.timestampMs), [0, 1, 2, 3, 4]);
  assert.deepEqual(back.map((p) => p.interfaceName), ['h1/csharg-t1(7)/eth0', 'h2/csharg-t1(7)/eth0', 'h1/csharg-t1(7)/lo', 'h2/csharg-t1(7)/eth0', 'h1/csharg-t1(7)/eth0']);
  assert.deepEqual(back.map((p) => p.data), merged.map((p) => p.data), 'packet bytes unchanged');
});

test('mergedInterfaceName fills missing parts', () => {
  const [p] = packetsOf([{ ms: 0 }], { node: '', container: '' });
  assert.equal(mergedInterfaceName(p!.iface), '?/?/eth0');
});

test('MergeWindow: ties keep arrival order, maxBuffered releases the oldest early, flush empties', () => {
  const w = new MergeWindow<string>({ windowNs: 1000n, maxBuffered: 2 });
  assert.deepEqual(w.push('a', 10n), []);
  assert.deepEqual(w.push('b', 10n), []);
  assert.deepEqual(w.push('c', 5n), [{ item: 'c', late: false }], 'over maxBuffered: the oldest (5) leaves');
  assert.deepEqual(w.push('d', 1n), [{ item: 'd', late: true }], 'older than what left: late');
  assert.deepEqual(w.push('e', null), [{ item: 'e', late: true }], 'no timestamp: late');
  assert.deepEqual(w.flush().map((r) => r.item), ['a', 'b']);
  assert.equal(w.late, 2);
  assert.throws(() => new MergeWindow({ windowNs: -1n }), /windowNs must be >= 0/);
  assert.throws(() => new MergeWindow({ windowNs: 0n, maxBuffered: 0 }), /maxBuffered/);
});

test('MergeWindow sorts a shuffled stream within the window', () => {
  const w = new MergeWindow<number>({ windowNs: 50n });
  const out: number[] = [];
  // every value is at most 40 away from its sorted position's value
  const input = Array.from({ length: 2000 }, (_, i) => i * 10).map((v, i) => (i % 2 === 0 ? v + 40 : v));
  for (const v of input) out.push(...w.push(v, BigInt(v)).map((r) => r.item));
  out.push(...w.flush().map((r) => r.item));
  assert.deepEqual(out, [...input].sort((a, b) => a - b));
  assert.equal(w.late, 0);
});

test('mergeCaptures does not open the other sources when one fails at once (marble)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const failing = throwError(() => new Error('no such target'));
    const other = cold<Packet>('-----|');
    expectObservable(mergeCaptures([failing, other])).toBe('#', undefined, new Error('no such target'));
    expectSubscriptions(other.subscriptions).toBe([]);
  });
});
