// Kubernetes API server refusals (issue 19 follow-up): a body that is a Kubernetes `Status` object
// is recognised (and nothing else is), its message is explained (credentials for 401, the missing
// RBAC permission and the user for 403, the Service for 404, no endpoints for 503) and kept whole,
// and a Node-RED node shows a short reason that still ends in the HTTP status. The Status bodies
// below have the shape kube-apiserver v1.37.2 sends (test/integration/kube-errors.test.ts gets
// the same from the bed's real API server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureHandshakeError, DiscoveryError } from '../../../src/core/capture-errors';
import { explainKubeStatus, kubeServiceOfUrl, kubeShortReason, kubeStatusDetail, parseKubeStatus } from '../../../src/core/host/kube-status';
import type { KubeStatus } from '../../../src/core/host/kube-status';
import { MAX_STATUS_TEXT, describeError, errorStatus } from '../../../src/nodes/lib/error-status';

const PROXY = 'https://198.18.255.1:6443/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy';

function statusBody(code: number, reason: string, message: string, details?: { name: string; kind: string }): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code }, null, 2);
}

const forbidden = (user: string): string => `services "http:packetflix:5001" is forbidden: User "${user}" cannot get resource "services/proxy" in API group "" in the namespace "edgeshark"`;

function parsed(body: string): KubeStatus {
  const s = parseKubeStatus(body);
  assert.ok(s, `not recognised as a Status: ${body}`);
  return s;
}

test('parseKubeStatus: a Status object (Buffer or string) gives its message, reason and details; nothing else is a Status', () => {
  const body = statusBody(404, 'NotFound', 'services "nosuch" not found', { name: 'nosuch', kind: 'services' });
  assert.deepEqual(parseKubeStatus(Buffer.from(body)), { message: 'services "nosuch" not found', reason: 'NotFound', detailsKind: 'services', detailsName: 'nosuch' });
  assert.deepEqual(parseKubeStatus(statusBody(401, 'Unauthorized', 'Unauthorized')), { message: 'Unauthorized', reason: 'Unauthorized' });
  for (const other of [
    '',
    '404 page not found',
    '<html><body><h1>401 Unauthorized</h1></body></html>',
    '{"kind":"Pod","message":"x"}',
    '{"kind":"Status"}', // no message
    '[{"kind":"Status","message":"x"}]',
    statusBody(403, 'Forbidden', forbidden('nobody')).slice(0, 120), // cut off
    '{"containers":[]}',
  ]) {
    assert.equal(parseKubeStatus(other), undefined, other);
  }
});

test('kubeServiceOfUrl: the namespace, the Service and its port from a service proxy URL (http(s) or ws(s), with or without a scheme prefix); other URLs give nothing', () => {
  assert.deepEqual(kubeServiceOfUrl(`${PROXY}/discover/mobyshark`), { namespace: 'edgeshark', name: 'packetflix', port: '5001' });
  assert.deepEqual(kubeServiceOfUrl(`${PROXY.replace(/^https/, 'wss')}/capture?container=%7B%7D`), { namespace: 'edgeshark', name: 'packetflix', port: '5001' });
  assert.deepEqual(kubeServiceOfUrl('https://k:6443/api/v1/namespaces/ns1/services/pf/proxy/'), { namespace: 'ns1', name: 'pf' });
  assert.deepEqual(kubeServiceOfUrl('https://k:6443/api/v1/namespaces/ns1/services/https:pf:web/proxy'), { namespace: 'ns1', name: 'pf', port: 'web' });
  assert.equal(kubeServiceOfUrl('http://198.18.255.2:5001/discover/mobyshark'), undefined);
  assert.equal(kubeServiceOfUrl('https://198.18.255.1:5443/edgeshark/discover/mobyshark'), undefined);
  assert.equal(kubeServiceOfUrl('not a url'), undefined);
});

