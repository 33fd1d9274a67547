// The edgeshark-host config node with source "kubeconfig" in Node-RED 4.1 (node-red-node-test-helper)
// through the test bed's REAL Kubernetes API server (kube-apiserver v1.37.2 in front of svc1's real
// Packetflix and Gostwire): the kubeconfig is the node's credential, pasted as text (the bed's
// token kubeconfig and its client-certificate kubeconfig); no URL, token or tls-config node.
// The capture node stores csharg-t2 without its PID. UDP ports 46200-46299 are this file's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
import { bedNamespace, keeperName, packetflixPid, sendUdp } from '../support/testbed';

const NODES = [hostNode, captureNode];
const T2 = JSON.stringify({ name: 'csharg-t2', type: 'proc' });

interface AdminAnswer { status: number; body: unknown }
function adminGet(path: string): Promise<AdminAnswer> {
  const admin = (helper as unknown as { request(): { get(p: string): PromiseLike<AdminAnswer> } }).request();
  return Promise.resolve(admin.get(path));
}

/** The bed kubeconfig's context name. */
function contextOf(kube: BedKube): string {
  return String(/^current-context: (\S+)/m.exec(readFileSync(kube.kubeconfig, 'utf8'))?.[1]);
}

describe('edgeshark-host node with a kubeconfig credential, through the real kube-apiserver\'s service proxy', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  async function setup(t: TestContext): Promise<{ svc: ServiceHost; kube: BedKube } | undefined> {
    const s = await requireKube(t);
    if (!s) return undefined;
    return { svc: { bed: s.bed, url: s.kube.proxyUrl, packetflixPid: packetflixPid(s.bed) }, kube: s.kube };
  }

  /** A flow: host (kubeconfig; context and service as given), a capture of t2's eth0 that stops after 3 packets. */
  function flow(filter: string, host: { context?: string; service?: string } = {}): object[] {
    return [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'kubeconfig', context: host.context ?? '', service: host.service ?? '', timeout: 30 },
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

  for (const c of [
    { what: 'the token kubeconfig (CA as a file path)', port: 46201, file: (k: BedKube) => k.kubeconfig },
    { what: 'the client-certificate kubeconfig (all embedded)', port: 46202, file: (k: BedKube) => k.kubeconfigClientCert },
  ]) {
    it(`${c.what} pasted as the credential: discovery through the host lists the bed's targets, and a capture of t2's eth0 gets the first 3 datagrams`, { timeout: 240_000 }, async (t) => {
      const s = await setup(t);
      if (!s) return;
      t.after(() => helper.unload());
      await helper.load(NODES, flow(`udp port ${c.port}`), { host: { kubeconfig: readFileSync(c.file(s.kube), 'utf8') } });
      // The editor's picker through the deployed host: the bed's keepers, named as discovery names them.
      const listed = await adminGet('/edgeshark/targets/host?refresh=1');
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const body = listed.body as { host: string; targets: Array<{ label: string }> };
      assert.equal(body.host, s.kube.proxyUrl);
      const labels = body.targets.map((x) => x.label);
      for (const h of ['t1', 't2', 't3', 't4']) {
        const ns = bedNamespace(s.svc.bed, h);
        assert.ok(labels.includes(`${ns.name} (PID ${ns.keeperPid})`), `${keeperName(s.svc.bed, h)} in ${labels.join(', ')}`);
      }
      assert.deepEqual(await runCapture(s.svc, c.port), [0, 1, 2]);
    });
  }

  it('before a deploy, the picker asks /edgeshark/targets-for?source=kubeconfig with the saved kubeconfig, the dialog\'s context and Service', { timeout: 120_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow('udp port 46210'), { host: { kubeconfig: readFileSync(s.kube.kubeconfig, 'utf8') } });
    const ok = await adminGet(`/edgeshark/targets-for?source=kubeconfig&hostId=host&context=${encodeURIComponent(contextOf(s.kube))}&service=${encodeURIComponent(s.kube.service)}&timeout=30`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((ok.body as { host: string }).host, s.kube.proxyUrl);
    assert.ok((ok.body as { targets: unknown[] }).targets.length > 0);
    const missing = await adminGet('/edgeshark/targets-for?source=kubeconfig&hostId=host&service=edgeshark%2Fcsharg-no-such-service%3A5001');
    assert.equal(missing.status, 502);
    assert.match((missing.body as { error: string }).error, /HTTP 404/);
  });

  it('an unknown context: the deploy reports it and the capture node shows it in red; no dumpcap starts', { timeout: 120_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    t.after(() => helper.unload());
    const filter = 'udp port 46220';
    await helper.load(NODES, flow(filter, { context: 'csharg-no-such-context' }), { host: { kubeconfig: readFileSync(s.kube.kubeconfig, 'utf8') } });
    // The deploy logged the host's error (Node-RED's log, as the editor's debug sidebar shows it).
    const logged = (helper as unknown as { log(): { args: Array<[{ level: number; id?: string; msg?: unknown }]> } }).log().args.map((a) => a[0]);
    const hostError = logged.find((e) => e.id === 'host' && e.level === 20);
    assert.match(String(hostError?.msg), /^kubeconfig: context was not found for specified context: csharg-no-such-context/, JSON.stringify(logged.filter((e) => e.level <= 30)));
    const cap = mustGetNode('cap');
    const failed = waitForStatus(cap, (st) => st.fill === 'red', 60_000);
    cap.receive({ topic: 'start' });
    const status = await failed;
    t.diagnostic(`capture node status: ${statusText(status)}`);
    assert.match(statusText(status), /context|kubeconfig/i);
    assert.deepEqual(serverDumpcapsFiltering(s.svc, filter), []);
  });
});
