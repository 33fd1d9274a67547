// preTrigger on a live capture: datagrams sent before the trigger end up in the pcapng file
// written after it (checked with tshark), followed by the ones of the live phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Subject, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { capture, newLocalSharkTank, packets, targets, toPcapng } from '../../src/index';
import { preTrigger } from '../../src/rx/pre-trigger';
import { bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('preTrigger writes a file holding the packets from before the trigger, then the live ones (tshark)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const t2 = bedNamespace(bed, 't2');
  const target = (await firstValueFrom(targets(tank))).find((x) => x.netns === t2.netns);
  assert.ok(target, 'discovery lists t2');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csharg-pretrigger-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const trigger = new Subject<void>();
  const stop = new Subject<void>();
  const chunks = lastValueFrom(capture(tank, target, { nifs: ['eth0'], filter: 'udp port 21600' }).stopWhen(stop).pipe(
    packets(),
    preTrigger({ seconds: 30 }, trigger, { postSeconds: 60 }),
    toPcapng(),
    toArray(),
  ));
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: 50, rate: 500, size: 40, port: 21600 });
  await sleep(300);
  const triggerNs = BigInt(Date.now()) * 1_000_000n;
  trigger.next();
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 500, size: 40, port: 21600 });
  await sleep(500);
  stop.next();
  const file = path.join(dir, 'pretrigger.pcapng');
  writeFileSync(file, Buffer.concat(await chunks));

  const all = await tsharkFields(file, ['frame.time_epoch', 'udp.dstport', 'data.data', 'icmp.type']);
  // Nothing listens on t2's port: t2 may answer some datagrams with ICMP port unreachable.
  const rows = all.filter((r) => !r[3]);
  assert.ok(all.every((r) => !r[3] || r[3] === '3'), 'besides the datagrams only ICMP unreachables');
  assert.equal(rows.length, 70, 'all 50 datagrams from before the trigger and the 20 after it');
  const timeNs = (epoch: string): bigint => {
    const [s, frac = ''] = epoch.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  };
  const before = rows.filter((r) => timeNs(r[0]!) < triggerNs);
  assert.equal(before.length, 50, 'the 50 datagrams sent before the trigger are timestamped before it');
  // Each payload starts with its sequence number: the first burst is 0..49, complete and in order.
  assert.deepEqual(before.map((r) => parseInt(r[2]!.slice(0, 8), 16)), Array.from({ length: 50 }, (_, i) => i));
  assert.ok(rows.every((r) => r[1] === '21600'));
});
