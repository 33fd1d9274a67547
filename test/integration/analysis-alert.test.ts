// alertWhen on a live capture: a real port scan between the bed's namespaces (node:net connects
// from t1 to 200 ports of t2 within about a second) raises one port-scan alert; ordinary traffic
// (UDP datagrams, a TCP exchange) raises none. Then the same capture, replayed offline at full
// speed, gives the same alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, firstValueFrom, lastValueFrom, map, tap, toArray } from 'rxjs';
import { capture, newLocalSharkTank, packets, targets, toPcapngBytes } from '../../src/index';
import type { Packet } from '../../src/index';
import { decode } from '../../src/core/decode';
import type { DecodedPacket } from '../../src/core/decode';
import type { Alert, AlertRule } from '../../src/core/analysis/alert-types';
import { alertWhen } from '../../src/rx/alert';
import { replayPcapng } from '../../src/rx/replay';
import { bedAddress, bedNamespace, requireBed, sendUdp, tcpExchange, portScan } from '../support/testbed';


const SCAN_FIRST_PORT = 21000;
const SCAN_PORTS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a real port scan from t1 to t2 raises one port-scan alert; ordinary UDP and TCP traffic raises none; a replay gives the same alert', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const t2 = bedNamespace(bed, 't2');
  const target = (await firstValueFrom(targets(tank))).find((x) => x.netns === t2.netns);
  assert.ok(target, 'discovery lists t2');
  const rule: AlertRule<DecodedPacket> = { kind: 'port-scan', name: 'scan', ports: 100, withinMs: 1000 };

  const stop = new Subject<void>();
  const seen: Packet[] = [];
  const alerts: { alert: Alert<DecodedPacket>; afterScanStart: boolean }[] = [];
  let scanStarted = false;
  const live = capture(tank, target, { nifs: ['eth0'], filter: 'portrange 21000-21999' }).stopWhen(stop).pipe(
    packets(),
    tap((p) => seen.push(p)),
    map(decode),
  );
  const done = lastValueFrom(live.pipe(alertWhen(rule), tap((alert) => alerts.push({ alert, afterScanStart: scanStarted })), toArray()), { defaultValue: [] });
  await sleep(1000);

  // Ordinary traffic first: many datagrams to one port, one TCP connection.
  await sendUdp({ from: 't1', to: 't2', count: 300, rate: 1000, size: 50, port: 21500 });
  await tcpExchange({ from: 't1', to: 't2', bytes: 200_000, port: 21501 });
  await sleep(500);
  const ordinaryPackets = seen.length;
  assert.equal(alerts.length, 0, 'ordinary traffic raised no alert');

  scanStarted = true;
  const scanStart = Date.now();
  await portScan(bed, { from: 't1', to: 't2', firstPort: SCAN_FIRST_PORT, count: SCAN_PORTS });
  await sleep(1000);
  stop.next();
  await done;

  assert.ok(ordinaryPackets >= 300, `the capture saw the ordinary traffic (${ordinaryPackets} packets)`);
  assert.equal(alerts.length, 1, `one alert for the scan, got ${alerts.map((a) => a.alert.message).join('; ')}`);
  const { alert, afterScanStart } = alerts[0]!;
  assert.ok(afterScanStart);
  assert.equal(alert.kind, 'port-scan');
  assert.equal(alert.details.src, bedAddress(bed, 't1'));
  assert.deepEqual(alert.details.targets, [bedAddress(bed, 't2')]);
  assert.equal(alert.details.ports, 101);
  assert.ok(alert.at >= scanStart - 1000, 'the alert is at the scan\'s packet time');
  assert.equal(alert.evidence.length, 20);
  for (const p of alert.evidence) {
    assert.equal(p.tcp?.syn, true);
    assert.equal(p.tcp?.ackFlag, false);
    assert.ok(p.dstPort! >= SCAN_FIRST_PORT && p.dstPort! < SCAN_FIRST_PORT + SCAN_PORTS);
  }
  const syns = seen.map(decode).filter((p) => p.tcp?.syn === true && !p.tcp.ackFlag && p.dstPort! < SCAN_FIRST_PORT + SCAN_PORTS);
  assert.ok(syns.length >= SCAN_PORTS, `every scan SYN was captured (${syns.length})`);

  // Offline: the same packets from a file, at full speed, raise the same alert.
  const replayed = await lastValueFrom(replayPcapng(toPcapngBytes(seen), { speed: 'max' }).pipe(map(decode), alertWhen(rule), toArray()));
  assert.deepEqual(replayed.map((a) => [a.kind, a.at, a.details.src, a.details.ports]), [[alert.kind, alert.at, alert.details.src, alert.details.ports]]);
});
