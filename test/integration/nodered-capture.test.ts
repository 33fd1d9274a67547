// The edgeshark-capture node in Node-RED 4.1 (node-red-node-test-helper) with both sources of
// the test bed: this machine (real dumpcap in csharg-t2) and the real Edgeshark host svc1
// (Packetflix v0.9.7 + Gostwire v2.4.1, which run dumpcap in csharg-t2 themselves), while the
// bed sends datagrams from t1. Ports 44000-44099 (local) and 44200-44299 (host) belong to these
// tests; every capture is filtered to its own port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import type { NodeMessage } from '../../src/nodes/lib/node-red-api';
import { PcapngReader } from '../../src/core/pcapng';
import type { Block } from '../../src/core/pcapng';
import { gostwireTarget, gostwireUiLink } from '../support/cli-host';
import { collect, delay, dumpcapPids, helper, mustGetNode, nextMessage, pidRuns, statusText, udpOf, waitForStatus } from '../support/nodered';
import { discoveredTarget, interfacesOf, requireSvc1, serverDumpcapFiltering, serverDumpcapsFiltering, storedTarget } from '../support/nodered-host';
import type { ServiceHost } from '../support/nodered-host';
import { processGone } from '../support/processes';
import { bedAddress, bedNamespace, loadBed, requireBed, sendUdp } from '../support/testbed';

const NODES = [hostNode, captureNode];

async function t2Target(): Promise<string> {
  const bed = await loadBed();
  const t2 = bedNamespace(bed, 't2');
  return JSON.stringify({ name: `csharg-t2(${t2.keeperPid})`, type: 'proc' });
}

function flow(capture: Record<string, unknown>): object[] {
  return [
    { id: 'f1', type: 'tab', label: 'capture' },
    { id: 'host', type: 'edgeshark-host', source: 'local' },
    { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', interfaces: ['eth0'], output: 'packets', start: 'msg', wires: [['out']], ...capture },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

const isCapturing = (s: { text?: string }): boolean => statusText(s).includes('capturing');
const isStopped = (s: { text?: string }): boolean => statusText(s).includes('stopped');

function udpPackets(messages: NodeMessage[], port: number): number[] {
  const payloads = messages.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]) as PacketPayload[]);
  return payloads.map((p) => udpOf(p.data)).filter((u) => u?.dstPort === port).map((u) => u!.seq);
}

