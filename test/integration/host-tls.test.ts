// The host client over https/wss through a TLS terminator in front of the real Packetflix: the
// real Packetflix (svc1) has no TLS, as deployments put a TLS-terminating proxy in front of it,
// so the test puts one there too (test/support/tls-terminator.ts: node:tls on 127.0.0.1 with a
// certificate from a CA this test makes with openssl, plain TCP on to the real service). Every
// discovery and capture is answered by the real Packetflix and Gostwire.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { HostClientOptions } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { startConnectProxy } from '../support/connect-proxy';
import type { ConnectProxy } from '../support/connect-proxy';
import { bedServiceHost, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle } from '../support/host-transport';
import { makeClientCertificate, makeTestCertificates, startTlsTerminator } from '../support/tls-terminator';
import type { TlsTerminator } from '../support/tls-terminator';
import { loadBed, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { Collector } from '../support/collector';

describe('host client over TLS (https/wss) through a TLS terminator in front of the real Packetflix (svc1), CA made with openssl', () => {
  let terminator: TlsTerminator | undefined;
  /** the same, but requiring a client certificate from the test's CA (mutual TLS) */
  let mutual: TlsTerminator | undefined;
  let client: { key: Buffer; cert: Buffer };
  let otherClient: { key: Buffer; cert: Buffer };
  let proxy: ConnectProxy;
  let tmp: string;
  let ca: Buffer;
  let otherCa: Buffer;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-tls-'));
    const certs = await makeTestCertificates(tmp, 'csharg-test-ca');
    ca = certs.ca;
    otherCa = (await makeTestCertificates(tmp, 'other-ca')).ca;
    client = await makeClientCertificate(tmp, 'csharg-test-ca', 'csharg-client');
    otherClient = await makeClientCertificate(tmp, 'other-ca', 'other-client');
    proxy = await startConnectProxy();
    const bed = await loadBed().catch(() => undefined);
    // Without the real services every test skips (or fails in CI) through requireServices.
    if (bed?.services.available) {
      terminator = await startTlsTerminator(serviceUrl(bed, 'svc1'), certs);
      mutual = await startTlsTerminator(serviceUrl(bed, 'svc1'), { ...certs, clientCa: certs.ca });
    }
  });
  after(async () => {
    await proxy?.close();
    await terminator?.close();
    await mutual?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const services = async (t: TestContext): Promise<{ bed: BedEnv; tls: TlsTerminator } | undefined> => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    assert.ok(terminator, 'the TLS terminator did not start');
    return { bed, tls: terminator };
  };

  /** Discovers t2 and captures 20 datagrams to `port` with the given client options; returns how many arrived. */
  const captureCount = async (bed: BedEnv, url: string, options: HostClientOptions, port: number): Promise<number> => {
    const tank = newSharkTankOnHost(url, options);
    const target = findBedTarget(await tank.targets(), bed, 't2');
    const out = new Collector();
    const filter = `udp port ${port}`;
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
    await out.started;
    assert.equal(serviceDumpcapsWithFilter(bedServiceHost(bed, 'svc1'), filter).length, 1, 'the real Packetflix runs the capture');
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 300, size: 64, port });
    await settle(500);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    return countUdpDatagrams(out.chunks, tmp, `tls-${port}`, port);
  };

  it('the terminator serves https and wss, and the real Packetflix answers behind it', async (t) => {
    const s = await services(t);
    if (!s) return;
    assert.match(s.tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(newSharkTankOnHost(s.tls.url).service.wsBase.slice(0, 6), 'wss://');
    // Packetflix's own /version route, fetched over TLS with the test's CA.
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`${s.tls.url}/version`, { ca }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve(text));
      }).on('error', reject);
    });
    assert.equal((JSON.parse(body) as { name?: string }).name, 'packetflix');
  });

  it('with the CA option, discovery and capture work over TLS', async (t) => {
    const s = await services(t);
    if (!s) return;
    const handshakes = s.tls.handshakes;
    assert.equal(await captureCount(s.bed, s.tls.url, { tls: { ca } }, 42040), 20);
    // Discovery may reuse a kept-alive TLS connection; the capture WebSocket always needs its own.
    assert.ok(s.tls.handshakes > handshakes, 'the capture WebSocket came over TLS');
  });

  it('without the CA (or with another CA), discovery and capture fail with a certificate error that says what to do', async (t) => {
    const s = await services(t);
    if (!s) return;
    const target: Target = findBedTarget(await newSharkTankOnHost(s.tls.url, { tls: { ca } }).targets(), s.bed, 't2');
    for (const options of [{}, { tls: { ca: otherCa } }] as HostClientOptions[]) {
      const upstreams: number = s.tls.upstreamConnections;
      const tank = newSharkTankOnHost(s.tls.url, options);
      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError, String(discovery));
      assert.match((discovery.cause as { code?: string }).code ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
      assert.match(discovery.message, /certificate is not trusted: give its CA \(the tls\.ca option\), or turn on insecureSkipVerify/);
      const filter = 'udp port 42043';
      const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
      assert.equal(end.kind, 'error');
      const error = (end as { error: Error }).error;
      assert.ok(error instanceof CaptureHandshakeError, String(error));
      assert.match(error.message, /^capture of .*csharg-t2.* at wss:\/\/127\.0\.0\.1:\d+\/capture: cannot open the capture WebSocket: .*certificate/);
      assert.match(error.message, /give its CA/);
      assert.equal(s.tls.upstreamConnections, upstreams, 'nothing reached Packetflix');
      assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
    }
  });

  it('insecureSkipVerify works without the CA', async (t) => {
    const s = await services(t);
    if (!s) return;
    assert.equal(await captureCount(s.bed, s.tls.url, { insecureSkipVerify: true }, 42041), 20);
  });

  it('wss through the CONNECT proxy (HTTPS_PROXY) with the CA: TLS end to end inside the tunnel', async (t) => {
    const s = await services(t);
    if (!s) return;
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
    process.env.HTTPS_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    try {
      const logStart = proxy.log.length;
      assert.equal(await captureCount(s.bed, s.tls.url, { tls: { ca } }, 42042), 20);
      const authority = new URL(s.tls.url).host;
      assert.deepEqual(proxy.log.slice(logStart).map((e) => [e.destination, e.status]), [
        [authority, 200],
        [authority, 200],
      ]);
      // Through the tunnel the certificate is still checked against the service's name.
      const err = await newSharkTankOnHost(s.tls.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.match(err.message, /certificate is not trusted/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('mutual TLS: with a client certificate (tls.cert and tls.key) discovery and capture work', async (t) => {
    const s = await services(t);
    if (!s) return;
    assert.ok(mutual, 'the mutual-TLS terminator did not start');
    const upstreams = mutual.upstreamConnections;
    assert.equal(await captureCount(s.bed, mutual.url, { tls: { ca, ...client } }, 42044), 20);
    assert.ok(mutual.upstreamConnections > upstreams);
  });

  it('mutual TLS: without a client certificate, or with one from another CA, the terminator refuses; typed errors, nothing reaches Packetflix', async (t) => {
    const s = await services(t);
    if (!s) return;
    assert.ok(mutual, 'the mutual-TLS terminator did not start');
    const target = findBedTarget(await newSharkTankOnHost(mutual.url, { tls: { ca, ...client } }).targets(), s.bed, 't2');
    for (const options of [{ tls: { ca } }, { tls: { ca, ...otherClient } }] as HostClientOptions[]) {
      const upstreams: number = mutual.upstreamConnections;
      const tank = newSharkTankOnHost(mutual.url, options);
      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError, String(discovery));
      // TLS 1.3: the server checks the client's certificate after the client has finished its
      // handshake and may already be writing its request, so the server's alert (no certificate,
      // or one from a CA it does not trust) races with the reset of the connection it closed.
      assert.match((discovery.cause as { code?: string }).code ?? '', /^(ERR_SSL_TLSV13_ALERT_(CERTIFICATE_REQUIRED|UNKNOWN_CA)|ECONNRESET)$/);
      const filter = 'udp port 42045';
      const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
      assert.equal(end.kind, 'error');
      const error = (end as { error: Error }).error;
      assert.ok(error instanceof CaptureHandshakeError, String(error));
      assert.match(error.message, /cannot open the capture WebSocket: .*(certificate required|unknown ca|ECONNRESET|socket hang up)/);
      assert.equal(mutual.upstreamConnections, upstreams, 'nothing reached Packetflix');
      assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
    }
  });

  it('mutual TLS: the error for a refused client certificate says so (not "the server\'s certificate is not trusted")', async (t) => {
    const s = await services(t);
    if (!s) return;
    assert.ok(mutual, 'the mutual-TLS terminator did not start');
    const discovery = await newSharkTankOnHost(mutual.url, { tls: { ca } }).targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError, String(discovery));
    assert.doesNotMatch(discovery.message, /insecureSkipVerify/);
    assert.match(discovery.message, /client certificate/);
  });
});
