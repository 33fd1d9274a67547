// mergeCaptures of two live captures from a fleet of two local tanks (node names bed-a and bed-b):
// t1 eth0 (sender) and t2 eth0 (receiver) both see the same datagrams. The merged file opens in
// tshark, time-ordered, every datagram on both interfaces, interfaces named node/target/iface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Subject, firstValueFrom, lastValueFrom, tap, toArray } from 'rxjs';
import { capture, newLocalSharkTank, packets, targets, toPcapng } from '../../src/index';
import { newSharkTankFleet } from '../../src/core/host/fleet-shark-tank';
import { mergeCaptures } from '../../src/rx/merge';
import { bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const COUNT = 300;

test('mergeCaptures of t1 and t2 (a fleet of two local tanks) gives one time-ordered file with node/target/iface interfaces (tshark)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const fleet = newSharkTankFleet([newLocalSharkTank({ nodeName: 'bed-a' }), newLocalSharkTank({ nodeName: 'bed-b' })]);
  const listed = await firstValueFrom(targets(fleet));
  const t1 = listed.find((x) => x.netns === bedNamespace(bed, 't1').netns && x.nodeName === 'bed-a');
  const t2 = listed.find((x) => x.netns === bedNamespace(bed, 't2').netns && x.nodeName === 'bed-b');
  assert.ok(t1 && t2, 'the fleet lists t1 on bed-a and t2 on bed-b');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csharg-merge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const stop = new Subject<void>();
  const options = { nifs: ['eth0'], filter: 'udp port 21700' };
  let late = 0;
  const chunks = lastValueFrom(mergeCaptures([
    capture(fleet, t1, options).stopWhen(stop).pipe(packets()),
    capture(fleet, t2, options).stopWhen(stop).pipe(packets()),
  ], { windowMs: 500 }).pipe(tap((p) => { if (p.late) late++; }), toPcapng(), toArray()));
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: COUNT, rate: 1000, size: 30, port: 21700 });
  await sleep(500);
  stop.next();
  const file = path.join(dir, 'merged.pcapng');
  writeFileSync(file, Buffer.concat(await chunks));

  const all = await tsharkFields(file, ['frame.interface_name', 'frame.time_epoch', 'data.data', 'icmp.type']);
  // Nothing listens on t2's port: t2 may answer some datagrams with ICMP port unreachable.
  const rows = all.filter((r) => !r[3]);
  assert.ok(all.every((r) => !r[3] || r[3] === '3'), 'besides the datagrams only ICMP unreachables');
  const names = [...new Set(rows.map((r) => r[0]))].sort();
  assert.deepEqual(names, [`bed-a/${t1.name}/eth0`, `bed-b/${t2.name}/eth0`]);
  const interfaces = await tsharkFields(file, ['frame.interface_id']);
  assert.deepEqual([...new Set(interfaces.map((r) => r[0]))].sort(), ['0', '1'], 'one IDB per source interface');
  for (const name of names) {
    const seqs = rows.filter((r) => r[0] === name).map((r) => parseInt(r[2]!.slice(0, 8), 16));
    assert.deepEqual(seqs, Array.from({ length: COUNT }, (_, i) => i), `every datagram once, in order, on ${name}`);
  }
  const times = all.map((r) => {
    const [s, frac = ''] = r[1]!.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  });
  const outOfOrder = times.filter((ns, i) => i > 0 && ns < times[i - 1]!).length;
  assert.equal(outOfOrder, 0, 'time-ordered');
  assert.equal(late, 0, 'no packet was late');
});
