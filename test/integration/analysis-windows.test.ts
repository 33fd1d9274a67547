// The one window rule on real traffic: a live capture of t2 (local dumpcap in its namespace) while
// t1 sends two bursts of UDP datagrams (port 43001) with a quiet gap between them. windowStats
// cuts its windows at multiples of the window length, live and in a replay of the same packets
// alike, and a threshold rule of the same length alerts on exactly the busy windows those stats
// show, with the same packet counts: stats and alerts cut the same windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, firstValueFrom, lastValueFrom, map, share, tap, toArray, zip } from 'rxjs';
import { capture, newLocalSharkTank, packets, targets, toPcapngBytes } from '../../src/index';
import type { Packet } from '../../src/index';
import { decode } from '../../src/core/decode';
import type { DecodedPacket } from '../../src/core/decode';
import type { AlertRule } from '../../src/core/analysis/alert-types';
import type { WindowStats } from '../../src/core/analysis/window-stats';
import { alertWhen } from '../../src/rx/alert';
import { replayPcapng } from '../../src/rx/replay';
import { windowStats } from '../../src/rx/stats';
import { bedNamespace, requireBed, sendUdp } from '../support/testbed';

const PORT = 43001;
const WINDOW_MS = 500;
const BUSY = 20;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const span = (start: unknown, end: unknown, packets: unknown): string => `${String(start)}-${String(end)}:${String(packets)}`;

test('live and replayed, windowStats and a threshold rule cut the same windows at multiples of their length', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const t2 = bedNamespace(bed, 't2');
  const target = (await firstValueFrom(targets(tank))).find((x) => x.netns === t2.netns);
  assert.ok(target, 'discovery lists t2');

  const stop = new Subject<void>();
  const seen: Packet[] = [];
  const live = capture(tank, target, { nifs: ['eth0'], filter: `udp port ${PORT}` }).stopWhen(stop).pipe(packets(), tap((p) => seen.push(p)), map(decode));
  const liveStats = lastValueFrom(live.pipe(windowStats(WINDOW_MS), toArray()), { defaultValue: [] as WindowStats[] });
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: 300, rate: 200, size: 50, port: PORT });
  await sleep(4 * WINDOW_MS + 200);
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 200, size: 50, port: PORT });
  await sleep(1000);
  stop.next();
  const stats = await liveStats;
  assert.ok(seen.length >= 400, `the capture saw both bursts (${seen.length} packets)`);

  // One rule for where windows start: multiples of the length since the epoch.
  for (const w of stats) assert.equal(w.start % WINDOW_MS, 0, `window ${w.start} starts on the grid`);
  assert.equal(stats.reduce((n, w) => n + w.packets, 0), seen.length);
  const quiet = stats.filter((w) => w.packets === 0);
  assert.ok(quiet.length >= 3, `the gap shows as empty windows (${quiet.length})`);

  // The same packets replayed: the same windows; a threshold rule of the same length alerts on the busy ones.
  const replayed = replayPcapng(toPcapngBytes(seen), { speed: 'max' }).pipe(map(decode), share());
  const rule: AlertRule<DecodedPacket> = { kind: 'threshold', name: 'busy', metric: 'packets', windowMs: WINDOW_MS, above: BUSY, cooldownMs: 0 };
  const [again, alerts] = await lastValueFrom(zip(replayed.pipe(windowStats(WINDOW_MS), toArray()), replayed.pipe(alertWhen(rule), toArray())));
  assert.deepEqual(again.map((w) => span(w.start, w.end, w.packets)), stats.map((w) => span(w.start, w.end, w.packets)));
  const busy = stats.filter((w) => w.complete && w.packets > BUSY).map((w) => span(w.start, w.end, w.packets));
  assert.ok(busy.length >= 3, `both bursts fill windows (${busy.join(', ')})`);
  assert.deepEqual(alerts.map((a) => span(a.details.windowStart, a.details.windowEnd, a.details.packets)), busy);
  for (const a of alerts) assert.equal(a.at, a.details.windowEnd);
});
