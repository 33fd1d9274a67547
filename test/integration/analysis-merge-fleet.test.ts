// A fleet of the test bed's two REAL Edgeshark hosts (svc1, svc2: Packetflix v0.9.7 with Gostwire
// v2.4.1 behind it), given by URL. Both see the same machine, so every namespace is listed twice,
// once per node name (the host part of each URL). Captures of t1 through svc1 and of t2 through
// svc2 (each server's own dumpcap, read from /proc, proves where each went), merged: one
// time-ordered file, every datagram on both interfaces, each sent datagram before its arrival,
// interfaces named node/target/iface. And a member whose discovery fails (nothing listens at its
// URL: a real refused connection) costs only its own targets and a warning; when every member
// fails, targets() rejects with FLEET_DISCOVERY. A bare target (name only) that both hosts know
// is ambiguous until it names its node, and then goes to that host alone. A fleet may mix a real
// host with this machine's local source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readlinkSync } from 'node:fs';
import { Subject, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { DiscoveryError, PcapngPacketReader, capture, newLocalSharkTank, packets, targets, toPcapng } from '../../src/index';
import { TargetNotFoundError } from '../../src/core/errors';
import { newSharkTankFleet } from '../../src/core/host/fleet-shark-tank';
import type { FleetDiscoveryError, FleetMemberFailure } from '../../src/core/host/fleet-shark-tank';
import { mergeCaptures } from '../../src/rx/merge';
import { bedNamespace, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { childDumpcaps, packetflixDumpcaps } from '../support/processes';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const COUNT = 200;
/** This file's ports (the helper range 47000-47999). */
const PORT_MERGE = 47300;
const PORT_SURVIVOR = 47301;
const PORT_BARE = 47302;
const PORT_MIXED = 47303;
const HOST_OPTIONS = { timeout: 60_000 };

function packetflixPid(bed: BedEnv, host: 'svc1' | 'svc2'): number {
  const pid = bed.services.hosts.find((h) => h.name === host)?.packetflixPid;
  assert.ok(pid, `${host}'s Packetflix runs`);
  return pid;
}

function netnsOf(pid: number): number | undefined {
  try {
    return Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`))?.[1]);
  } catch {
    return undefined;
  }
}

/** The server's dumpcaps for `filter`, with the network namespace each runs in. */
function serverDumpcaps(bed: BedEnv, host: 'svc1' | 'svc2', filter: string): { args: string[]; netns: number | undefined }[] {
  return packetflixDumpcaps(packetflixPid(bed, host))
    .filter((d) => d.args.includes(filter))
    .map((d) => ({ args: d.args, netns: netnsOf(d.pid) }));
}

/** A TCP port on 127.0.0.1 where nothing listens (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('fleet of the two real Edgeshark hosts by URL: targets of both, captures routed to each, merged in time order', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url1 = serviceUrl(bed, 'svc1');
  const url2 = serviceUrl(bed, 'svc2');
  const node1 = new URL(url1).hostname;
  const node2 = new URL(url2).hostname;
  const fleet = newSharkTankFleet([url1, url2], { host: HOST_OPTIONS });
  const listed = await firstValueFrom(targets(fleet));
  assert.deepEqual(fleet.warnings, []);
  assert.deepEqual([...new Set(listed.map((x) => x.nodeName))].sort(), [node1, node2].sort());
  // The same machine behind both: each of the bed's namespaces once per node (`env` lists other
  // tests' short-lived csharg-* namespaces too: not these).
  for (const ns of ['t1', 't2', 't3', 't4', 'hub', 'empty', 'svc1', 'svc2'].map((host) => bedNamespace(bed, host))) {
    for (const node of [node1, node2]) {
      assert.ok(listed.some((x) => x.netns === ns.netns && x.nodeName === node), `${ns.name} on ${node}`);
    }
  }
  const t1 = listed.find((x) => x.netns === bedNamespace(bed, 't1').netns && x.nodeName === node1);
  const t2 = listed.find((x) => x.netns === bedNamespace(bed, 't2').netns && x.nodeName === node2);
  assert.ok(t1 && t2);
  assert.equal(t1.name, `csharg-t1(${bedNamespace(bed, 't1').keeperPid})`);

  const filter = `udp port ${PORT_MERGE}`;
  const stop = new Subject<void>();
  const options = { nifs: ['eth0'], filter };
  const chunks = lastValueFrom(mergeCaptures([
    capture(fleet, t1, options).stopWhen(stop).pipe(packets()),
    capture(fleet, t2, options).stopWhen(stop).pipe(packets()),
  ], { windowMs: 500 }).pipe(toPcapng(), toArray()));
  // Each capture went to its own host: one dumpcap under each Packetflix, in the right namespace.
  for (let i = 0; i < 1000 && (serverDumpcaps(bed, 'svc1', filter).length === 0 || serverDumpcaps(bed, 'svc2', filter).length === 0); i++) await sleep(10);
  const on1 = serverDumpcaps(bed, 'svc1', filter);
  const on2 = serverDumpcaps(bed, 'svc2', filter);
  assert.deepEqual(on1.map((d) => d.netns), [t1.netns], 'svc1 captures t1');
  assert.deepEqual(on2.map((d) => d.netns), [t2.netns], 'svc2 captures t2');
  for (const d of [...on1, ...on2]) assert.deepEqual(d.args.slice(-4), ['-i', 'eth0', '-f', filter]);
  await sleep(1000);
  const sent = await sendUdp({ from: 't1', to: 't2', count: COUNT, rate: 1000, size: 30, port: PORT_MERGE });
  assert.equal(sent.sent, COUNT);
  await sleep(1000);
  stop.next();
  const file = Buffer.concat(await chunks);

  const reader = new PcapngPacketReader();
  const merged = reader.push(file);
  reader.end();
  assert.equal(merged.length, 2 * COUNT, 'every datagram twice (sent on t1, received on t2), nothing else');
  const byName = new Map<string, number[]>();
  const position = new Map<string, number>();
  merged.forEach((p, index) => {
    assert.equal(p.data[23], 17, 'UDP');
    const seq = p.data.readUInt32BE(42);
    const seqs = byName.get(p.interfaceName ?? '') ?? [];
    seqs.push(seq);
    byName.set(p.interfaceName ?? '', seqs);
    position.set(`${p.interfaceName}#${seq}`, index);
  });
  const name1 = `${node1}/${t1.name}/eth0`;
  const name2 = `${node2}/${t2.name}/eth0`;
  assert.deepEqual([...byName.keys()].sort(), [name1, name2].sort());
  for (const [name, seqs] of byName) assert.deepEqual(seqs, Array.from({ length: COUNT }, (_, i) => i), `every datagram once on ${name}`);
  const times = merged.map((p) => p.timestampNs!);
  assert.ok(times.every((ns, i) => i === 0 || ns >= times[i - 1]!), 'time-ordered');
  for (let seq = 0; seq < COUNT; seq++) {
    assert.ok(position.get(`${name1}#${seq}`)! < position.get(`${name2}#${seq}`)!, `datagram ${seq} leaves t1 before it reaches t2`);
  }
  for (let i = 0; i < 500 && serverDumpcaps(bed, 'svc1', filter).length + serverDumpcaps(bed, 'svc2', filter).length > 0; i++) await sleep(20);
  assert.equal(serverDumpcaps(bed, 'svc1', filter).length + serverDumpcaps(bed, 'svc2', filter).length, 0, 'both servers stopped their dumpcaps');
});

