// The host client through an HTTP CONNECT proxy (test/support/connect-proxy.ts, a real tiny proxy
// on 127.0.0.1) in front of the wire-spec stand-in for Packetflix, which cannot be built here
// (test/support/packetflix-standin.ts); the stand-in runs REAL dumpcap in the bed's namespaces.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import { ProxyConnectError, ProxyUrlError } from '../../src/core/proxy-agent';
import { startConnectProxy } from '../support/connect-proxy';
import type { ConnectProxy } from '../support/connect-proxy';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin } from '../support/packetflix-standin';
import { loadBed, sendUdp, tsharkFields } from '../support/testbed';
import { Collector } from '../support/collector';

const PROXY_ENV = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

describe('host client through a CONNECT proxy in front of the wire-spec stand-in for Packetflix', () => {
  let standin: PacketflixStandin;
  let proxy: ConnectProxy;
  let tmp: string;
  const savedEnv = new Map(PROXY_ENV.map((k) => [k, process.env[k]]));

  before(async () => {
    standin = await startPacketflixStandin(await loadBed());
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
    await standin?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const standinAuthority = (): string => new URL(standin.url).host;
  const setProxyEnv = (vars: Record<string, string>): void => {
    for (const k of PROXY_ENV) delete process.env[k];
    Object.assign(process.env, vars);
  };

  it('with HTTP_PROXY set, discovery and the capture go through CONNECT; the datagrams arrive', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const logStart = proxy.log.length;
    const tank = newSharkTankOnHost(standin.url);
    const target = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(target);
    const out = new Collector();
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter: 'udp port 24010' });
    await out.started;
    await sendUdp({ from: 't1', to: 't2', count: 50, rate: 500, size: 64, port: 24010 });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const tunnels = proxy.log.slice(logStart);
    assert.deepEqual(tunnels.map((e) => [e.destination, e.status]), [
      [standinAuthority(), 200],
      [standinAuthority(), 200],
    ]);
    const file = path.join(tmp, 'proxied.pcapng');
    writeFileSync(file, Buffer.concat(out.chunks));
    assert.equal((await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 24010'])).length, 50);
  });

  it('lower-case http_proxy works too; NO_PROXY naming the host (or host:port, or a CIDR) bypasses it', async () => {
    for (const noProxy of ['127.0.0.1', `localhost,${standinAuthority()}`, '10.0.0.0/8, 127.0.0.0/8', '*']) {
      setProxyEnv({ http_proxy: proxy.url, NO_PROXY: noProxy });
      const logStart = proxy.log.length;
      const tank = newSharkTankOnHost(standin.url);
      assert.ok((await tank.targets()).some((t) => t.name === 't2-web'));
      assert.deepEqual(await tank.captureContainer(new Collector(), '127.0.0.1', 't2-web').stopAfter(200), { kind: 'stopped' });
      assert.equal(proxy.log.length, logStart, `NO_PROXY=${noProxy} did not bypass the proxy`);
    }
    setProxyEnv({ http_proxy: proxy.url, no_proxy: 'example.com,127.0.0.2,127.0.0.1:1' });
    const logStart = proxy.log.length;
    await newSharkTankOnHost(standin.url).targets();
    assert.equal(proxy.log.length, logStart + 1, 'a non-matching NO_PROXY must not bypass the proxy');
  });

  it('HTTPS_PROXY alone does not apply to an http:// service', async () => {
    setProxyEnv({ HTTPS_PROXY: proxy.url });
    const logStart = proxy.log.length;
    await newSharkTankOnHost(standin.url).targets();
    assert.equal(proxy.log.length, logStart);
  });

  it('an explicit proxy option overrides the environment; proxy: false turns it off', async () => {
    setProxyEnv({ HTTP_PROXY: 'http://127.0.0.1:1' });
    let logStart = proxy.log.length;
    await newSharkTankOnHost(standin.url, { proxy: proxy.url }).targets();
    assert.equal(proxy.log.length, logStart + 1);
    logStart = proxy.log.length;
    await newSharkTankOnHost(standin.url, { proxy: false }).targets();
    assert.equal(proxy.log.length, logStart);
  });

  it('proxy credentials from the URL are sent as Proxy-Authorization; without them a 407 is a clear error', async () => {
    proxy.requireAuthorization = `Basic ${Buffer.from('csharg:pa ss').toString('base64')}`;
    const withCredentials = newSharkTankOnHost(standin.url, { proxy: `http://csharg:pa%20ss@127.0.0.1:${proxy.port}` });
    assert.ok((await withCredentials.targets()).length > 0);
    assert.equal(proxy.log.at(-1)?.proxyAuthorization, proxy.requireAuthorization);
    const err = await newSharkTankOnHost(standin.url, { proxy: proxy.url }).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DiscoveryError);
    assert.ok(err.cause instanceof ProxyConnectError);
    assert.equal(err.cause.status, 407);
    assert.match(err.message, /refused the tunnel: HTTP 407/);
    assert.match(err.message, /credentials/);
  });

  it('a proxy that refuses the tunnel: discovery and capture fail with the status, body and proxy named', async () => {
    setProxyEnv({ HTTP_PROXY: proxy.url });
    const tank = newSharkTankOnHost(standin.url);
    const target = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(target);
    tank.clear();
    proxy.refuse = { status: 403, body: 'CONNECT to port denied by policy' };
    const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError);
    assert.ok(discovery.cause instanceof ProxyConnectError);
    assert.equal(discovery.cause.status, 403);
    assert.ok(discovery.message.includes(`proxy ${proxy.url} (tunnel to ${standinAuthority()})`));
    assert.match(discovery.message, /HTTP 403 Forbidden: CONNECT to port denied by policy/);
    assert.doesNotMatch(discovery.message, /is Packetflix running/);

    const captures = standin.captures.length;
    const end = await tank.capture(new Collector(), target).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.ok(error.cause instanceof ProxyConnectError);
    assert.match(error.message, /t2-web/);
    assert.match(error.message, /refused the tunnel: HTTP 403/);
    assert.equal(standin.captures.length, captures, 'the refused capture must never reach the service');
  });

  it('an unreachable proxy and an unusable proxy setting are clear typed errors', async () => {
    setProxyEnv({ HTTP_PROXY: 'http://127.0.0.1:1' });
    const err = await newSharkTankOnHost(standin.url).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DiscoveryError);
    assert.ok(err.cause instanceof ProxyConnectError);
    assert.match(err.message, /cannot reach the proxy: .*ECONNREFUSED.*HTTPS_PROXY \/ HTTP_PROXY/);
    setProxyEnv({ HTTP_PROXY: 'socks5://user:secret@127.0.0.1:1080' });
    assert.throws(() => newSharkTankOnHost(standin.url), (e: unknown) => {
      assert.ok(e instanceof ProxyUrlError);
      assert.match(e.message, /unsupported proxy scheme "socks5:"/);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  });
});
