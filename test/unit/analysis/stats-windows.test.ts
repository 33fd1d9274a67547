import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Packet } from '../../../src/core/pcapng';
import { topTalkers, windowStats } from '../../../src/rx/stats';
import type { WindowStats } from '../../../src/core/analysis/window-stats';
import { ethernet, ipv4, packetsOf, tcp, udp } from '../decode/frames';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

const T0 = 1_700_000_000_000; // a multiple of 1000
function udpAt(timeMs: number, iface = 'eth0', src = '198.18.1.1', size = 10): Packet {
  return packetsOf([{ data: ethernet(0x0800, ipv4({ src, protocol: 17, payload: udp(20001, 20002, Buffer.alloc(size)) })), iface, timeMs }])[0]!;
}
function tcpAt(timeMs: number, iface = 'eth0'): Packet {
  return packetsOf([{ data: ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 1, dstPort: 2, flags: 0x10 }) })), iface, timeMs }])[0]!;
}
const UDP_LEN = 14 + 20 + 8 + 10; // 52
const TCP_LEN = 14 + 20 + 20; // 54

function summary(w: WindowStats): string {
  return `${w.start - T0}+${w.durationMs}${w.complete ? '' : '~'} ${w.packets}p/${w.bytes}B ${w.groups.map((g) => `${g.iface}:${g.protocol}=${g.packets}`).join(',')}`;
}

test('windowStats on packet time: groups per interface and protocol, rates, empty windows, the last one at completion (marble)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const values = {
      a: udpAt(T0 + 10), b: tcpAt(T0 + 500, 'eth1'), c: udpAt(T0 + 999),
      d: udpAt(T0 + 3200), // windows 1000 and 2000 are empty
      e: tcpAt(T0 + 3300),
    };
    // Scheduler time does not matter with the packet clock: only the packets' timestamps do.
    const source = cold('a-b-c-d----e----|', values);
    const stats = {
      x: `0+1000 3p/${2 * UDP_LEN + TCP_LEN}B eth0:udp=2,eth1:tcp=1`,
      y: '1000+1000 0p/0B ',
      z: '2000+1000 0p/0B ',
      w: `3000+1000~ 2p/${UDP_LEN + TCP_LEN}B eth0:tcp=1,eth0:udp=1`,
    };
    expectObservable(source.pipe(windowStats(1000), map(summary))).toBe('------(xyz)-----(w|)', stats);
  });
});

test('windowStats rates: pps and bps over the window length', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('ab|', { a: udpAt(T0 + 1), b: udpAt(T0 + 2) });
    expectObservable(source.pipe(windowStats(500))).toBe('--(x|)', {
      x: {
        start: T0, end: T0 + 500, durationMs: 500, complete: false, packets: 2, bytes: 2 * UDP_LEN, pps: 4, bps: 2 * UDP_LEN * 8 * 2,
        groups: [{ iface: 'eth0', protocol: 'udp', packets: 2, bytes: 2 * UDP_LEN, pps: 4, bps: 2 * UDP_LEN * 8 * 2 }],
      },
    });
  });
});

test('windowStats on packet time caps the empty windows of a jump', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('ab-----|', { a: udpAt(T0), b: udpAt(T0 + 10_000_000) });
    const result = source.pipe(windowStats(1000, { maxEmptyWindows: 2 }));
    const n = (w: WindowStats): string => `${(w.start - T0) / 1000}:${w.packets}`;
    expectObservable(result.pipe(map(n))).toBe('-(xyz)-(w|)', { x: '0:1', y: '1:0', z: '2:0', w: '10000:1' });
  });
});

test('windowStats on the scheduler clock: a window per period with or without packets, the cut-short last one (marble)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const ts = { a: udpAt(T0), b: udpAt(T0), c: tcpAt(T0) };
    const source = cold('a 3ms b 9ms c 6ms |', ts);
    const result = source.pipe(windowStats(10, { clock: 'scheduler' }));
    const short = (w: WindowStats): string => `${w.start}-${w.end}:${w.packets}${w.complete ? '' : '~'}`;
    expectObservable(result.pipe(map(short)))
      .toBe('10ms x 9ms y (z|)', { x: '0-10:2', y: '10-20:1', z: '20-21:0~' });
  });
});

test('topTalkers: the k sources with the most bytes per window (marble)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const values = {
      a: udpAt(T0 + 1, 'eth0', '198.18.1.1', 100), b: udpAt(T0 + 2, 'eth0', '198.18.1.2', 10), c: udpAt(T0 + 3, 'eth0', '198.18.1.3', 500),
      d: udpAt(T0 + 4, 'eth0', '198.18.1.2', 10), e: udpAt(T0 + 1001, 'eth0', '198.18.1.2', 0),
    };
    const source = cold('abcde|', values);
    const short = (t: { start: number; talkers: readonly { address: string; packets: number }[] }): string => `${t.start - T0}:${t.talkers.map((x) => `${x.address}x${x.packets}`).join(',')}`;
    expectObservable(source.pipe(topTalkers(1000, 2), map(short)))
      .toBe('----x(y|)', { x: '0:198.18.1.3x1,198.18.1.1x1', y: '1000:198.18.1.2x1' });
  });
});

test('bad window lengths and k are RangeErrors', () => {
  assert.throws(() => windowStats(0), RangeError);
  assert.throws(() => windowStats(Number.NaN), RangeError);
  assert.throws(() => topTalkers(1000, 0), RangeError);
});

test('windowStats with { topTalkers: k } adds each window\'s k busiest sources, the same as topTalkers alone', () => {
  const packets = [udpAt(T0 + 10, 'eth0', '198.18.1.1', 100), udpAt(T0 + 20, 'eth0', '198.18.3.1', 10), udpAt(T0 + 30, 'eth0', '198.18.1.1', 100), udpAt(T0 + 1500, 'eth0', '198.18.3.1', 10)];
  scheduler().run(({ cold, expectObservable }) => {
    const source = cold('a-b-c-d|', { a: packets[0]!, b: packets[1]!, c: packets[2]!, d: packets[3]! });
    expectObservable(source.pipe(windowStats(1000, { topTalkers: 1 }), map((w) => w.topTalkers))).toBe('------x(y|)', {
      x: [{ address: '198.18.1.1', packets: 2, bytes: 2 * (UDP_LEN + 90) }],
      y: [{ address: '198.18.3.1', packets: 1, bytes: UDP_LEN }],
    });
    expectObservable(source.pipe(topTalkers(1000, 1), map((w) => w.talkers))).toBe('------x(y|)', {
      x: [{ address: '198.18.1.1', packets: 2, bytes: 2 * (UDP_LEN + 90) }],
      y: [{ address: '198.18.3.1', packets: 1, bytes: UDP_LEN }],
    });
  });
  // Without the option the windows carry no topTalkers key at all.
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(cold('a|', { a: packets[0]! }).pipe(windowStats(1000), map((w) => 'topTalkers' in w))).toBe('-(x|)', { x: false });
  });
  assert.throws(() => windowStats(1000, { topTalkers: 0 }), RangeError);
});
