// The host client (newSharkTankOnHost) against the wire-spec stand-in for Packetflix, which
// cannot be built here (test/support/packetflix-standin.ts); captures run REAL dumpcap in the
// test bed's namespaces.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaptureFailedError, DiscoveryError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { PodNameError, TargetNotFoundError } from '../../src/core/errors';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import { CaptureObservable } from '../../src/rx/capture-observable';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin, StandinCapture } from '../support/packetflix-standin';
import { bedNamespace, loadBed, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { Collector } from '../support/collector';

async function dumpcapExits(capture: StandinCapture | undefined): Promise<void> {
  assert.ok(capture, 'the stand-in started no dumpcap');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  assert.notEqual(await Promise.race([capture.exited, timeout]), 'timeout', `dumpcap ${capture.pid} still running`);
  assert.throws(() => process.kill(capture.pid, 0), /ESRCH/);
}

function errorOf(end: CaptureEnd): Error {
  assert.equal(end.kind, 'error', `expected an error end, got ${end.kind}`);
  return (end as { error: Error }).error;
}

describe('host client against the wire-spec stand-in for Packetflix (which cannot be built here)', () => {
  let bed: BedEnv;
  let standin: PacketflixStandin;
  let tmp: string;

  before(async () => {
    bed = await loadBed();
    standin = await startPacketflixStandin(bed);
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-tank-'));
  });
  after(async () => {
    await standin?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('targets() lists the bed namespaces with node-name from the URL, cached until clear()', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const before = standin.discoveryRequests;
    const targets = await tank.targets();
    const t2 = targets.find((t) => t.name === 't2-web');
    assert.equal(t2?.netns, bedNamespace(bed, 't2').netns);
    assert.ok(targets.every((t) => t.nodeName === '127.0.0.1'));
    await tank.targets();
    assert.equal(standin.discoveryRequests, before + 1);
    tank.clear();
    await tank.targets();
    assert.equal(standin.discoveryRequests, before + 2);
  });

  it('construction does no I/O', () => {
    const before = standin.discoveryRequests;
    newSharkTankOnHost(standin.url);
    assert.equal(standin.discoveryRequests, before);
  });

  it('discovery answered 502 with a non-JSON body is a DiscoveryError naming URL, status and body', async () => {
    standin.behaviour.discovery = { status: 502, body: 'Bad Gateway: dial tcp 127.0.0.1:5000: connection refused' };
    try {
      const err = await newSharkTankOnHost(standin.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError);
      assert.equal(err.status, 502);
      assert.ok(err.message.includes(`${standin.url}/discover/mobyshark`));
      assert.match(err.message, /502/);
      assert.match(err.message, /Bad Gateway: dial tcp/);
    } finally {
      delete standin.behaviour.discovery;
    }
  });

  it('discovery with a 200 non-JSON body, a refused connection, or a timeout is a DiscoveryError', async () => {
    standin.behaviour.discovery = { status: 200, body: '<html>login</html>' };
    try {
      const notJson = await newSharkTankOnHost(standin.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(notJson instanceof DiscoveryError);
      assert.match(notJson.message, /not JSON: <html>login<\/html>/);
    } finally {
      delete standin.behaviour.discovery;
    }
    const refused = await newSharkTankOnHost('127.0.0.1:1').targets().then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof DiscoveryError);
    assert.match(refused.message, /http:\/\/127\.0\.0\.1:1\/discover\/mobyshark/);
    assert.match(refused.message, /ECONNREFUSED/);
    standin.behaviour.discovery = 'hang';
    try {
      const hung = await newSharkTankOnHost(standin.url, { timeout: 300 }).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(hung instanceof DiscoveryError);
      assert.match(hung.message, /no answer within 300 ms/);
    } finally {
      delete standin.behaviour.discovery;
    }
  });

  it('captures 100 datagrams; the SHB carries the client target block with node-name', async () => {
    const tank = newSharkTankOnHost(standin.url, { bearerToken: 'sekrit' });
    const target = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(target);
    const out = new Collector();
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter: 'udp port 40200' });
    await out.started;
    const capture = standin.captures.at(-1);
    assert.equal(capture?.authorization, 'Bearer sekrit');
    assert.equal(capture?.params.nif, 'eth0');
    await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 64, port: 40200 });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const stream = Buffer.concat(out.chunks);
    const file = path.join(tmp, 'tank.pcapng');
    writeFileSync(file, stream);
    assert.equal((await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 40200'])).length, 100);
    const shb = stream.subarray(0, stream.readUInt32LE(4)).toString('latin1');
    assert.match(shb, /---\n# capture target information\ncontainer-name: t2-web\ncontainer-type: docker\nnode-name: "?127\.0\.0\.1"?\ncapture-filter: udp port 40200\n/);
    assert.doesNotMatch(shb, /packetflix-standin/);
    await dumpcapExits(capture);
  });

  it('capturePod and captureContainer complete bare targets from discovery (every time)', async () => {
    const tank = newSharkTankOnHost(standin.url);
    for (let i = 0; i < 2; i++) {
      const pod = tank.capturePod(new Collector(), 't1-pod');
      assert.deepEqual(await pod.stopAfter(200), { kind: 'stopped' });
      const sent = JSON.parse(standin.captures.at(-1)?.params.container ?? '{}') as { name?: string; netns?: number };
      assert.equal(sent.name, 'default/t1-pod');
      assert.equal(sent.netns, bedNamespace(bed, 't1').netns);
    }
    const container = tank.captureContainer(new Collector(), '127.0.0.1', 't2-web');
    assert.deepEqual(await container.stopAfter(200), { kind: 'stopped' });
    assert.equal((JSON.parse(standin.captures.at(-1)?.params.container ?? '{}') as { netns?: number }).netns, bedNamespace(bed, 't2').netns);
  });

  it('bad pod names and unknown targets end with typed errors, without opening a socket', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const count = standin.captures.length;
    assert.ok(errorOf(await tank.capturePod(new Collector(), 'a/b/c').wait()) instanceof PodNameError);
    const missing = errorOf(await tank.captureContainer(new Collector(), '127.0.0.1', 'no-such').wait());
    assert.ok(missing instanceof TargetNotFoundError);
    assert.match(missing.message, /non-existing target/);
    assert.equal(standin.captures.length, count);
  });

  it('a server-reported failure reaches the streamer with the reason text', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const error = errorOf(await tank.captureContainer(new Collector(), '127.0.0.1', 't2-web', { filter: 'udp port (' }).wait());
    assert.ok(error instanceof CaptureFailedError);
    assert.match(error.message, /Invalid capture filter "udp port \(" for interface/);
    assert.match(error.message, /t2-web/);
  });

  it('unsubscribing a CaptureObservable on openCapture sends Close 1000 ciao and the stand-in ends dumpcap', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const target = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(target);
    const observable = new CaptureObservable((handlers) => tank.openCapture(target, {}, handlers));
    const first = await new Promise<Buffer>((resolve, reject) => {
      const sub = observable.subscribe({
        next: (chunk) => {
          sub.unsubscribe();
          resolve(chunk);
        },
        error: reject,
      });
    });
    assert.equal(first.readUInt32LE(0), 0x0a0d0d0a);
    const capture = standin.captures.at(-1);
    await capture?.connectionClosed;
    assert.deepEqual(capture?.clientClose, { code: 1000, reason: 'ciao' });
    await dumpcapExits(capture);
  });
});
