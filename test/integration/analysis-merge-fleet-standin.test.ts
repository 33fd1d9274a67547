// A fleet of two Edgeshark hosts given by URL, played by two Packetflix STAND-INS (the real
// services cannot be built here; see test/support/packetflix-standin.ts), reached as `localhost`
// and `127.0.0.1` so their node names differ. Captures of t1 from one and t2 from the other, merged:
// one time-ordered file, every datagram on both interfaces, interfaces named node/target/iface.
// And a fleet member whose discovery fails costs only its own targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { PcapngPacketReader, capture, packets, targets, toPcapng } from '../../src/index';
import { newSharkTankFleet } from '../../src/core/fleet-shark-tank';
import type { FleetMemberFailure } from '../../src/core/fleet-shark-tank';
import { mergeCaptures } from '../../src/rx/merge';
import { startPacketflixStandin } from '../support/packetflix-standin';
import { bedNamespace, requireBed, sendUdp } from '../support/testbed';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const COUNT = 200;

test('fleet of two Packetflix stand-ins by URL: targets of both, captures routed to each, merged in time order (stand-in)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const one = await startPacketflixStandin(bed);
  t.after(() => one.close());
  const two = await startPacketflixStandin(bed);
  t.after(() => two.close());
  const fleet = newSharkTankFleet([one.url.replace('127.0.0.1', 'localhost'), two.url]);
  const listed = await firstValueFrom(targets(fleet));
  assert.deepEqual([...new Set(listed.map((x) => x.nodeName))].sort(), ['127.0.0.1', 'localhost']);
  const t1 = listed.find((x) => x.netns === bedNamespace(bed, 't1').netns && x.nodeName === 'localhost');
  const t2 = listed.find((x) => x.netns === bedNamespace(bed, 't2').netns && x.nodeName === '127.0.0.1');
  assert.ok(t1 && t2);

  const stop = new Subject<void>();
  const options = { nifs: ['eth0'], filter: 'udp port 21710' };
  const chunks = lastValueFrom(mergeCaptures([
    capture(fleet, t1, options).stopWhen(stop).pipe(packets()),
    capture(fleet, t2, options).stopWhen(stop).pipe(packets()),
  ], { windowMs: 500 }).pipe(toPcapng(), toArray()));
  await sleep(1500);
  await sendUdp({ from: 't1', to: 't2', count: COUNT, rate: 1000, size: 30, port: 21710 });
  await sleep(700);
  stop.next();
  const file = Buffer.concat(await chunks);
  assert.equal(one.captures.length, 1, 'one capture went to the first stand-in');
  assert.equal(two.captures.length, 1, 'one capture went to the second stand-in');

  const reader = new PcapngPacketReader();
  const merged = reader.push(file);
  reader.end();
  const udp = merged.filter((p) => p.data[23] === 17);
  const byName = new Map<string, number[]>();
  for (const p of udp) {
    const seqs = byName.get(p.interfaceName ?? '') ?? [];
    seqs.push(p.data.readUInt32BE(42));
    byName.set(p.interfaceName ?? '', seqs);
  }
  assert.deepEqual([...byName.keys()].sort(), [`127.0.0.1/${t2.name}/eth0`, `localhost/${t1.name}/eth0`]);
  for (const [name, seqs] of byName) assert.deepEqual(seqs, Array.from({ length: COUNT }, (_, i) => i), `every datagram once on ${name}`);
  const times = merged.map((p) => p.timestampNs!);
  assert.ok(times.every((ns, i) => i === 0 || ns >= times[i - 1]!), 'time-ordered');
});

test('fleet: a stand-in whose discovery fails costs its targets and a warning; both failing is FLEET_DISCOVERY (stand-in)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const good = await startPacketflixStandin(bed);
  t.after(() => good.close());
  const bad = await startPacketflixStandin(bed);
  t.after(() => bad.close());
  bad.behaviour.discovery = { status: 500, body: 'gostwire is down' };
  const warnings: FleetMemberFailure[] = [];
  const fleet = newSharkTankFleet([good.url.replace('127.0.0.1', 'localhost'), bad.url], { onWarning: (w) => warnings.push(w) });
  const listed = await fleet.targets();
  assert.ok(listed.length > 0 && listed.every((x) => x.nodeName === 'localhost'));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.member, fleet.members[1]!.description);
  good.behaviour.discovery = { status: 500, body: 'down too' };
  fleet.clear();
  await assert.rejects(fleet.targets(), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'FLEET_DISCOVERY');
});
