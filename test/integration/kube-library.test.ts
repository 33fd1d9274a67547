// The library (newSharkTankOnHost) through the test bed's REAL Kubernetes API server (kube-apiserver
// v1.37.2, scripts/edgeshark-testbed.sh): its service proxy in front of svc1's real Packetflix and
// Gostwire, reached at https://198.18.255.1:6443/api/v1/namespaces/edgeshark/services/
// http:packetflix:5001/proxy with the admin bearer token (or the client certificate) and the API
// server's CA. What Packetflix made of a request is read from the dumpcap it runs (/proc); what the
// proxy sends on is recorded by a relay behind a Service of the test's own (the proxy refuses
// loopback endpoints, so the relay listens on the bed's 198.18.255.1).
// Traffic: UDP 45000-45049 only; relay ports 45900-45909.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { HostClientOptions } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { Collector } from '../support/collector';
import { createProxiedService, kubeRequest, requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { captureUdpThroughPacketflix, dumpcapInterfaces, keeperTarget } from '../support/real-packetflix';
import type { UdpCaptureResult } from '../support/real-packetflix';
import { startRecordingRelay } from '../support/recording-relay';
import type { RelayedRequest } from '../support/recording-relay';
import { bedAddress, bedNamespace } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const tokenOptions = (kube: BedKube, token = kube.token): HostClientOptions => ({ bearerToken: token, tls: { ca: readFileSync(kube.ca) } });
const certOptions = (kube: BedKube): HostClientOptions => ({ tls: { ca: readFileSync(kube.ca), cert: readFileSync(kube.clientCert), key: readFileSync(kube.clientKey) } });

function errorOf(end: CaptureEnd): Error {
  assert.equal(end.kind, 'error', `expected an error end, got ${end.kind}`);
  return (end as { error: Error }).error;
}

const isCapture = (r: RelayedRequest): boolean => /^GET \/capture[ ?]/.test(r.requestLine);

describe('the library through the REAL kube-apiserver\'s service proxy in front of svc1\'s real Packetflix', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-kube-lib-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Captures `target`'s eth0 through `url` with `filter` = `udp port PORT`: what dumpcap ran, and the datagrams tshark reads. */
  function captureThrough(bed: BedEnv, url: string, options: HostClientOptions, target: Target, port: number): Promise<UdpCaptureResult> {
    return captureUdpThroughPacketflix(bed, newSharkTankOnHost(url, options), target, { port, count: 30, dir: tmp });
  }

  it('discovery with the admin token and the API server\'s CA lists the bed\'s targets (node-name: the API server\'s host)', { timeout: 120_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const targets = await newSharkTankOnHost(s.kube.proxyUrl, tokenOptions(s.kube)).targets();
    for (const h of ['t1', 't2', 't3', 't4', 'hub']) assert.equal(keeperTarget(targets, s.bed, h).netns, bedNamespace(s.bed, h).netns);
    assert.ok(targets.some((x) => x.type === 'bindmount' && x.netns === bedNamespace(s.bed, 'empty').netns));
    assert.ok(targets.every((x) => x.nodeName === new URL(s.kube.url).hostname), 'node-name is the API server\'s host');
    // The same through the client certificate (CN csharg-client, O system:masters), no token.
    const byCert = await newSharkTankOnHost(s.kube.proxyUrl, certOptions(s.kube)).targets();
    assert.equal(keeperTarget(byCert, s.bed, 't2').netns, bedNamespace(s.bed, 't2').netns);
  });

  it('a capture of eth0 with a filter through the proxy: Packetflix runs dumpcap with exactly -i eth0 -f FILTER in t2\'s netns, and every datagram sent arrives', { timeout: 180_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const t2 = keeperTarget(await newSharkTankOnHost(s.kube.proxyUrl, tokenOptions(s.kube)).targets(), s.bed, 't2');
    for (const [port, options] of [[45001, tokenOptions(s.kube)], [45002, certOptions(s.kube)]] as const) {
      const got = await captureThrough(s.bed, s.kube.proxyUrl, options, t2, port);
      assert.deepEqual(dumpcapInterfaces({ pid: 0, args: got.args }), ['eth0'], got.args.join(' '));
      assert.equal(got.args[got.args.indexOf('-f') + 1], `udp port ${port}`);
      assert.equal(got.netns, bedNamespace(s.bed, 't2').netns);
      assert.equal(got.rows.length, 30, `port ${port}: ${got.rows.length} datagrams`);
      assert.ok(got.rows.every((r) => r[0] === 'eth0' && r[1] === bedAddress(s.bed, 't1') && r[2] === bedAddress(s.bed, 't2')), JSON.stringify(got.rows.slice(0, 3)));
    }
  });

  it('the API server drops the query string of the WebSocket upgrade (not of a plain GET) and the Authorization header; the Clustershark-* headers carry the capture', { timeout: 180_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    assert.ok(s.kube.upstream, 'svc1\'s Packetflix URL');
    const relay = await startRecordingRelay(s.kube.upstream, { host: new URL(s.kube.url).hostname, port: 45900 });
    t.after(() => relay.close());
    const svc = await createProxiedService(s.kube, 'csharg-f1-relay', new URL(s.kube.url).hostname, 45900);
    t.after(() => svc.remove());
    const t2 = keeperTarget(await newSharkTankOnHost(s.kube.proxyUrl, tokenOptions(s.kube)).targets(), s.bed, 't2');

    // The same capture, first straight to the relay (no API server): the client sends the query.
    const direct = await captureThrough(s.bed, relay.url, {}, t2, 45010);
    assert.equal(direct.rows.length, 30);
    const directLine = relay.requests.filter(isCapture).at(-1)?.requestLine ?? '';
    const directQuery = new URL(directLine.split(' ')[1] ?? '', 'http://x').searchParams;
    assert.equal(directQuery.get('nif'), 'eth0', directLine);
    assert.equal(directQuery.get('filter'), 'udp port 45010', directLine);

    // Then through the API server's proxy to the same relay.
    const before = relay.requests.length;
    const proxied = await captureThrough(s.bed, svc.proxyUrl, tokenOptions(s.kube), t2, 45011);
    const seen = relay.requests.slice(before).filter(isCapture);
    assert.equal(seen.length, 1, JSON.stringify(relay.requests.slice(before).map((r) => r.requestLine)));
    const upgrade = seen[0]!;
    assert.equal(upgrade.requestLine, 'GET /capture HTTP/1.1', 'the query string is gone');
    assert.equal(upgrade.headers.upgrade?.toLowerCase(), 'websocket');
    assert.equal(upgrade.headers['clustershark-nif'], 'eth0');
    assert.equal(upgrade.headers['clustershark-filter'], 'udp port 45011');
    assert.equal((JSON.parse(upgrade.headers['clustershark-container'] ?? '{}') as { netns?: number }).netns, t2.netns);
    assert.equal(upgrade.headers.authorization, undefined, 'the API server does not pass the bearer token on');
    // …and the capture still got exactly that interface and filter, from the headers alone.
    assert.deepEqual(dumpcapInterfaces({ pid: 0, args: proxied.args }), ['eth0']);
    assert.equal(proxied.args[proxied.args.indexOf('-f') + 1], 'udp port 45011');
    assert.equal(proxied.rows.length, 30);

    // A plain GET through the same proxy keeps its query string (only the upgrade loses it).
    const tank = newSharkTankOnHost(svc.proxyUrl, tokenOptions(s.kube));
    await tank.targets();
    const discovery = relay.requests.slice(before).find((r) => r.requestLine.startsWith('GET /discover/mobyshark'));
    assert.ok(discovery, 'discovery went through the relay');
    assert.equal(discovery.headers.authorization, undefined);
    assert.equal(discovery.headers['x-forwarded-uri'], `${new URL(svc.proxyUrl).pathname}/discover/mobyshark`);
    const res = await kubeRequest(s.kube, 'GET', `${new URL(svc.proxyUrl).pathname}/version?csharg=kube&n=1`);
    assert.equal(res.status, 200, res.body);
    assert.ok(relay.requests.some((r) => r.requestLine === 'GET /version?csharg=kube&n=1 HTTP/1.1'), JSON.stringify(relay.requests.map((r) => r.requestLine)));
  });

  it('a wrong token is a 401, a token without RBAC permission and no token are 403, each naming the API server\'s URL; discovery and capture alike', { timeout: 120_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const t2 = keeperTarget(await newSharkTankOnHost(s.kube.proxyUrl, tokenOptions(s.kube)).targets(), s.bed, 't2');
    const cases = [
      { token: `${s.kube.token}-wrong`, status: 401, says: /"message":"Unauthorized"/ },
      { token: s.kube.forbiddenToken, status: 403, says: /User \\"nobody\\" cannot get resource \\"services\/proxy\\"/ },
      { token: undefined, status: 403, says: /User \\"system:anonymous\\" cannot get resource/ },
    ];
    for (const c of cases) {
      const tank = newSharkTankOnHost(s.kube.proxyUrl, c.token === undefined ? { tls: { ca: readFileSync(s.kube.ca) } } : tokenOptions(s.kube, c.token));
      const err = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.equal(err.status, c.status);
      assert.ok(err.message.includes(`${s.kube.proxyUrl}/discover/mobyshark`), err.message);
      assert.match(err.message, new RegExp(`HTTP ${c.status} (Unauthorized|Forbidden)`));
      assert.match(err.message, c.says);
      const capture = errorOf(await tank.capture(new Collector(), t2, { nifs: ['eth0'], filter: 'udp port 45020' }).wait());
      assert.ok(capture instanceof CaptureHandshakeError, String(capture));
      assert.equal(capture.status, c.status);
      assert.ok(capture.message.includes(`${s.kube.proxyUrl.replace(/^https/, 'wss')}/capture`), capture.message);
      assert.match(capture.message, c.says);
    }
  });

  it('a Service that does not exist is a 404 naming it; a Service without endpoints a 503 saying so', { timeout: 120_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const t2 = keeperTarget(await newSharkTankOnHost(s.kube.proxyUrl, tokenOptions(s.kube)).targets(), s.bed, 't2');
    const missing = s.kube.proxyUrl.replace('http:packetflix:', 'http:csharg-no-such-service:');
    const cases = [
      { url: missing, status: 404, says: /services \\"csharg-no-such-service\\" not found/ },
      { url: s.kube.noEndpointsProxyUrl, status: 503, says: /no endpoints available for service \\"no-endpoints\\"/ },
    ];
    for (const c of cases) {
      const tank = newSharkTankOnHost(c.url, tokenOptions(s.kube));
      const err = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.equal(err.status, c.status);
      assert.ok(err.message.includes(`${c.url}/discover/mobyshark`), err.message);
      assert.match(err.message, c.says);
      const capture = errorOf(await tank.capture(new Collector(), t2, { nifs: ['eth0'], filter: 'udp port 45021' }).wait());
      assert.ok(capture instanceof CaptureHandshakeError, String(capture));
      assert.equal(capture.status, c.status);
      assert.match(capture.message, c.says);
    }
  });
});
