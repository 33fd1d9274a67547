// The edgeshark-capture node in Node-RED 4.1 (node-red-node-test-helper) against the test bed's
// local source: real dumpcap captures in csharg-t2 while the bed sends datagrams from t1.
// Ports 22000-22099 belong to these tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/packet-message';
import type { NodeMessage } from '../../src/nodes/node-red-api';
import { collect, delay, dumpcapPids, helper, mustGetNode, nextMessage, pidRuns, statusText, udpOf, waitForStatus } from '../support/nodered';
import { bedNamespace, loadBed, requireBed, sendUdp } from '../support/testbed';

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
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 22001' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    cap.receive({ topic: 'start' });
    await capturing;
    const sent = await sendUdp({ from: 't1', to: 't2', count: 30, rate: 300, size: 32, port: 22001 });
    await delay(500);
    const stopped = waitForStatus(cap, isStopped);
    cap.receive({ topic: 'stop' });
    await stopped;

    assert.equal(sent.sent, 30);
    assert.deepEqual(udpPackets(out, 22001).sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
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
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 22002', stopPackets: '5' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    cap.receive({ topic: 'start' });
    await capturing;
    const stopped = waitForStatus(cap, isStopped);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 16, port: 22002 });
    await stopped;
    assert.deepEqual(udpPackets(out, 22002), [0, 1, 2, 3, 4]);
  });

  it('stops by itself after a duration (started on deploy, batches)', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    const cap0 = flow({ target: await t2Target(), filter: 'udp port 22003', stopAfter: '3s', start: 'deploy', output: 'batches', batchPackets: 4, batchMs: 200 });
    const stoppedSeen: Promise<unknown>[] = [];
    await helper.load(NODES, cap0);
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    stoppedSeen.push(waitForStatus(cap, isStopped, 30_000));
    await waitForStatus(cap, isCapturing).catch(() => undefined);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 100, size: 16, port: 22003 });
    await Promise.all(stoppedSeen);
    assert.deepEqual(udpPackets(out, 22003).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    assert.ok(out.every((m) => Array.isArray(m.payload) && m.payload.length <= 4), 'batches of at most 4 packets');
  });

  it('a redeploy ends the capture: dumpcap is gone', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 22004', start: 'deploy' }));
    const cap = mustGetNode('cap');
    await waitForStatus(cap, isCapturing);
    const pids = dumpcapPids('udp port 22004');
    assert.equal(pids.length, 1, 'one dumpcap runs for this node');
    await helper.setFlows([{ id: 'other', type: 'helper' }], 'full');
    assert.equal(pidRuns(pids[0]!), false, 'dumpcap has exited once the node closed');
  });

  it('a bad capture filter reaches a Catch node with dumpcap\'s reason', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, flow({ target: await t2Target(), filter: 'udp port 22005 and nonsense((' }));
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
    await helper.load(NODES, flow({ target: '', filter: 'udp port 22006', stopPackets: '3' }));
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, isCapturing);
    const stopped = waitForStatus(cap, isStopped);
    cap.receive({ topic: 'start', target: 'csharg-t2' });
    await capturing;
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port: 22006 });
    await stopped;
    assert.deepEqual(udpPackets(out, 22006), [0, 1, 2]);
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
