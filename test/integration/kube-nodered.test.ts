// The edgeshark-host config node (source url) in Node-RED 4.1 (node-red-node-test-helper) through
// the test bed's REAL Kubernetes API server (kube-apiserver v1.37.2): the URL is the service-proxy
// URL of Service edgeshark/packetflix:5001 (svc1's real Packetflix and Gostwire), with Node-RED's own
// tls-config node holding the API server's CA, and the token credential (or, instead of a token, the
// bed's client certificate in the tls-config node). The capture node stores csharg-t2 without its
// PID, so each start asks discovery through the proxy. UDP ports 45200-45249 are this file's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import { requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { collect, helper, mustGetNode, statusText, udpOf, waitForStatus } from '../support/nodered';
import { interfacesOf, serverDumpcapFiltering, serverDumpcapsFiltering } from '../support/nodered-host';
import type { ServiceHost } from '../support/nodered-host';
import { netnsOf } from '../support/real-packetflix';
import { processGone } from '../support/processes';
import { bedNamespace, packetflixPid, sendUdp } from '../support/testbed';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsNode = require('@node-red/nodes/core/network/05-tls.js') as unknown;
const NODES = [tlsNode, hostNode, captureNode];

/** csharg-t2 as a flow stores it since issue 16: the name without the PID (discovery finds the process). */
const T2 = JSON.stringify({ name: 'csharg-t2', type: 'proc' });

describe('edgeshark-host node through the real kube-apiserver\'s service proxy (tls-config with its CA, token or client certificate)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  async function setup(t: TestContext): Promise<{ svc: ServiceHost; kube: BedKube } | undefined> {
    const s = await requireKube(t);
    if (!s) return undefined;
    return { svc: { bed: s.bed, url: s.kube.proxyUrl, packetflixPid: packetflixPid(s.bed) }, kube: s.kube };
  }

  /** A flow: tls-config (the API server's CA, a client certificate or not), host (url), a capture of t2's eth0 that stops after 3 packets. */
  function flow(url: string, tls: { ca: string; cert?: string; key?: string }, filter: string): object[] {
    return [
      { id: 'f1', type: 'tab' },
      { id: 'tls', type: 'tls-config', cert: tls.cert ?? '', key: tls.key ?? '', ca: tls.ca, verifyservercert: true },
      { id: 'host', type: 'edgeshark-host', source: 'url', url, tls: 'tls', timeout: 30 },
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: T2, interfaces: ['eth0'], filter, start: 'msg', output: 'packets', stopPackets: '3', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ];
  }

  /** Starts the capture node; checks the server's dumpcap (exactly eth0 and the filter, in t2's netns); sends 10 datagrams; the sequence numbers that arrived. */
  async function runCapture(svc: ServiceHost, port: number): Promise<number[]> {
    const filter = `udp port ${port}`;
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'), 60_000);
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'), 90_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter, 45_000);
    assert.deepEqual(interfacesOf(dumpcap), ['eth0'], dumpcap.args.join(' '));
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(svc.bed, 't2').netns);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    return out.map((m) => udpOf((m.payload as PacketPayload).data)).filter((u) => u?.dstPort === port).map((u) => u!.seq);
  }

  it('captures t2\'s eth0 through the proxy URL with the token credential and the CA from a tls-config node (the first 3 datagrams)', { timeout: 180_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow(s.kube.proxyUrl, { ca: s.kube.ca }, 'udp port 45201'), { host: { token: s.kube.token } });
    assert.deepEqual(await runCapture(s.svc, 45201), [0, 1, 2]);
  });

  it('captures the same with the bed\'s client certificate in the tls-config node and no token', { timeout: 180_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow(s.kube.proxyUrl, { ca: s.kube.ca, cert: s.kube.clientCert, key: s.kube.clientKey }, 'udp port 45202'), {});
    assert.deepEqual(await runCapture(s.svc, 45202), [0, 1, 2]);
  });

  for (const c of [
    { what: 'a wrong token', status: /\(HTTP 401\)/, port: 45210, url: (k: BedKube) => k.proxyUrl, token: (k: BedKube) => `${k.token}-wrong` },
    { what: 'a token RBAC grants nothing', status: /\(HTTP 403\)/, port: 45211, url: (k: BedKube) => k.proxyUrl, token: (k: BedKube) => k.forbiddenToken },
    { what: 'a Service that does not exist', status: /\(HTTP 404\)/, port: 45212, url: (k: BedKube) => k.proxyUrl.replace('http:packetflix:', 'http:csharg-no-such-service:'), token: (k: BedKube) => k.token },
    { what: 'a Service without endpoints', status: /\(HTTP 503\)/, port: 45213, url: (k: BedKube) => k.noEndpointsProxyUrl, token: (k: BedKube) => k.token },
  ]) {
    it(`${c.what}: the capture node shows the HTTP status in red and no dumpcap starts`, { timeout: 120_000 }, async (t) => {
      const s = await setup(t);
      if (!s) return;
      t.after(() => helper.unload());
      const filter = `udp port ${c.port}`;
      await helper.load(NODES, flow(c.url(s.kube), { ca: s.kube.ca }, filter), { host: { token: c.token(s.kube) } });
      const cap = mustGetNode('cap');
      const failed = waitForStatus(cap, (st) => c.status.test(statusText(st)), 60_000);
      cap.receive({ topic: 'start' });
      const status = await failed;
      assert.equal(status.fill, 'red', JSON.stringify(status));
      t.diagnostic(`capture node status: ${statusText(status)}`);
      assert.deepEqual(serverDumpcapsFiltering(s.svc, filter), []);
    });
  }
});