describe('edgeshark-capture node (local source, test bed)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('emits the datagrams the generator sent, as JSON-safe packets, until msg.topic stop', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 44001' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    cap.receive({ topic: 'start' });
    await capturing;
    const sent = await sendUdp({ from: 't1', to: 't2', count: 30, rate: 300, size: 32, port: 44001 });
    await delay(500);
    const stopped = waitForStatus(cap, isStopped);
    cap.receive({ topic: 'stop' });
    await stopped;

    assert.equal(sent.sent, 30);
    assert.deepEqual(udpPackets(out, 44001).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
    const first = out[0]!;
    assert.match(String(first.topic), /^csharg-t2\(\d+\)$/);
    const packet = first.payload as PacketPayload;
    assert.equal(packet.interface, 'eth0');
    assert.equal(typeof packet.timestamp, 'number');
    assert.match(packet.timestampNs ?? '', /^\d{19}$/);
    assert.equal(BigInt(packet.timestampNs!) / 1_000_000n, BigInt(Math.floor(packet.timestamp!)));
    assert.ok(Buffer.isBuffer(packet.data) && packet.data.length === packet.capturedLength);
    // JSON-safe: no BigInt anywhere.
    assert.doesNotThrow(() => JSON.stringify(out.map((m) => m.payload)));
  });

  it('stops by itself after a packet count, sending exactly that many', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 44002', stopPackets: '5' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    cap.receive({ topic: 'start' });
    await capturing;
    const stopped = waitForStatus(cap, isStopped);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 16, port: 44002 });
    await stopped;
    assert.deepEqual(udpPackets(out, 44002), [0, 1, 2, 3, 4]);
  });

  it('stops by itself after a duration (started on deploy, batches)', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    // 10 s: long enough for the bed's sender to start on a loaded machine (it is a bash + node process).
    const cap0 = flow({ target: await t2Target(), filter: 'udp port 44003', stopAfter: '10s', start: 'deploy', output: 'batches', batchPackets: 4, batchMs: 200 });
    await helper.load(NODES, cap0);
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    let stoppedAt = Infinity;
    const stopped = waitForStatus(cap, isStopped, 40_000).then(() => { stoppedAt = Date.now(); });
    await waitForStatus(cap, isCapturing).catch(() => undefined);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 100, size: 16, port: 44003 });
    const sentBy = Date.now();
    await stopped;
    assert.ok(sentBy < stoppedAt, 'precondition: every datagram was sent before the capture\'s duration ran out');
    assert.deepEqual(udpPackets(out, 44003).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    assert.ok(out.every((m) => Array.isArray(m.payload) && m.payload.length <= 4), 'batches of at most 4 packets');
  });

  it('a redeploy ends the capture: dumpcap is gone', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 44004', start: 'deploy' }));
    const cap = mustGetNode('cap');
    await waitForStatus(cap, isCapturing);
    const pids = dumpcapPids('udp port 44004');
    assert.equal(pids.length, 1, 'one dumpcap runs for this node');
    await helper.setFlows([{ id: 'other', type: 'helper' }], 'full');
    assert.equal(pidRuns(pids[0]!), false, 'dumpcap has exited once the node closed');
  });

  it('a bad capture filter reaches a Catch node with dumpcap\'s reason', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 44005 and nonsense((' }));
    const cap = mustGetNode('cap');
    const caught = nextMessage(mustGetNode('caught'));
    const red = waitForStatus(cap, (s) => s.fill === 'red');
    cap.receive({ topic: 'start', payload: 'go' });
    const msg = await caught;
    const error = msg.error as { message: string; source: { id: string } };
    assert.equal(error.source.id, 'cap');
    assert.match(error.message, /filter|syntax/i);
    assert.equal(msg.payload, 'go', 'the Catch node gets the message that started the capture');
    assert.ok(statusText(await red).length > 0);
  });

  it('takes the target from msg.target by name (a process without its PID)', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: '', filter: 'udp port 44006', stopPackets: '3' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    const stopped = waitForStatus(cap, isStopped);
    cap.receive({ topic: 'start', target: 'csharg-t2' });
    await capturing;
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44006 });
    await stopped;
    assert.deepEqual(udpPackets(out, 44006), [0, 1, 2]);
  });

  it('an unknown target in msg.target reaches a Catch node', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: '' }));
    const cap = mustGetNode('cap');
    const caught = nextMessage(mustGetNode('caught'));
    cap.receive({ topic: 'start', target: 'no-such-target-here' });
    const msg = await caught;
    assert.match((msg.error as { message: string }).message, /non-existing target/);
  });
});

// ---------------------------------------------------------------------------------------------
// The same node with an Edgeshark host: the real Packetflix at svc1.

