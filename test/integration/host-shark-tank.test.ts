// The host client (newSharkTankOnHost) against the bed's REAL Edgeshark services: Packetflix
// v0.9.7 with --proxy-discovery to Gostwire v2.4.1 (svc1, svc2). Targets come from the real
// discovery (names carry PIDs: matched by the bed's netns inodes and keeper PIDs); what the server
// made of a request is read from the dumpcap it runs (/proc); the request heads (bearer token,
// Clustershark-* headers), which the server never echoes, are read from a TCP relay in front of
// the real svc1 that records every request head (test/support/recording-relay.ts). Faults the real services cannot produce are in host-faults-standin.
// Traffic: UDP 41010-41029 only; every capture filter names a port of that range, so the dumpcap
// found by its filter is this file's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaptureFailedError, DiscoveryError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { PodNameError, TargetNotFoundError } from '../../src/core/errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { CaptureObservable } from '../../src/rx/capture-observable';
import { Collector } from '../support/collector';
import { processGone } from '../support/processes';
import { dumpcapInterfaces, dumpcapWithFilter, findDumpcap, keeperTarget, netnsOf, packetflixPid, shbComment } from '../support/real-packetflix';
import { startRecordingRelay } from '../support/recording-relay';
import type { RecordingRelay, RelayedRequest } from '../support/recording-relay';
import { bedNamespace, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';

function errorOf(end: CaptureEnd): Error {
  assert.equal(end.kind, 'error', `expected an error end, got ${end.kind}`);
  return (end as { error: Error }).error;
}

const isDiscovery = (r: RelayedRequest): boolean => r.requestLine.startsWith('GET /discover/mobyshark ');
const isCapture = (r: RelayedRequest): boolean => r.requestLine.startsWith('GET /capture?');
/** The target JSON a capture request carried (the Clustershark-Container header wins over the query). */
const sentTarget = (r: RelayedRequest): { name?: string; netns?: number } =>
  JSON.parse(r.headers['clustershark-container'] ?? new URL(r.requestLine.split(' ')[1] ?? '', 'http://x').searchParams.get('container') ?? '{}') as { name?: string; netns?: number };

describe('host client against the REAL Packetflix and Gostwire of the test bed', () => {
  let relay: RecordingRelay | undefined;
  let tmp: string;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-tank-'));
  });
  after(async () => {
    await relay?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  /** One recording relay in front of svc1's real Packetflix for the whole file. */
  const relayTo = async (url: string): Promise<RecordingRelay> => (relay ??= await startRecordingRelay(url));

  it('targets() lists the bed namespaces with node-name from the URL host, cached until clear()', { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    for (const host of ['svc1', 'svc2'] as const) {
      const url = serviceUrl(bed, host);
      const targets = await newSharkTankOnHost(url).targets();
      for (const h of ['t1', 't2', 't3', 't4', 'hub']) assert.equal(keeperTarget(targets, bed, h).netns, bedNamespace(bed, h).netns);
      assert.ok(targets.some((x) => x.type === 'bindmount' && x.netns === bedNamespace(bed, 'empty').netns));
      assert.ok(targets.every((x) => x.nodeName === new URL(url).hostname), `${host}: node-name is ${new URL(url).hostname}`);
    }
    // The cache: counted on the wire in front of the real svc1.
    const r = await relayTo(serviceUrl(bed, 'svc1'));
    const tank = newSharkTankOnHost(r.url);
    const requests = (): number => r.requests.filter(isDiscovery).length;
    const before = requests();
    const first = await tank.targets();
    assert.equal(keeperTarget(first, bed, 't2').nodeName, '127.0.0.1');
    assert.equal(requests(), before + 1);
    assert.deepEqual(await tank.targets(), first);
    assert.equal(requests(), before + 1, 'the second targets() is answered from the cache');
    tank.clear();
    await tank.targets();
    assert.equal(requests(), before + 2, 'clear() makes the next targets() ask the server again');
  });

  it('construction does no I/O', async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const r = await relayTo(serviceUrl(bed, 'svc1'));
    const before = r.requests.length;
    const connections = r.connections;
    newSharkTankOnHost(r.url, { bearerToken: 'sekrit' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(r.requests.length, before);
    assert.equal(r.connections, connections, 'not even a connection');
  });

  it('a refused connection (a closed port of the service host) and a timeout are DiscoveryErrors naming the URL', { timeout: 60_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const host = new URL(serviceUrl(bed, 'svc1')).hostname;
    // Nothing listens on 5002 in svc1's namespace: its kernel answers the SYN with a reset.
    const refused = await newSharkTankOnHost(`${host}:5002`).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof DiscoveryError, String(refused));
    assert.equal(refused.status, undefined);
    assert.ok(refused.message.includes(`http://${host}:5002/discover/mobyshark`), refused.message);
    assert.match(refused.message, /ECONNREFUSED/);
    // The real discovery runs a full scan of the host (hundreds of ms): 5 ms is never enough.
    const slow = await newSharkTankOnHost(serviceUrl(bed, 'svc1'), { timeout: 5 }).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(slow instanceof DiscoveryError, String(slow));
    assert.ok(slow.message.includes(`${serviceUrl(bed, 'svc1')}/discover/mobyshark`), slow.message);
    assert.match(slow.message, /no answer within 5 ms/);
  });

  it('a wrong base path is a DiscoveryError with the real 404 (Packetflix passes unknown paths to Gostwire)', { timeout: 60_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const url = `${serviceUrl(bed, 'svc1')}/edgeshark`;
    const err = await newSharkTankOnHost(url).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DiscoveryError, String(err));
    assert.equal(err.status, 404);
    assert.equal(err.bodyStart, '404 page not found');
    assert.ok(err.message.includes(`${url}/discover/mobyshark`), err.message);
  });

  it('captures 100 datagrams with a bearer token on the wire; the SHB carries the target block with node-name', { timeout: 180_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const r = await relayTo(serviceUrl(bed, 'svc1'));
    const tank = newSharkTankOnHost(r.url, { bearerToken: 'sekrit' });
    const target = keeperTarget(await tank.targets(), bed, 't2');
    assert.equal(r.requests.filter(isDiscovery).at(-1)?.headers.authorization, 'Bearer sekrit');
    const filter = 'udp port 41010';
    const out = new Collector();
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
    await out.started;
    const request = r.requests.filter(isCapture).at(-1);
    assert.equal(request?.headers.authorization, 'Bearer sekrit');
    assert.equal(request?.headers['clustershark-nif'], 'eth0');
    assert.equal(request?.headers['clustershark-filter'], filter);
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0']);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns);
    await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 64, port: 41010 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const stream = Buffer.concat(out.chunks);
    const file = path.join(tmp, 'tank.pcapng');
    writeFileSync(file, stream);
    assert.equal((await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 41010 && !icmp'])).length, 100);
    const comment = shbComment(stream);
    const block = `---\n# capture target information\ncontainer-name: ${target.name}\ncontainer-type: proc\nnode-name: "127.0.0.1"\ncapture-filter: ${filter}\n`;
    // The node name is the URL's host (the relay's), quoted or not as the YAML writer chooses.
    assert.ok(comment.includes(block) || comment.includes(block.replace('"127.0.0.1"', '127.0.0.1')), comment);
  });

  it('capturePod of a pod that does not exist is a typed not-found error; bare containers are completed every time', { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const r = await relayTo(serviceUrl(bed, 'svc1'));
    const tank = newSharkTankOnHost(r.url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    const capturesBefore = r.requests.filter(isCapture).length;
    // The bed has no Kubernetes: discovery lists no pod at all.
    assert.equal((await tank.targets()).filter((x) => x.type === 'pod').length, 0);
    const pod = errorOf(await tank.capturePod(new Collector(), 'kube-system/no-such-pod').wait());
    assert.ok(pod instanceof TargetNotFoundError, String(pod));
    assert.match(pod.message, /non-existing target/);
    assert.match(pod.message, /kube-system\/no-such-pod/);
    assert.equal(r.requests.filter(isCapture).length, capturesBefore, 'no capture request for a pod that does not exist');
    // The same client completes a bare target each time (csharg only while its cache is empty).
    for (let i = 0; i < 2; i++) {
      const filter = `udp port ${41011 + i}`;
      const out = new Collector();
      const streamer = tank.captureContainer(out, '127.0.0.1', t2.name, { nifs: ['eth0'], filter });
      await out.started;
      const sent = sentTarget(r.requests.filter(isCapture).at(-1)!);
      assert.equal(sent.name, t2.name);
      assert.equal(sent.netns, t2.netns);
      const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
      assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns);
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      await processGone(dumpcap.pid, 20_000);
    }
  });

  it("captureContainer by name finds csharg-t2(PID) on node 198.18.255.2 and the real Packetflix captures t2's namespace", { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const url = serviceUrl(bed, 'svc1');
    const tank = newSharkTankOnHost(url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    const filter = 'udp port 41013';
    const out = new Collector();
    const streamer = tank.captureContainer(out, new URL(url).hostname, t2.name, { filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns);
    // No interfaces asked for: the discovered target's list (eth0 and lo) is captured.
    assert.deepEqual(dumpcapInterfaces(dumpcap).sort(), ['eth0', 'lo']);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    assert.match(shbComment(Buffer.concat(out.chunks)), /\ncontainer-type: proc\nnode-name: "?198\.18\.255\.2"?\n/);
  });

  it('bad pod names and unknown targets end with typed errors, without opening a socket', async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const r = await relayTo(serviceUrl(bed, 'svc1'));
    const tank = newSharkTankOnHost(r.url);
    const before = r.requests.length;
    const capturesBefore = r.requests.filter(isCapture).length;
    assert.ok(errorOf(await tank.capturePod(new Collector(), 'a/b/c').wait()) instanceof PodNameError);
    assert.ok(errorOf(await tank.capturePod(new Collector(), '/x').wait()) instanceof PodNameError);
    assert.equal(r.requests.length, before, 'a bad pod name needs no request at all');
    const missing = errorOf(await tank.captureContainer(new Collector(), '127.0.0.1', 'no-such').wait());
    assert.ok(missing instanceof TargetNotFoundError);
    assert.match(missing.message, /non-existing target/);
    assert.ok(r.requests.slice(before).some(isDiscovery), 'the unknown name was looked up in the real discovery');
    assert.equal(r.requests.filter(isCapture).length, capturesBefore, 'no capture request for an unknown target');
  });

  it('a server-reported failure reaches the streamer with the real reason text', { timeout: 60_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const url = serviceUrl(bed, 'svc1');
    const tank = newSharkTankOnHost(url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    const error = errorOf(await tank.captureContainer(new Collector(), new URL(url).hostname, t2.name, { nifs: ['eth0'], filter: 'udp port (' }).wait());
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.closeCode, 1006);
    assert.equal(error.reason, `Invalid capture filter "udp port (" for interface 'eth0'.`);
    assert.ok(error.message.includes(t2.name));
  });

  it('unsubscribing a CaptureObservable on openCapture closes the socket and the real Packetflix ends its dumpcap', { timeout: 60_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const tank = newSharkTankOnHost(serviceUrl(bed, 'svc1'));
    const target: Target = keeperTarget(await tank.targets(), bed, 't2');
    const filter = 'udp port 41014';
    const observable = new CaptureObservable((handlers) => tank.openCapture(target, { nifs: ['eth0'], filter }, handlers));
    let unsubscribe!: () => void;
    const first = await new Promise<Buffer>((resolve, reject) => {
      const sub = observable.subscribe({ next: resolve, error: reject });
      unsubscribe = () => sub.unsubscribe();
    });
    assert.equal(first.readUInt32LE(0), 0x0a0d0d0a, 'the first chunk starts with the SHB');
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    unsubscribe();
    // Packetflix SIGTERMs dumpcap only when the WebSocket closes.
    await processGone(dumpcap.pid, 20_000);
    assert.equal(findDumpcap(packetflixPid(bed), filter), undefined);
  });
});
