// The host client through the test bed's nginx (Debian's nginx, started by the bed script) in front
// of svc1's REAL Packetflix and Gostwire, as deployments put an authenticating, TLS-terminating
// proxy in front: HTTPS/WSS with a certificate from the bed's own CA, a bearer-token check (401),
// the service under /edgeshark/ (404 elsewhere), and /noquery/, which forwards the capture upgrade
// WITHOUT its query string, as the Kubernetes API-server proxy does. Every answer past nginx comes
// from the real services. UDP ports 50000-50099 are this file's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CaptureFailedError, CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import { captureServiceHeaders, captureServiceQueryParams } from '../../src/core/host/capture-request';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { HostClientOptions } from '../../src/core/host/host-shark-tank';
import { bedServiceHost, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle } from '../support/host-transport';
import { processGone } from '../support/processes';
import { makeTestCertificates } from '../support/tls-terminator';
import { requireNginx, sendUdp } from '../support/testbed';
import type { BedEnv, BedNginx } from '../support/testbed';
import { Collector } from '../support/collector';

describe('host client through the bed\'s nginx (TLS from the bed\'s CA, bearer token, /edgeshark prefix) in front of the real Packetflix (svc1)', () => {
  let tmp: string;
  let otherCa: Buffer;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-nginx-'));
    otherCa = (await makeTestCertificates(tmp, 'not-the-bed-ca')).ca;
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const good = (nginx: BedNginx): HostClientOptions => ({ tls: { ca: readFileSync(nginx.caFile) }, bearerToken: nginx.token, proxy: false });

  /** Discovers t2 through `url` and captures 20 datagrams to `port`; returns how many arrived. */
  const captureCount = async (bed: BedEnv, url: string, options: HostClientOptions, port: number): Promise<number> => {
    const tank = newSharkTankOnHost(url, options);
    const target = findBedTarget(await tank.targets(), bed, 't2');
    const out = new Collector();
    const filter = `udp port ${port}`;
    const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
    await out.started;
    const dumpcaps = serviceDumpcapsWithFilter(bedServiceHost(bed, 'svc1'), filter);
    assert.equal(dumpcaps.length, 1, 'the real Packetflix behind nginx runs the capture');
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 300, size: 64, port });
    await settle(500);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcaps[0]!.pid, 15_000);
    return countUdpDatagrams(out.chunks, tmp, `nginx-${port}`, port);
  };

  /** The nginx access log lines added since `from` (bytes). */
  const accessLogSince = (nginx: BedNginx, from: number): string => readFileSync(path.join(path.dirname(nginx.config), 'access.log')).subarray(from).toString();
  const accessLogSize = (nginx: BedNginx): number => readFileSync(path.join(path.dirname(nginx.config), 'access.log')).length;

  it('with the bed\'s CA, the token and the /edgeshark prefix: discovery and a capture of t2 work (20 of 20 datagrams), over wss through nginx', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    assert.match(s.nginx.url, /^https:\/\/198\.18\.\d+\.\d+:\d+\/edgeshark$/);
    const tank = newSharkTankOnHost(s.nginx.url, good(s.nginx));
    assert.equal(tank.service.wsBase, s.nginx.url.replace(/^https/, 'wss'));
    const logFrom = accessLogSize(s.nginx);
    assert.equal(await captureCount(s.bed, s.nginx.url, good(s.nginx), 50010), 20);
    const log = accessLogSince(s.nginx, logFrom);
    assert.match(log, /"GET \/edgeshark\/discover\/mobyshark HTTP\/1\.1" 200 /, 'discovery went through nginx');
    assert.match(log, /"GET \/edgeshark\/capture\?[^"]*filter=udp\+port\+50010[^"]* HTTP\/1\.1" 101 /, 'the capture upgrade went through nginx');
  });

  it('with another CA (or none), discovery and capture fail with a certificate error that says what to do; insecureSkipVerify works', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const target = findBedTarget(await newSharkTankOnHost(s.nginx.url, good(s.nginx)).targets(), s.bed, 't2');
    for (const tls of [{ ca: otherCa }, {}]) {
      const tank = newSharkTankOnHost(s.nginx.url, { tls, bearerToken: s.nginx.token, proxy: false });
      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError, String(discovery));
      assert.match((discovery.cause as { code?: string }).code ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/);
      assert.match(discovery.message, /certificate is not trusted: give its CA \(the tls\.ca option\), or turn on insecureSkipVerify/);
      const filter = 'udp port 50011';
      const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
      assert.equal(end.kind, 'error');
      const error = (end as { error: Error }).error;
      assert.ok(error instanceof CaptureHandshakeError, String(error));
      assert.match(error.message, /^capture of .*csharg-t2.* at wss:\/\/198\.18\.\d+\.\d+:\d+\/edgeshark\/capture: cannot open the capture WebSocket: .*certificate.*give its CA/);
      assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
    }
    assert.equal(await captureCount(s.bed, s.nginx.url, { insecureSkipVerify: true, bearerToken: s.nginx.token, proxy: false }, 50012), 20);
  });

  it('a missing or wrong token: discovery fails with HTTP 401 and capture with a 401 handshake error, both saying to check the token; nothing reaches Packetflix', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const target = findBedTarget(await newSharkTankOnHost(s.nginx.url, good(s.nginx)).targets(), s.bed, 't2');
    const ca = readFileSync(s.nginx.caFile);
    for (const bearerToken of [undefined, `${s.nginx.token}-wrong`]) {
      const logFrom = accessLogSize(s.nginx);
      const tank = newSharkTankOnHost(s.nginx.url, { tls: { ca }, proxy: false, ...(bearerToken ? { bearerToken } : {}) });
      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError, String(discovery));
      assert.equal(discovery.status, 401);
      assert.match(discovery.message, /^discovery at https:\/\/198\.18\.\d+\.\d+:\d+\/edgeshark\/discover\/mobyshark failed: HTTP 401 Unauthorized: .*401 Authorization Required.* \(check the bearer token\)$/);
      const filter = 'udp port 50013';
      const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
      assert.equal(end.kind, 'error');
      const error = (end as { error: Error }).error;
      assert.ok(error instanceof CaptureHandshakeError, String(error));
      assert.equal(error.status, 401);
      assert.match(error.message, /HTTP 401.*check the bearer token and the proxy in front of Packetflix/);
      assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
      const log = accessLogSince(s.nginx, logFrom);
      assert.match(log, /"GET \/edgeshark\/discover\/mobyshark HTTP\/1\.1" 401 /);
      assert.match(log, /"GET \/edgeshark\/capture\?[^"]* HTTP\/1\.1" 401 /);
    }
  });

  it('a wrong prefix: discovery fails with HTTP 404 and capture with a 404 handshake error, both saying to check the base path', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const target = findBedTarget(await newSharkTankOnHost(s.nginx.url, good(s.nginx)).targets(), s.bed, 't2');
    const tank = newSharkTankOnHost(s.nginx.wrongPrefixUrl, good(s.nginx));
    const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError, String(discovery));
    assert.equal(discovery.status, 404);
    assert.match(discovery.message, /\/wrong-prefix\/discover\/mobyshark failed: HTTP 404 Not Found: .* \(check the service URL and its base path\)$/);
    const filter = 'udp port 50014';
    const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter }).wait();
    const error = (end as { error?: Error }).error;
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.equal(error.status, 404);
    assert.match(error.message, /\/wrong-prefix\/capture: .*HTTP 404.*check the service URL and its base path/);
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
  });

  it('through the location that drops the query string, the capture works because of the Clustershark-* headers (20 of 20 datagrams)', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const logFrom = accessLogSize(s.nginx);
    assert.equal(await captureCount(s.bed, s.nginx.noQueryUrl, good(s.nginx), 50020), 20);
    // nginx got the query (and dropped it on the way): the request line it logged still has it.
    assert.match(accessLogSince(s.nginx, logFrom), /"GET \/noquery\/capture\?[^"]*filter=udp\+port\+50020[^"]* HTTP\/1\.1" 101 /);
  });

  it('the control: a raw ws upgrade through the query-dropping location carrying the request in the query ONLY gets no capture; the same with the headers (and no query) does', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const target = findBedTarget(await newSharkTankOnHost(s.nginx.url, good(s.nginx)).targets(), s.bed, 't2');
    const ca = readFileSync(s.nginx.caFile);
    const auth = { Authorization: `Bearer ${s.nginx.token}` };
    const base = s.nginx.noQueryUrl.replace(/^https/, 'wss');

    type RawEnd = { opened: boolean; binary: Buffer[]; closeCode: number | undefined; error: string | undefined };
    const raw = (url: string, headers: Record<string, string>, stopOnFirst: boolean): Promise<RawEnd> => new Promise((resolve) => {
      const end: RawEnd = { opened: false, binary: [], closeCode: undefined, error: undefined };
      const ws = new WebSocket(url, { ca, headers, perMessageDeflate: false });
      const guard = setTimeout(() => ws.terminate(), 30_000);
      ws.on('open', () => { end.opened = true; });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) end.binary.push(data);
        if (stopOnFirst && end.binary.length === 1) ws.close(1000, 'ciao');
      });
      ws.on('error', (e: Error & { code?: string }) => { end.error = e.code ?? e.message; });
      ws.on('close', (code: number) => {
        clearTimeout(guard);
        end.closeCode = code;
        resolve(end);
      });
    });

    // Query only: nginx drops it, so Packetflix gets neither container nor netns and fails the capture
    // (its Close 1006, which ws refuses: WS_ERR_INVALID_CLOSE_CODE); no dumpcap is started.
    const queryFilter = 'udp port 50030';
    const query = captureServiceQueryParams(target, { nifs: ['eth0'], filter: queryFilter });
    const withoutHeaders = await raw(`${base}/capture?${query.toString()}`, auth, false);
    assert.equal(withoutHeaders.opened, true, 'the upgrade itself succeeds');
    assert.deepEqual(withoutHeaders.binary, [], 'no capture data');
    assert.equal(withoutHeaders.error, 'WS_ERR_INVALID_CLOSE_CODE', 'Packetflix failed the capture with its Close 1006');
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), queryFilter), []);

    // The same request as Clustershark-* headers, no query: the capture runs (its first message is the SHB).
    const headerFilter = 'udp port 50031';
    const withHeaders = await raw(`${base}/capture`, captureServiceHeaders(target, { nifs: ['eth0'], filter: headerFilter }, s.nginx.token), true);
    assert.equal(withHeaders.opened, true);
    assert.ok(withHeaders.binary.length >= 1, `capture data arrived (${withHeaders.error ?? 'no error'})`);
    assert.equal(Buffer.concat(withHeaders.binary).readUInt32LE(0), 0x0a0d0d0a, 'the stream starts with a pcapng Section Header Block');
    assert.equal(withHeaders.closeCode, 1000);
    await settle(200);
    for (const d of serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), headerFilter)) await processGone(d.pid, 15_000);
  });

  it('our client through the query-dropping location reports the server\'s reason when a capture fails (bad filter), recovered from the 1006 close', async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const tank = newSharkTankOnHost(s.nginx.noQueryUrl, good(s.nginx));
    const target = findBedTarget(await tank.targets(), s.bed, 't2');
    const end = await tank.capture(new Collector(), target, { nifs: ['eth0'], filter: 'udp port 50040 and nonsense' }).wait();
    const error = (end as { error?: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.match(error.message, /Invalid capture filter "udp port 50040 and nonsense" for interface 'eth0'/);
  });
});
