// The edgeshark-host config node in service mode, in Node-RED 4.1 (node-red-node-test-helper),
// against the test bed's real Edgeshark host svc1 (Packetflix v0.9.7 with --proxy-discovery to
// Gostwire v2.4.1): the bearer token credential on the wire (seen through a recording TCP relay in
// front of the real Packetflix, which never echoes request headers), two host config nodes (svc1
// and svc2) side by side, and the editor's target picker filled from the real discovery. Ports
// 44400-44499 belong to these tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import targetsNode from '../../src/nodes/edgeshark-targets';
import type { TargetChoice } from '../../src/nodes/lib/target-kind';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import { collect, helper, mustGetNode, nextMessage, statusText, udpOf, waitForStatus } from '../support/nodered';
import { discoveredTarget, requireSvc1, serverDumpcapFiltering, storedTarget } from '../support/nodered-host';
import { processGone } from '../support/processes';
import { startRecordingRelay } from '../support/recording-relay';
import { bedNamespace, sendUdp, serviceUrl } from '../support/testbed';

const NODES = [hostNode, targetsNode, captureNode];

/** The runtime's admin routes (where the editor asks), through the test helper's supertest. */
interface AdminAnswer { status: number; body: unknown }
function adminGet(path: string): Promise<AdminAnswer> {
  const admin = (helper as unknown as { request(): { get(p: string): PromiseLike<AdminAnswer> } }).request();
  return Promise.resolve(admin.get(path));
}

