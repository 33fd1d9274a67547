// What a user reads when the test bed's REAL Kubernetes API server (kube-apiserver, its service
// proxy in front of svc1's real Packetflix) refuses (issue 19 follow-up): a wrong token (401), a
// token RBAC grants nothing (403), no credentials at all (403 as system:anonymous), a Service that
// does not exist (404), a Service without endpoints (503). Discovery and the capture handshake, in
// the library, the csharg command (list; capture of a packetflix: link, which skips discovery, so
// the handshake itself is refused; --kubeconfig with a wrong --edgeshark-service) and a Node-RED
// capture node: each error says it came from the Kubernetes API server, what to do, keeps the URL
// and "HTTP N Reason", and quotes the API server's message whole (read here from the same server
// with a plain request, not written down). Nothing reaches Packetflix, so no traffic is sent; the
// capture filters name this file's UDP ports 49000-49049.
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { HostClientOptions } from '../../src/core/host/host-shark-tank';
import { describeError } from '../../src/nodes/lib/error-status';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import { gostwireTarget, gostwireUiLink } from '../support/cli-host';
import { Collector } from '../support/collector';
import { requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { helper, mustGetNode, statusText, waitForStatus } from '../support/nodered';
import { packetflixDumpcaps } from '../support/processes';
import { keeperTarget } from '../support/real-packetflix';
import { keeperName, packetflixPid, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsNode = require('@node-red/nodes/core/network/05-tls.js') as unknown;

const NO_PROXY_ENV = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };

interface Case {
  what: string;
  /** the proxy URL */
  url: string;
  /** undefined: no credentials at all */
  token: string | undefined;
  code: number;
  statusLine: string;
  /** how the explanation starts */
  explains: string;
  /** the status under a Node-RED capture node (it discovers first) */
  nodeStatus: string;
}

function cases(kube: BedKube): Case[] {
  const missing = kube.proxyUrl.replace('http:packetflix:', 'http:csharg-no-such-service:');
  const ns = kube.namespace;
  return [
    { what: 'a wrong token', url: kube.proxyUrl, token: `${kube.token}-wrong`, code: 401, statusLine: '401 Unauthorized',
      explains: 'the Kubernetes API server did not accept the credentials (the bearer token or the client certificate', nodeStatus: 'discovery: credentials not accepted (HTTP 401)' },
    { what: 'a token RBAC grants nothing', url: kube.proxyUrl, token: kube.forbiddenToken, code: 403, statusLine: '403 Forbidden',
      explains: `user "nobody" lacks the RBAC permission get on services/proxy in the namespace "${ns}"`, nodeStatus: 'discovery: RBAC: no get on services/proxy (HTTP 403)' },
    { what: 'no credentials', url: kube.proxyUrl, token: undefined, code: 403, statusLine: '403 Forbidden',
      explains: 'no credentials reached the Kubernetes API server: it took the request as user "system:anonymous"', nodeStatus: 'discovery: no credentials sent (HTTP 403)' },
    { what: 'a Service that does not exist', url: missing, token: kube.token, code: 404, statusLine: '404 Not Found',
      explains: `the Service ${ns}/csharg-no-such-service does not exist on the Kubernetes API server (check --edgeshark-service`, nodeStatus: 'discovery: Service not found (HTTP 404)' },
    { what: 'a Service without endpoints', url: kube.noEndpointsProxyUrl, token: kube.token, code: 503, statusLine: '503 Service Unavailable',
      explains: `the Service ${ns}/no-endpoints has no ready endpoints: no Packetflix pod is running and ready behind it`, nodeStatus: 'discovery: Service has no endpoints (HTTP 503)' },
  ];
}

/** The API server's own Status message for a GET of `url` with `token` (none: no Authorization header). */
function statusMessage(kube: BedKube, url: string, token: string | undefined): Promise<{ code: number; message: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: readFileSync(kube.ca), headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 30_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { kind?: string; message?: string };
        assert.equal(body.kind, 'Status');
        resolve({ code: res.statusCode ?? 0, message: String(body.message) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 30 s`)));
    req.on('error', reject);
  });
}

/** The API server's message as the error quotes it: whole, as in its Status. */
const quoted = (message: string): string => `the API server's Status: "message":${JSON.stringify(message)}`;

function errorOf(end: CaptureEnd): Error {
  assert.equal(end.kind, 'error', `expected an error end, got ${end.kind}`);
  return (end as { error: Error }).error;
}

const options = (kube: BedKube, token: string | undefined): HostClientOptions => ({ ...(token ? { bearerToken: token } : {}), tls: { ca: readFileSync(kube.ca) } });

function ours(kube: BedKube, args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...NO_PROXY_ENV, NODE_EXTRA_CA_CERTS: kube.ca };
  delete env.CSHARG_TOKEN;
  delete env.CSHARG_HOST;
  delete env.KUBECONFIG;
  return csharg(args, { env, killAfterMs: 120_000 });
}

const errorLine = (r: CliRun): string => r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';

function noDumpcap(bed: BedEnv, filter: string): void {
  assert.deepEqual(packetflixDumpcaps(packetflixPid(bed)).filter((d) => d.args.includes(filter)), [], `no dumpcap with ${filter}`);
}

describe('errors from the REAL kube-apiserver say where they came from and what to do', () => {
  it('library: discovery and the capture handshake, for 401, 403 (a user, and no credentials), 404 and 503', { timeout: 180_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const t2 = keeperTarget(await newSharkTankOnHost(s.kube.proxyUrl, options(s.kube, s.kube.token)).targets(), s.bed, 't2');
    for (const c of cases(s.kube)) {
      const real = await statusMessage(s.kube, `${c.url}/discover/mobyshark`, c.token);
      assert.equal(real.code, c.code, c.what);
      const tank = newSharkTankOnHost(c.url, options(s.kube, c.token));

      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError, `${c.what}: ${String(discovery)}`);
      assert.equal(discovery.status, c.code);
      assert.equal(discovery.kubeStatus?.message, real.message);
      assert.ok(discovery.message.startsWith(`discovery at ${c.url}/discover/mobyshark failed: HTTP ${c.statusLine}: ${c.explains}`), discovery.message);
      assert.ok(discovery.message.endsWith(quoted(real.message)), discovery.message);
      assert.ok(!discovery.message.includes('"kind":"Status"'), `no raw Status JSON: ${discovery.message}`);
      assert.equal(describeError(discovery).reason, c.nodeStatus);

      const filter = 'udp port 49001';
      const capture = errorOf(await tank.capture(new Collector(), t2, { nifs: ['eth0'], filter }).wait());
      assert.ok(capture instanceof CaptureHandshakeError, `${c.what}: ${String(capture)}`);
      assert.equal(capture.status, c.code);
      assert.equal(capture.kubeStatus?.message, real.message);
      const wss = c.url.replace(/^https/, 'wss');
      assert.ok(capture.message.includes(`at ${wss}/capture: the Kubernetes API server answered HTTP ${c.statusLine} instead of switching to WebSocket: ${c.explains}`), capture.message);
      assert.ok(capture.message.endsWith(quoted(real.message)), capture.message);
      assert.equal(describeError(capture).reason, c.nodeStatus.replace(/^discovery: /, ''));
      t.diagnostic(`${c.what}: ${capture.message}`);
      noDumpcap(s.bed, filter);
    }
  });

  it('csharg: list (discovery) and capture of a packetflix: link (the handshake) exit 1 with the same words; --kubeconfig with a wrong --edgeshark-service names the Service', { timeout: 300_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    // the proxy fronts svc1: the link's target as Gostwire's UI builds it from svc1's discovery
    const t2 = await gostwireTarget(serviceUrl(s.bed, 'svc1'), keeperName(s.bed, 't2'));
    for (const c of cases(s.kube)) {
      const real = await statusMessage(s.kube, `${c.url}/discover/mobyshark`, c.token);
      const auth = c.token ? ['--token', c.token] : [];
      const list = await ours(s.kube, ['--host', c.url, ...auth, 'list']);
      assert.equal(list.code, 1, `${c.what}: ${list.stderr}`);
      const listLine = errorLine(list);
      assert.ok(listLine.startsWith(`Error: discovery at ${c.url}/discover/mobyshark failed: HTTP ${c.statusLine}: ${c.explains}`), listLine);
      assert.ok(listLine.endsWith(quoted(real.message)), listLine);

      const filter = 'udp port 49002';
      const link = gostwireUiLink(c.url, t2, ['eth0']);
      const cap = await ours(s.kube, [...auth, 'capture', link, '-f', filter, '-q', '-w', '/dev/null']);
      assert.equal(cap.code, 1, `${c.what}: ${cap.stderr}`);
      const capLine = errorLine(cap);
      assert.ok(capLine.includes(`${c.url.replace(/^https/, 'wss')}/capture: the Kubernetes API server answered HTTP ${c.statusLine} instead of switching to WebSocket: ${c.explains}`), capLine);
      assert.ok(capLine.endsWith(quoted(real.message)), capLine);
      noDumpcap(s.bed, filter);
    }

    const service = `${s.kube.namespace}/csharg-no-such-service:5001`;
    const missing = await ours(s.kube, ['--kubeconfig', s.kube.kubeconfig, '--edgeshark-service', service, 'list']);
    assert.equal(missing.code, 1, missing.stderr);
    const line = errorLine(missing);
    assert.ok(line.startsWith(`Error: discovery at ${s.kube.url}/api/v1/namespaces/${s.kube.namespace}/services/http:csharg-no-such-service:5001/proxy/discover/mobyshark failed: HTTP 404 Not Found: the Service ${s.kube.namespace}/csharg-no-such-service does not exist on the Kubernetes API server (check --edgeshark-service`), line);
  });
});

describe('a Node-RED capture node through the REAL kube-apiserver shows the cause in a few words', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  async function kube(t: TestContext): Promise<{ bed: BedEnv; kube: BedKube } | undefined> {
    return requireKube(t);
  }

  it('401, 403 (a user, no credentials), 404, 503: the red status names the credentials, the RBAC permission or the Service, and the HTTP status', { timeout: 300_000 }, async (t) => {
    const s = await kube(t);
    if (!s) return;
    for (const [i, c] of cases(s.kube).entries()) {
      const filter = `udp port ${49010 + i}`;
      const flow = [
        { id: 'f1', type: 'tab' },
        { id: 'tls', type: 'tls-config', cert: '', key: '', ca: s.kube.ca, verifyservercert: true },
        { id: 'host', type: 'edgeshark-host', source: 'url', url: c.url, tls: 'tls', timeout: 30 },
        { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: JSON.stringify({ name: 'csharg-t2', type: 'proc' }), interfaces: ['eth0'], filter, start: 'msg', output: 'packets', stopPackets: '3', wires: [[]] },
      ];
      await helper.load([tlsNode, hostNode, captureNode], flow, c.token ? { host: { token: c.token } } : {});
      try {
        const cap = mustGetNode('cap');
        const failed = waitForStatus(cap, (st) => st.fill === 'red', 60_000);
        cap.receive({ topic: 'start' });
        const status = await failed;
        assert.equal(statusText(status), c.nodeStatus, c.what);
        t.diagnostic(`${c.what}: ${statusText(status)}`);
        noDumpcap(s.bed, filter);
      } finally {
        await helper.unload();
      }
    }
  });
});