test('fleet: a host where nothing listens costs its targets and a warning, captures still go to the other; both failing is FLEET_DISCOVERY', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const good = serviceUrl(bed, 'svc1');
  const refused = 'http://127.0.0.1:1';
  const warnings: FleetMemberFailure[] = [];
  const fleet = newSharkTankFleet([good, refused], { host: HOST_OPTIONS, onWarning: (w) => warnings.push(w) });
  const listed = await fleet.targets();
  const node = new URL(good).hostname;
  assert.ok(listed.some((x) => x.netns === bedNamespace(bed, 't2').netns) && listed.every((x) => x.nodeName === node));
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.member, fleet.members[1]!.description);
  assert.ok(warnings[0]!.error instanceof DiscoveryError, String(warnings[0]!.error));
  assert.ok(warnings[0]!.error.message.includes('127.0.0.1:1'), warnings[0]!.error.message);
  assert.deepEqual(fleet.warnings, warnings);

  // The surviving member still captures.
  const t2 = listed.find((x) => x.netns === bedNamespace(bed, 't2').netns)!;
  const stop = new Subject<void>();
  const filter = `udp port ${PORT_SURVIVOR}`;
  const got = lastValueFrom(capture(fleet, t2, { nifs: ['eth0'], filter }).stopWhen(stop).pipe(packets(), toArray()));
  for (let i = 0; i < 1000 && serverDumpcaps(bed, 'svc1', filter).length === 0; i++) await sleep(10);
  assert.deepEqual(serverDumpcaps(bed, 'svc1', filter).map((d) => d.netns), [t2.netns]);
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 30, port: PORT_SURVIVOR });
  await sleep(700);
  stop.next();
  assert.deepEqual((await got).map((p) => p.data.readUInt32BE(42)), Array.from({ length: 20 }, (_, i) => i));

  // Both members unreachable: one refuses at port 1, the other at a port just closed (as `localhost`,
  // so that the two node names differ).
  const closed = `http://localhost:${await closedPort()}`;
  const dead = newSharkTankFleet([refused, closed], { host: HOST_OPTIONS, onWarning: (w) => warnings.push(w) });
  await assert.rejects(dead.targets(), (e: unknown) => {
    const error = e as FleetDiscoveryError;
    assert.equal(error.code, 'FLEET_DISCOVERY');
    assert.deepEqual(error.failures.map((f) => f.member), dead.members.map((m) => m.description));
    assert.ok(error.failures.every((f) => f.error instanceof DiscoveryError));
    assert.ok(error.message.includes('127.0.0.1:1') && error.message.includes(closed.slice('http://'.length)), error.message);
    return true;
  });
  assert.equal(warnings.length, 1, 'no warnings when every member failed: the rejection says it all');
});