describe('edgeshark-host node with the real Packetflix at svc1', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('its bearer token credential reaches the wire on discovery and on the capture request; the capture runs through', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    const relay = await startRecordingRelay(svc.url);
    t.after(() => relay.close());
    t.after(() => helper.unload());
    const token = `nr-token-${process.pid}-${Date.now()}`;
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44401';
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: relay.url, timeout: 30 },
      // The picker's stored form: a bare target, completed from discovery (through the relay) at start.
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: storedTarget(t2), interfaces: ['eth0'], filter, noPromiscuous: true, start: 'msg', output: 'packets', stopPackets: '3', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ], { host: { token } });
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'), 30_000);
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'), 30_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44401 });
    await stopped;
    await processGone(dumpcap.pid, 15_000);

    // The real Packetflix served the capture through the relay.
    const seqs = out.map((m) => udpOf((m.payload as PacketPayload).data)).filter((u) => u?.dstPort === 44401).map((u) => u!.seq);
    assert.deepEqual(seqs, [0, 1, 2]);

    const discovery = relay.requests.filter((r) => r.requestLine.startsWith('GET /discover/mobyshark '));
    const captures = relay.requests.filter((r) => r.requestLine.startsWith('GET /capture?'));
    assert.equal(discovery.length, 1, relay.requests.map((r) => r.requestLine).join('\n'));
    assert.equal(captures.length, 1, relay.requests.map((r) => r.requestLine).join('\n'));
    assert.equal(discovery[0]!.headers.authorization, `Bearer ${token}`);
    const request = captures[0]!;
    assert.equal(request.headers.authorization, `Bearer ${token}`);
    assert.equal(request.headers.upgrade?.toLowerCase(), 'websocket');
    // The same request as query and as Clustershark-* headers (for proxies that drop the query).
    const query = new URL(request.requestLine.split(' ')[1]!, relay.url).searchParams;
    assert.equal(request.headers['clustershark-container'], query.get('container'));
    assert.equal(request.headers['clustershark-nif'], 'eth0');
    assert.equal(query.get('nif'), 'eth0');
    assert.equal(request.headers['clustershark-filter'], filter);
    assert.equal(query.get('filter'), filter);
    assert.equal(request.headers['clustershark-chaste'], '');
    assert.equal(query.get('chaste'), '');
    assert.ok(dumpcap.args.includes('-p'), 'the server honoured chaste');
    // The target the server got is the one discovery (through the relay) knows, node-name the relay's host.
    const container = JSON.parse(query.get('container')!) as Record<string, unknown>;
    assert.equal(container.name, t2.name);
    assert.equal(container.netns, t2.netns);
    assert.equal(container.pid, t2.pid);
    assert.equal(container.starttime, t2.starttime);
    assert.equal(container['node-name'], new URL(relay.url).hostname);
  });

  it('two host config nodes (svc1 and svc2) in one flow: each capture node runs at its own Packetflix and gets every datagram', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const svc2Url = serviceUrl(svc.bed, 'svc2');
    const svc2Pid = svc.bed.services.hosts.find((h) => h.name === 'svc2')?.packetflixPid;
    assert.ok(svc2Pid, 'svc2 runs Packetflix');
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44402';
    const capture = { z: 'f1', type: 'edgeshark-capture', target: storedTarget(t2), interfaces: ['eth0'], filter, start: 'msg', output: 'batches', batchPackets: 50, batchMs: 200 };
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host1', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
      { id: 'host2', type: 'edgeshark-host', source: 'url', url: svc2Url, timeout: 30 },
      { id: 'cap1', host: 'host1', wires: [['out1']], ...capture },
      { id: 'cap2', host: 'host2', wires: [['out2']], ...capture },
      { id: 'out1', z: 'f1', type: 'helper' },
      { id: 'out2', z: 'f1', type: 'helper' },
    ]);
    const caps = [mustGetNode('cap1'), mustGetNode('cap2')];
    const outs = [collect(mustGetNode('out1')), collect(mustGetNode('out2'))];
    const capturing = caps.map((c) => waitForStatus(c, (s) => statusText(s).includes('capturing'), 30_000));
    for (const c of caps) c.receive({ topic: 'start' });
    await Promise.all(capturing);
    // One dumpcap at each service, each the child of its own Packetflix.
    const at1 = await serverDumpcapFiltering(svc, filter);
    const at2 = await serverDumpcapFiltering({ ...svc, url: svc2Url, packetflixPid: svc2Pid }, filter);
    assert.notEqual(at1.pid, at2.pid);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 16, port: 44402 });
    await new Promise((r) => setTimeout(r, 500));
    const stopped = caps.map((c) => waitForStatus(c, (s) => statusText(s).includes('stopped'), 30_000));
    for (const c of caps) c.receive({ topic: 'stop' });
    await Promise.all(stopped);
    await Promise.all([processGone(at1.pid, 15_000), processGone(at2.pid, 15_000)]);
    for (const [i, out] of outs.entries()) {
      const seqs = out.flatMap((m) => m.payload as PacketPayload[]).map((p) => udpOf(p.data)).filter((u) => u?.dstPort === 44402).map((u) => u!.seq);
      assert.deepEqual(seqs.sort((a, b) => a - b), Array.from({ length: 20 }, (_, k) => k), `capture ${i + 1}: every datagram once`);
      assert.ok(out.every((m) => m.topic === t2.name));
    }
  });

  it('the editor\'s target picker (GET /edgeshark/targets/:hostId) lists the real discovery\'s targets, grouped by kind', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
    ]);
    const res = await adminGet('/edgeshark/targets/host?refresh=1');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const answer = res.body as { host: string; targets: TargetChoice[] };
    assert.equal(answer.host, svc.url);
    for (const host of ['t1', 't2', 't3', 't4']) {
      const ns = bedNamespace(svc.bed, host);
      // Shown with its PID now, stored by its name and type (a restart keeps it: nodered-stable-target).
      const label = `${ns.name} (PID ${ns.keeperPid})`;
      const choice = answer.targets.filter((c) => c.label === label);
      assert.equal(choice.length, 1, `${label} is offered once`);
      assert.equal(choice[0]!.kind, 'process');
      assert.equal(choice[0]!.pid, ns.keeperPid);
      assert.deepEqual(choice[0]!.target, { name: ns.name, type: 'proc' }, 'the picker stores the bare target without the PID');
      assert.deepEqual(choice[0]!.interfaces, ['eth0', 'lo']);
    }
    const empty = answer.targets.filter((c) => c.kind === 'namespace' && c.label.split(':').includes('/run/netns/csharg-empty'));
    assert.equal(empty.length, 1, 'the process-less namespace is offered');
    assert.equal(empty[0]!.target.type, 'bindmount');
    // Sorted by kind: every process before every namespace.
    const kinds = answer.targets.map((c) => c.kind);
    assert.ok(kinds.lastIndexOf('process') < kinds.indexOf('namespace'), kinds.join(','));

    // An undeployed service host has nothing to ask: 404 with the reason.
    const missing = await adminGet('/edgeshark/targets/no-such-host');
    assert.equal(missing.status, 404);
  });

  it('a token with no proxy in front: the real Packetflix, which has no authentication of its own, still serves', async (t) => {
    // Edgeshark itself has no authentication (a proxy in front does it): with a token set and no
    // proxy, discovery and capture work the same, so a token never breaks a direct connection.
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
      { id: 'list', z: 'f1', type: 'edgeshark-targets', host: 'host', pattern: '^csharg-t2\\(\\d+\\)$', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ], { host: { token: 'not-checked-by-edgeshark' } });
    const got = nextMessage(mustGetNode('out'), 30_000);
    mustGetNode('list').receive({});
    const ns = bedNamespace(svc.bed, 't2');
    assert.deepEqual(((await got).payload as { name: string }[]).map((x) => x.name), [`${ns.name}(${ns.keeperPid})`]);
  });
});