test('explainKubeStatus: 401 credentials, 403 the user and the RBAC permission (or no credentials at all), 404 the Service, 503 no endpoints or no such port', () => {
  const url = `${PROXY}/discover/mobyshark`;
  assert.match(explainKubeStatus(401, parsed(statusBody(401, 'Unauthorized', 'Unauthorized')), url), /^the Kubernetes API server did not accept the credentials \(the bearer token or the client certificate/);
  assert.equal(
    explainKubeStatus(403, parsed(statusBody(403, 'Forbidden', forbidden('nobody'), { name: 'http:packetflix:5001', kind: 'services' })), url),
    'user "nobody" lacks the RBAC permission get on services/proxy in the namespace "edgeshark" (a Role or ClusterRole granting it, bound to that user, is needed)',
  );
  assert.match(explainKubeStatus(403, parsed(statusBody(403, 'Forbidden', forbidden('system:serviceaccount:ops:viewer'))), url), /^user "system:serviceaccount:ops:viewer" lacks the RBAC permission get on services\/proxy/);
  assert.match(explainKubeStatus(403, parsed(statusBody(403, 'Forbidden', forbidden('system:anonymous'))), url), /^no credentials reached the Kubernetes API server: it took the request as user "system:anonymous".*\(give a bearer token or a client certificate\)$/);
  assert.match(explainKubeStatus(403, parsed(statusBody(403, 'Forbidden', 'forbidden by a webhook')), url), /^the Kubernetes API server forbids this request/);
  const missing = 'https://198.18.255.1:6443/api/v1/namespaces/edgeshark/services/http:nosuch:5001/proxy/discover/mobyshark';
  assert.equal(
    explainKubeStatus(404, parsed(statusBody(404, 'NotFound', 'services "nosuch" not found', { name: 'nosuch', kind: 'services' })), missing),
    'the Service edgeshark/nosuch does not exist on the Kubernetes API server (check --edgeshark-service, or the namespace and Service in the URL)',
  );
  const empty = 'wss://198.18.255.1:6443/api/v1/namespaces/edgeshark/services/http:no-endpoints:5001/proxy/capture';
  assert.equal(
    explainKubeStatus(503, parsed(statusBody(503, 'ServiceUnavailable', 'no endpoints available for service "no-endpoints"')), empty),
    'the Service edgeshark/no-endpoints has no ready endpoints: no Packetflix pod is running and ready behind it',
  );
  assert.match(explainKubeStatus(503, parsed(statusBody(503, 'ServiceUnavailable', 'no service port 5999 found for service "packetflix"')), url), /^the Service edgeshark\/packetflix has no port 5999/);
  assert.equal(explainKubeStatus(500, parsed(statusBody(500, 'InternalError', 'etcd is down')), url), 'the Kubernetes API server refused the request (InternalError)');
});

test('kubeStatusDetail keeps the API server\'s message whole, quoted as in its Status, however long', () => {
  const long = `${forbidden('nobody')} ${'and more '.repeat(60)}`.trim();
  const detail = kubeStatusDetail(403, parsed(statusBody(403, 'Forbidden', long)), PROXY);
  assert.ok(detail.endsWith(`; the API server's Status: "message":${JSON.stringify(long)}`), detail);
  assert.ok(!detail.includes('…'), 'not cut off');
});

test('the errors built as discovery and the capture handshake build them: the URL, "HTTP 403 Forbidden", the explanation, the message; the Status is on the error', () => {
  const body = statusBody(403, 'Forbidden', forbidden('nobody'), { name: 'http:packetflix:5001', kind: 'services' });
  const kube = parsed(body);
  const url = `${PROXY}/discover/mobyshark`;
  const discovery = new DiscoveryError(url, 403, '', `HTTP 403 Forbidden: ${kubeStatusDetail(403, kube, url)}`, { kubeStatus: kube });
  assert.equal(discovery.kubeStatus, kube);
  assert.ok(discovery.message.startsWith(`discovery at ${url} failed: HTTP 403 Forbidden: user "nobody" lacks the RBAC permission get on services/proxy`), discovery.message);
  assert.equal(new DiscoveryError(url, 403, 'Forbidden', 'HTTP 403 Forbidden').kubeStatus, undefined);
  const ctx = { target: 'proc "csharg-t2(1)"', url: `${PROXY.replace(/^https/, 'wss')}/capture?container=%7B%7D` };
  const handshake = new CaptureHandshakeError(ctx, 403, '', `the Kubernetes API server answered HTTP 403 Forbidden instead of switching to WebSocket: ${kubeStatusDetail(403, kube, ctx.url)}`, { kubeStatus: kube });
  assert.equal(handshake.kubeStatus, kube);
  assert.ok(handshake.message.includes(`${PROXY.replace(/^https/, 'wss')}/capture: the Kubernetes API server answered HTTP 403 Forbidden`), handshake.message);
});

test('Node-RED: the status under a node names the cause in a few words and still ends in the HTTP status, within the status length', () => {
  const cases: { code: number; body: string; short: string }[] = [
    { code: 401, body: statusBody(401, 'Unauthorized', 'Unauthorized'), short: 'credentials not accepted' },
    { code: 403, body: statusBody(403, 'Forbidden', forbidden('nobody')), short: 'RBAC: no get on services/proxy' },
    { code: 403, body: statusBody(403, 'Forbidden', forbidden('system:anonymous')), short: 'no credentials sent' },
    { code: 404, body: statusBody(404, 'NotFound', 'services "nosuch" not found', { name: 'nosuch', kind: 'services' }), short: 'Service not found' },
    { code: 503, body: statusBody(503, 'ServiceUnavailable', 'no endpoints available for service "no-endpoints"'), short: 'Service has no endpoints' },
  ];
  const url = `${PROXY}/discover/mobyshark`;
  const ctx = { target: 'proc "csharg-t2(1)"', url: `${PROXY.replace(/^https/, 'wss')}/capture` };
  for (const c of cases) {
    const kube = parsed(c.body);
    assert.equal(kubeShortReason(c.code, kube), c.short);
    const handshake = new CaptureHandshakeError(ctx, c.code, '', `the Kubernetes API server answered HTTP ${c.code} x instead of switching to WebSocket: ${kubeStatusDetail(c.code, kube, ctx.url)}`, { kubeStatus: kube });
    const discovery = new DiscoveryError(url, c.code, '', `HTTP ${c.code} x: ${kubeStatusDetail(c.code, kube, url)}`, { kubeStatus: kube });
    for (const [err, reason] of [[handshake, `${c.short} (HTTP ${c.code})`], [discovery, `discovery: ${c.short} (HTTP ${c.code})`]] as const) {
      const report = describeError(err);
      assert.equal(report.reason, reason);
      assert.equal(errorStatus(err).text, reason);
      assert.ok(reason.length <= MAX_STATUS_TEXT, reason);
      assert.ok(report.text.includes(kube.message.replace(/"/g, '\\"')), report.text);
    }
  }
  // a Status this code has no words for: the HTTP status name, as before
  const other = parsed(statusBody(500, 'InternalError', 'etcd is down'));
  assert.equal(describeError(new DiscoveryError(url, 500, '', 'HTTP 500 x', { kubeStatus: other })).reason, 'discovery: refused (HTTP 500)');
});
