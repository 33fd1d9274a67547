// The host client through an HTTP proxy (test/support/connect-proxy.ts, a real tiny proxy on
// 127.0.0.1 that tunnels CONNECT and forwards absolute-form requests) in front of the bed's REAL
// Packetflix (svc1, with Gostwire behind it for discovery): the environment's proxy forms, the
// explicit option, credentials, refusals and an unreachable proxy; and how Siemens' csharg uses
// the same proxy. Captured datagrams are counted with tshark.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { ProxyConnectError, ProxyUrlError } from '../../src/core/host/proxy-agent';
import { startConnectProxy } from '../support/connect-proxy';
import type { ConnectProxy } from '../support/connect-proxy';
import { bedServiceHost, bedTargetName, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle } from '../support/host-transport';
import { cshargGoPath, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { Collector } from '../support/collector';

const PROXY_ENV = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

describe('host client through a CONNECT proxy in front of the real Packetflix (svc1)', () => {
  let proxy: ConnectProxy;
  let tmp: string;
  const savedEnv = new Map(PROXY_ENV.map((k) => [k, process.env[k]]));

  before(async () => {
    proxy = await startConnectProxy();
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-proxy-'));
  });
  afterEach(() => {
    for (const [k, v] of savedEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    delete proxy.refuse;
    delete proxy.requireAuthorization;
  });
  after(async () => {
    await proxy?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The bed with its real services, or undefined (the test was skipped). */
  const services = async (t: TestContext): Promise<{ bed: BedEnv; url: string; authority: string } | undefined> => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    const url = serviceUrl(bed, 'svc1');
    return { bed, url, authority: new URL(url).host };
  };
  const setProxyEnv = (vars: Record<string, string>): void => {
    for (const k of PROXY_ENV) delete process.env[k];
    Object.assign(process.env, vars);
  };

  it('with HTTP_PROXY set, discovery and the capture go through CONNECT to the real Packetflix; the datagrams arrive', async (t) => {
    const s = await services(t);
    if (!s) return;
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const logStart = proxy.log.length;
    const tank = newSharkTankOnHost(s.url);
    const target = findBedTarget(await tank.targets(), s.bed, 't2');
    const filter = 'udp port 42010';
    const out = new Collector();
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
    await out.started;
    // The real server runs dumpcap for this request (its command line shows the interface and filter).
    const dumpcaps = serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter);
    assert.equal(dumpcaps.length, 1, 'the real Packetflix runs one dumpcap for the proxied capture');
    assert.deepEqual(dumpcaps[0]!.args.slice(dumpcaps[0]!.args.indexOf('-i')), ['-i', 'eth0', '-f', filter]);
    await sendUdp({ from: 't1', to: 't2', count: 50, rate: 500, size: 64, port: 42010 });
    await settle(500);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const tunnels = proxy.log.slice(logStart);
    assert.deepEqual(tunnels.map((e) => [e.method, e.destination, e.status]), [
      ['CONNECT', s.authority, 200],
      ['CONNECT', s.authority, 200],
    ], 'one tunnel for discovery, one for the capture WebSocket');
    assert.equal(await countUdpDatagrams(out.chunks, tmp, 'proxied', 42010), 50);
  });

  it('lower-case http_proxy works too; NO_PROXY naming the host (or host:port, or a CIDR) bypasses it', async (t) => {
    const s = await services(t);
    if (!s) return;
    const name = bedTargetName(s.bed, 't2');
    const host = new URL(s.url).hostname;
    for (const noProxy of [host, `localhost,${s.authority}`, '10.0.0.0/8, 198.18.0.0/15', '*']) {
      setProxyEnv({ http_proxy: proxy.url, NO_PROXY: noProxy });
      const logStart = proxy.log.length;
      const tank = newSharkTankOnHost(s.url);
      assert.ok((await tank.targets()).some((target) => target.name === name));
      const out = new Collector();
      const streamer = tank.captureContainer(out, host, name, { nifs: ['eth0'], filter: 'udp port 42011' });
      await out.started;
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      assert.equal(proxy.log.length, logStart, `NO_PROXY=${noProxy} did not bypass the proxy`);
    }
    setProxyEnv({ http_proxy: proxy.url, no_proxy: `example.com,198.18.255.3,${host}:1,198.18.254.0/24` });
    const logStart = proxy.log.length;
    assert.ok((await newSharkTankOnHost(s.url).targets()).some((target) => target.name === name));
    assert.deepEqual(proxy.log.slice(logStart).map((e) => [e.destination, e.status]), [[s.authority, 200]],
      'a non-matching NO_PROXY must not bypass the proxy');
  });

  it('HTTPS_PROXY alone does not apply to an http:// service', async (t) => {
    const s = await services(t);
    if (!s) return;
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const logStart = proxy.log.length;
    assert.ok((await newSharkTankOnHost(s.url).targets()).length > 0);
    assert.equal(proxy.log.length, logStart);
  });

  it('an explicit proxy option overrides the environment; proxy: false turns it off', async (t) => {
    const s = await services(t);
    if (!s) return;
    // The environment names a proxy nobody listens on: only the option can make discovery work.
    setProxyEnv({ HTTP_PROXY: 'http://127.0.0.1:1' });
    let logStart = proxy.log.length;
    const viaOption = newSharkTankOnHost(s.url, { proxy: proxy.url });
    findBedTarget(await viaOption.targets(), s.bed, 't2');
    assert.deepEqual(proxy.log.slice(logStart).map((e) => [e.destination, e.status]), [[s.authority, 200]]);
    logStart = proxy.log.length;
    const direct = newSharkTankOnHost(s.url, { proxy: false });
    const target = findBedTarget(await direct.targets(), s.bed, 't2');
    const out = new Collector();
    const streamer = direct.capture(out, target, { nifs: ['eth0'], filter: 'udp port 42012' });
    await out.started;
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    assert.equal(proxy.log.length, logStart, 'proxy: false: neither discovery nor capture used a proxy');
  });

  it('proxy credentials from the URL are sent as Proxy-Authorization; without them a 407 is a clear error', async (t) => {
    const s = await services(t);
    if (!s) return;
    proxy.requireAuthorization = `Basic ${Buffer.from('csharg:pa ss').toString('base64')}`;
    const withCredentials = newSharkTankOnHost(s.url, { proxy: `http://csharg:pa%20ss@127.0.0.1:${proxy.port}` });
    const target = findBedTarget(await withCredentials.targets(), s.bed, 't2');
    assert.equal(proxy.log.at(-1)?.proxyAuthorization, proxy.requireAuthorization);
    assert.equal(proxy.log.at(-1)?.status, 200);
    // The capture WebSocket's tunnel carries the credentials too.
    const out = new Collector();
    const streamer = withCredentials.capture(out, target, { nifs: ['eth0'], filter: 'udp port 42013' });
    await out.started;
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    assert.deepEqual([proxy.log.at(-1)?.destination, proxy.log.at(-1)?.proxyAuthorization, proxy.log.at(-1)?.status],
      [s.authority, proxy.requireAuthorization, 200]);

    const upstreams = proxy.upstreamConnections;
    const err = await newSharkTankOnHost(s.url, { proxy: proxy.url }).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DiscoveryError, String(err));
    assert.ok(err.cause instanceof ProxyConnectError);
    assert.equal(err.cause.status, 407);
    assert.match(err.message, /refused the tunnel: HTTP 407/);
    assert.match(err.message, /credentials/);
    assert.equal(proxy.upstreamConnections, upstreams, 'a 407 opens no connection to the service');
  });

  it('a proxy that refuses the tunnel: discovery and capture fail with the status, body and proxy named; nothing reaches Packetflix', async (t) => {
    const s = await services(t);
    if (!s) return;
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const tank = newSharkTankOnHost(s.url);
    const target = findBedTarget(await tank.targets(), s.bed, 't2');
    tank.clear();
    proxy.refuse = { status: 403, body: 'CONNECT to port denied by policy' };
    const upstreams = proxy.upstreamConnections;
    const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError, String(discovery));
    assert.ok(discovery.cause instanceof ProxyConnectError);
    assert.equal(discovery.cause.status, 403);
    assert.ok(discovery.message.includes(`proxy ${proxy.url} (tunnel to ${s.authority})`), discovery.message);
    assert.match(discovery.message, /HTTP 403 Forbidden: CONNECT to port denied by policy/);
    assert.doesNotMatch(discovery.message, /is Packetflix running/);

    const filter = 'udp port 42014';
    const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.ok(error.cause instanceof ProxyConnectError);
    assert.ok(error.message.includes(JSON.stringify(target.name)), error.message);
    assert.match(error.message, /refused the tunnel: HTTP 403/);
    assert.equal(proxy.upstreamConnections, upstreams, 'the refused requests never reached the service');
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
  });

  it('an unreachable proxy and an unusable proxy setting are clear typed errors', async (t) => {
    const s = await services(t);
    if (!s) return;
    setProxyEnv({ HTTP_PROXY: 'http://127.0.0.1:1' });
    const tank = newSharkTankOnHost(s.url);
    const err = await tank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DiscoveryError, String(err));
    assert.ok(err.cause instanceof ProxyConnectError);
    assert.equal(err.cause.status, undefined);
    assert.match(err.message, /cannot reach the proxy: .*ECONNREFUSED.*HTTPS_PROXY \/ HTTP_PROXY/);
    // A complete target needs no discovery: the capture itself fails at the proxy.
    const target = findBedTarget(await newSharkTankOnHost(s.url, { proxy: false }).targets(), s.bed, 't2');
    const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter: 'udp port 42015' }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.ok(error.cause instanceof ProxyConnectError);
    assert.match(error.message, /cannot reach the proxy: .*ECONNREFUSED/);

    setProxyEnv({ HTTP_PROXY: 'socks5://user:secret@127.0.0.1:1080' });
    assert.throws(() => newSharkTankOnHost(s.url), (e: unknown) => {
      assert.ok(e instanceof ProxyUrlError);
      assert.match(e.message, /unsupported proxy scheme "socks5:"/);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  });

  it('Siemens\' csharg through the same proxy: discovery as a plain absolute-form GET, the capture WebSocket through CONNECT (ours tunnels both)', async (t) => {
    const s = await services(t);
    if (!s) return;
    const logStart = proxy.log.length;
    const env: NodeJS.ProcessEnv = { ...process.env, HTTP_PROXY: proxy.url };
    for (const k of ['http_proxy', 'NO_PROXY', 'no_proxy', 'HTTPS_PROXY', 'https_proxy']) delete env[k];
    // csharg's capture never ends by itself (its defect): stopped by PID once the tunnel carries pcapng.
    const go = spawn(cshargGoPath(s.bed), ['--host', s.url, 'capture', '-i', 'eth0', bedTargetName(s.bed, 't2')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = 0;
    let stderr = '';
    go.stdout.on('data', (d: Buffer) => { stdout += d.length; });
    go.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<void>((resolve) => go.once('close', () => resolve()));
    t.after(async () => {
      if (go.exitCode === null && go.signalCode === null && go.pid !== undefined) process.kill(go.pid, 'SIGTERM');
      await exited;
    });
    const deadline = Date.now() + 60_000;
    while (!(stdout > 0 && proxy.log.slice(logStart).some((e) => e.method === 'CONNECT' && e.status === 200))) {
      assert.ok(Date.now() < deadline, `csharg did not capture through the proxy within 60 s: ${stderr.slice(0, 500)}`);
      assert.equal(go.exitCode, null, `csharg exited: ${stderr.slice(0, 500)}`);
      await settle(200);
    }
    process.kill(go.pid!, 'SIGTERM');
    await exited;
    const entries = proxy.log.slice(logStart);
    const gets = entries.filter((e) => e.method === 'GET');
    assert.ok(gets.length >= 1, 'csharg\'s discovery went through the proxy');
    for (const e of gets) assert.deepEqual([e.url, e.status], [`${s.url}/discover/mobyshark`, 200]);
    assert.deepEqual(entries.filter((e) => e.method !== 'GET').map((e) => [e.method, e.destination, e.status]), [['CONNECT', s.authority, 200]]);
  });
});