function hostFlow(svc: ServiceHost, capture: Record<string, unknown>): object[] {
  return [
    { id: 'f1', type: 'tab', label: 'capture from svc1' },
    { id: 'host', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
    { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', interfaces: ['eth0'], output: 'packets', start: 'msg', wires: [['out']], ...capture },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

/** IPv4 source address of an Ethernet/IPv4 frame. */
function ipv4Source(data: Buffer): string {
  return [26, 27, 28, 29].map((i) => data[i]).join('.');
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('edgeshark-capture node (Edgeshark host: the real Packetflix at svc1)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('packets: emits exactly the datagrams sent, until msg.topic stop; the server\'s dumpcap ends with the stop', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44201';
    await helper.load(NODES, hostFlow(svc, { target: storedTarget(t2), filter }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing, 30_000);
    cap.receive({ topic: 'start' });
    await capturing;
    // What the real server made of the node's request.
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    assert.deepEqual(interfacesOf(dumpcap), ['eth0']);
    assert.ok(!dumpcap.args.includes('-p'), 'promiscuous (no -p) unless asked otherwise');

    const sent = await sendUdp({ from: 't1', to: 't2', count: 30, rate: 300, size: 32, port: 44201 });
    await delay(500);
    const stopped = waitForStatus(cap, isStopped, 30_000);
    cap.receive({ topic: 'stop' });
    await stopped;
    await processGone(dumpcap.pid, 15_000);

    assert.equal(sent.sent, 30);
    assert.deepEqual(udpPackets(out, 44201).sort((a, b) => a - b), range(30));
    assert.equal(out.length, 30, 'nothing but the filtered datagrams');
    const first = out[0]!;
    assert.equal(first.topic, t2.name);
    const packet = first.payload as PacketPayload;
    assert.equal(packet.interface, 'eth0');
    assert.equal(packet.target, t2.name, 'the section header names the target');
    assert.equal(ipv4Source(packet.data), bedAddress(svc.bed, 't1'));
    assert.match(packet.timestampNs ?? '', /^\d{19}$/);
    assert.ok(Buffer.isBuffer(packet.data) && packet.data.length === packet.capturedLength);
    assert.doesNotThrow(() => JSON.stringify(out.map((m) => m.payload)));
  });

  it('batches: stops by itself after a packet count, sending exactly that many; no promiscuous mode reaches dumpcap as -p', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44202';
    await helper.load(NODES, hostFlow(svc, { target: storedTarget(t2), filter, stopPackets: '5', output: 'batches', batchPackets: 4, batchMs: 200, noPromiscuous: true }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing, 30_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    assert.ok(dumpcap.args.includes('-p'), `"no promiscuous mode" reaches the server's dumpcap as -p: ${dumpcap.args.join(' ')}`);
    const stopped = waitForStatus(cap, isStopped, 30_000);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 16, port: 44202 });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    assert.deepEqual(udpPackets(out, 44202), range(5));
    assert.ok(out.every((m) => Array.isArray(m.payload) && m.payload.length >= 1 && m.payload.length <= 4), 'batches of 1 to 4 packets');
  });

  it('chunks: started on deploy, stops by itself after a duration; the chunks are the pcapng stream with node-name filled in', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44203';
    // 10 s: long enough for the bed's sender to start on a loaded machine (it is a bash + node process).
    await helper.load(NODES, hostFlow(svc, { target: storedTarget(t2), filter, stopAfter: '10s', start: 'deploy', output: 'chunks' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    let stoppedAt = Infinity;
    const stopped = waitForStatus(cap, isStopped, 60_000).then(() => { stoppedAt = Date.now(); });
    await waitForStatus(cap, isCapturing, 30_000);
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 100, size: 16, port: 44203 });
    const sentBy = Date.now();
    await stopped;
    assert.ok(sentBy < stoppedAt, 'precondition: every datagram was sent before the capture\'s duration ran out');
    await processGone(dumpcap.pid, 15_000);

    assert.ok(out.every((m) => Buffer.isBuffer(m.payload)), 'each message is a Buffer chunk');
    const blocks: Block[] = [];
    const reader = new PcapngReader();
    reader.feed(Buffer.concat(out.map((m) => m.payload as Buffer)), (b) => blocks.push(b));
    reader.end();
    const shb = blocks[0];
    assert.equal(shb?.kind, 'shb');
    const comment = shb.kind === 'shb' ? shb.comments.join('\n') : '';
    assert.match(comment, /# capture target information/);
    assert.match(comment, new RegExp(`node-name: "?${new URL(svc.url).hostname.replace(/\./g, '\\.')}"?`), 'our client fills in node-name');
    assert.ok(comment.includes(t2.name), 'container-name is the target');
    const idbs = blocks.filter((b) => b.kind === 'idb');
    assert.deepEqual(idbs.map((b) => (b.kind === 'idb' ? b.name : undefined)), ['eth0']);
    const seqs = blocks.filter((b) => b.kind === 'epb').map((b) => (b.kind === 'epb' ? udpOf(b.data) : undefined)).filter((u) => u?.dstPort === 44203).map((u) => u!.seq);
    assert.deepEqual(seqs.sort((a, b) => a - b), range(10));
  });

  it('a redeploy (node close) ends the capture: the server\'s dumpcap is gone, nothing of ours left', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44204';
    await helper.load(NODES, hostFlow(svc, { target: storedTarget(t2), filter, start: 'deploy' }));
    await waitForStatus(mustGetNode('cap'), isCapturing, 30_000);
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    const redeployed = Date.now();
    await helper.setFlows([{ id: 'other', type: 'helper' }], 'full');
    await processGone(dumpcap.pid, 15_000);
    t.diagnostic(`redeploy to the server's dumpcap gone: ${Date.now() - redeployed} ms`);
    assert.deepEqual(serverDumpcapsFiltering(svc, filter), [], 'no dumpcap of this node left at the server');
  });

  it('takes the target from msg.target by name (a process without its PID), completed by the real discovery', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    await helper.load(NODES, hostFlow(svc, { target: '', filter: 'udp port 44206', stopPackets: '3' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing, 30_000);
    const stopped = waitForStatus(cap, isStopped, 30_000);
    cap.receive({ topic: 'start', target: bedNamespace(svc.bed, 't2').name });
    await capturing;
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44206 });
    await stopped;
    assert.deepEqual(udpPackets(out, 44206), [0, 1, 2]);
    assert.ok(out.every((m) => m.topic === t2.name));
  });

  it('takes the target from msg.target as a packetflix: link as Gostwire\'s web UI builds it (interfaces from the link, filter from the node)', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44211';
    // The node is set to both interfaces; the link names eth0 only.
    await helper.load(NODES, hostFlow(svc, { target: '', interfaces: ['eth0', 'lo'], filter, stopPackets: '4' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing, 30_000);
    const stopped = waitForStatus(cap, isStopped, 30_000);
    cap.receive({ topic: 'start', target: gostwireUiLink(svc.url, await gostwireTarget(svc.url, t2.name), ['eth0']) });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    assert.deepEqual(interfacesOf(dumpcap), ['eth0'], 'the link\'s interfaces');
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44211 });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    assert.deepEqual(udpPackets(out, 44211), [0, 1, 2, 3]);
    assert.ok(out.every((m) => m.topic === t2.name && (m.payload as PacketPayload).interface === 'eth0'));
  });

  it('two interfaces with a filter: the real Packetflix filters only the last one (dumpcap\'s -f follows the last -i)', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44209';
    await helper.load(NODES, hostFlow(svc, { target: storedTarget(t2), interfaces: ['eth0', 'lo'], filter }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing, 30_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    t.diagnostic(`the server's dumpcap: ${dumpcap.args.join(' ')}`);
    assert.deepEqual(interfacesOf(dumpcap), ['eth0', 'lo'], 'the node\'s interface order');
    assert.equal(dumpcap.args.indexOf('-f'), dumpcap.args.lastIndexOf('-i') + 2, `-f follows the last -i: ${dumpcap.args.join(' ')}`);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44209 });
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 44210 });
    await delay(500);
    const stopped = waitForStatus(cap, isStopped, 30_000);
    cap.receive({ topic: 'stop' });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    const onEth0 = (port: number): number[] => udpPackets(out.filter((m) => (m.payload as PacketPayload).interface === 'eth0'), port).sort((a, b) => a - b);
    assert.deepEqual(onEth0(44209), range(10), 'the datagrams the filter names');
    // eth0 is not the last interface: the server's dumpcap does not filter it.
    assert.deepEqual(onEth0(44210), range(10), 'eth0 unfiltered: the other port\'s datagrams arrive too');
  });

  /** Starts a capture that the real server refuses; the message a Catch node gets. */
  async function refused(svc: ServiceHost, capture: Record<string, unknown>): Promise<{ msg: NodeMessage; status: string }> {
    await helper.load(NODES, hostFlow(svc, capture));
    const cap = mustGetNode('cap');
    const caught = nextMessage(mustGetNode('caught'), 30_000);
    const red = waitForStatus(cap, (s) => s.fill === 'red', 30_000);
    cap.receive({ topic: 'start', payload: 'go' });
    const msg = await caught;
    return { msg, status: statusText(await red) };
  }

  it('a bad capture filter reaches a Catch node with the server\'s reason', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const filter = 'udp port 44205 and nonsense((';
    const { msg, status } = await refused(svc, { target: storedTarget(t2), filter });
    const error = msg.error as { message: string; source: { id: string } };
    assert.equal(error.source.id, 'cap');
    assert.ok(error.message.includes(`Invalid capture filter "${filter}" for interface 'eth0'.`), error.message);
    assert.ok(error.message.includes(svc.url.replace(/^http/, 'ws')), `the message names the service: ${error.message}`);
    assert.equal(msg.payload, 'go', 'the Catch node gets the message that started the capture');
    // reason first, the target after, the code last; the status the short reason
    assert.ok(error.message.startsWith(`Invalid capture filter "${filter}" for interface 'eth0'. — capture of proc "${t2.name}"`), error.message);
    assert.ok(error.message.indexOf(t2.name) > error.message.indexOf('Invalid capture filter'), `the target after the reason: ${error.message}`);
    assert.match(error.message, /\[CAPTURE_FAILED\]$/);
    assert.equal(status, 'invalid capture filter');
  });

  it('a missing interface reaches a Catch node with the server\'s reason', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const { msg, status } = await refused(svc, { target: storedTarget(t2), interfaces: ['eth9'], filter: 'udp port 44207' });
    assert.ok((msg.error as { message: string }).message.startsWith('no interface "eth9": There is no device named "eth9".'), (msg.error as { message: string }).message);
    assert.equal(status, 'no interface "eth9"');
  });

  it('a process-less namespace reaches a Catch node with the server\'s reason', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const empty = await discoveredTarget(svc, 'empty');
    assert.equal(empty.type, 'bindmount');
    const { msg, status } = await refused(svc, { target: storedTarget(empty), interfaces: ['lo'], filter: 'udp port 44208' });
    assert.ok((msg.error as { message: string }).message.includes('cannot lock target network stack'), (msg.error as { message: string }).message);
    assert.equal(status, 'cannot enter the target (no process in it?)');
  });
});