test('fleet: a bare target names its node to be routed; without one, the same name on both real hosts is ambiguous', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url1 = serviceUrl(bed, 'svc1');
  const url2 = serviceUrl(bed, 'svc2');
  const fleet = newSharkTankFleet([url1, url2], { host: HOST_OPTIONS });
  const name = `csharg-t2(${bedNamespace(bed, 't2').keeperPid})`;
  // Both Gostwires list t2 under the same name: a bare target without a node cannot choose.
  await assert.rejects(lastValueFrom(capture(fleet, { name, type: 'proc' }, { nifs: ['eth0'] }).pipe(toArray())), (e: unknown) => {
    assert.ok(e instanceof TargetNotFoundError, String(e));
    assert.equal(e.matches, 2);
    return true;
  });
  // With svc2's node name it goes to svc2, which completes it from its own discovery.
  const filter = `udp port ${PORT_BARE}`;
  const stop = new Subject<void>();
  const got = lastValueFrom(capture(fleet, { name, type: 'proc', nodeName: new URL(url2).hostname }, { nifs: ['eth0'], filter }).stopWhen(stop).pipe(packets(), toArray()));
  for (let i = 0; i < 1000 && serverDumpcaps(bed, 'svc2', filter).length === 0; i++) await sleep(10);
  assert.deepEqual(serverDumpcaps(bed, 'svc2', filter).map((d) => d.netns), [bedNamespace(bed, 't2').netns], 'svc2 captures t2');
  assert.deepEqual(serverDumpcaps(bed, 'svc1', filter), [], 'svc1 captures nothing');
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 30, port: PORT_BARE });
  await sleep(700);
  stop.next();
  const list = await got;
  assert.deepEqual(list.map((p) => p.data.readUInt32BE(42)), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(list[0]!.target?.['node-name'], new URL(url2).hostname, 'the SHB names svc2');
  assert.equal(list[0]!.target?.['container-name'], name);
});

test('fleet of a real Edgeshark host and this machine (the local source): one list, captures routed to each, merged', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url1 = serviceUrl(bed, 'svc1');
  const node1 = new URL(url1).hostname;
  const local = newLocalSharkTank({ dockerSocket: false, nodeName: 'this-machine' });
  const fleet = newSharkTankFleet([url1, local], { host: HOST_OPTIONS });
  const listed = await fleet.targets();
  assert.deepEqual([...new Set(listed.map((x) => x.nodeName))].sort(), [node1, 'this-machine'].sort());
  const t1 = listed.find((x) => x.netns === bedNamespace(bed, 't1').netns && x.nodeName === node1);
  const t2 = listed.find((x) => x.netns === bedNamespace(bed, 't2').netns && x.nodeName === 'this-machine');
  assert.ok(t1 && t2);
  const filter = `udp port ${PORT_MIXED}`;
  const stop = new Subject<void>();
  const options = { nifs: ['eth0'], filter };
  const chunks = lastValueFrom(mergeCaptures([
    capture(fleet, t1, options).stopWhen(stop).pipe(packets()),
    capture(fleet, t2, options).stopWhen(stop).pipe(packets()),
  ], { windowMs: 500 }).pipe(toPcapng(), toArray()));
  for (let i = 0; i < 1000 && (serverDumpcaps(bed, 'svc1', filter).length === 0 || childDumpcaps().length === 0); i++) await sleep(10);
  assert.deepEqual(serverDumpcaps(bed, 'svc1', filter).map((d) => d.netns), [t1.netns], 'svc1 captures t1');
  assert.deepEqual(childDumpcaps().map((pid) => netnsOf(pid)), [t2.netns], 'this process captures t2 with its own dumpcap');
  await sleep(1000);
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 30, port: PORT_MIXED });
  await sleep(1000);
  stop.next();
  const reader = new PcapngPacketReader();
  const merged = reader.push(Buffer.concat(await chunks));
  reader.end();
  const names = [`${node1}/${t1.name}/eth0`, `this-machine/${t2.name}/eth0`];
  for (const name of names) {
    assert.deepEqual(merged.filter((p) => p.interfaceName === name).map((p) => p.data.readUInt32BE(42)), Array.from({ length: 100 }, (_, i) => i), `every datagram once on ${name}`);
  }
  assert.equal(merged.length, 200);
  const times = merged.map((p) => p.timestampNs!);
  assert.ok(times.every((ns, i) => i === 0 || ns >= times[i - 1]!), 'time-ordered');
  for (let i = 0; i < 500 && childDumpcaps().length > 0; i++) await sleep(20);
  assert.deepEqual(childDumpcaps(), []);
});
