// The edgeshark-capture node's byte count and packet count are the library's stopAfterBytes and
// stopAfterPackets (issue 18): on a live capture in Node-RED 4.1 (node-red-node-test-helper), with
// this machine's dumpcap and with the real Packetflix of svc1, while the bed sends datagrams
// t1 → t2. The byte count is bytes of whole pcapng blocks: the chunks the node sends add up to at
// most that many, end at a block boundary, and the next packet's block would not have fitted.
// Ports 42001-42099 belong to these tests; every capture is filtered to its own port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import type { NodeMessage } from '../../src/nodes/lib/node-red-api';
import { PcapngReader } from '../../src/core/pcapng';
import { collect, helper, mustGetNode, statusText, udpOf, waitForStatus } from '../support/nodered';
import { discoveredTarget, requireSvc1, storedTarget } from '../support/nodered-host';
import { bedNamespace, loadBed, requireBed, sendUdp } from '../support/testbed';

const NODES = [hostNode, captureNode];
const isCapturing = (s: { text?: string }): boolean => statusText(s).includes('capturing');
const isStopped = (s: { text?: string }): boolean => statusText(s).includes('stopped');

function flow(host: Record<string, unknown>, capture: Record<string, unknown>): object[] {
  return [
    { id: 'f1', type: 'tab', label: 'capture stops' },
    { id: 'host', type: 'edgeshark-host', ...host },
    { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', interfaces: ['eth0'], start: 'msg', wires: [['out']], ...capture },
    { id: 'out', z: 'f1', type: 'helper' },
  ];
}

/** Runs the capture until it stops by itself while the bed sends `count` datagrams; its messages. */
async function captureUntilStopped(port: number, count: number): Promise<NodeMessage[]> {
  const cap = mustGetNode('cap');
  const out = collect(mustGetNode('out'));
  const capturing = waitForStatus(cap, isCapturing, 30_000);
  const stopped = waitForStatus(cap, isStopped, 60_000);
  cap.receive({ topic: 'start' });
  await capturing;
  await sendUdp({ from: 't1', to: 't2', count, rate: 200, size: 200, port });
  await stopped;
  return out;
}

function checkByteCount(out: NodeMessage[], limit: number, port: number): void {
  const stream = Buffer.concat(out.map((m) => m.payload as Buffer));
  assert.ok(stream.length <= limit, `${stream.length} bytes of pcapng <= ${limit}`);
  const reader = new PcapngReader();
  const blocks = reader.push(stream);
  assert.doesNotThrow(() => reader.end(), 'the output ends at a block boundary');
  const epbs = blocks.filter((b) => b.kind === 'epb');
  assert.ok(epbs.length >= 1, 'some packets fitted');
  assert.deepEqual(epbs.map((b) => udpOf(b.kind === 'epb' ? b.data : Buffer.alloc(0))?.seq), epbs.map((_, i) => i), 'the first datagrams, in order');
  assert.ok(epbs.every((b) => b.kind === 'epb' && udpOf(b.data)?.dstPort === port));
  // the datagrams are all the same size: one more packet's block would have passed the limit
  assert.ok(stream.length + epbs[0]!.raw.length > limit, `${stream.length} + ${epbs[0]!.raw.length} > ${limit}`);
}

async function t2Local(): Promise<string> {
  const bed = await loadBed();
  return JSON.stringify({ name: `csharg-t2(${bedNamespace(bed, 't2').keeperPid})`, type: 'proc' });
}

describe('edgeshark-capture stop conditions are the library\'s', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('this machine, chunks: a byte count is bytes of whole pcapng blocks', { timeout: 120_000 }, async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    const limit = 3000;
    await helper.load(NODES, flow({ source: 'local' }, { target: await t2Local(), filter: 'udp port 42001', output: 'chunks', stopBytes: String(limit) }));
    checkByteCount(await captureUntilStopped(42001, 40), limit, 42001);
  });

  it('this machine, batches: a byte count sends the packets of the blocks within it', { timeout: 120_000 }, async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    const limit = 3000;
    // the packets whose blocks fit, and only those: the first datagrams, fewer than were sent
    await helper.load(NODES, flow({ source: 'local' }, { target: await t2Local(), filter: 'udp port 42002', output: 'batches', batchPackets: 3, batchMs: 200, stopBytes: String(limit) }));
    const out = await captureUntilStopped(42002, 40);
    const seqs = out.flatMap((m) => m.payload as PacketPayload[]).map((p) => udpOf(p.data)?.seq);
    assert.ok(seqs.length >= 1 && seqs.length < 40, `${seqs.length} packets`);
    assert.deepEqual(seqs, seqs.map((_, i) => i));
  });

  it('svc1 (the real Packetflix), chunks: the byte count the same', { timeout: 120_000 }, async (t: TestContext) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    const limit = 4000;
    await helper.load(NODES, flow({ source: 'url', url: svc.url, timeout: 30 }, { target: storedTarget(t2), filter: 'udp port 42003', output: 'chunks', stopBytes: String(limit) }));
    checkByteCount(await captureUntilStopped(42003, 40), limit, 42003);
  });

  it('svc1, blocks: a packet count ends with that packet\'s block', { timeout: 120_000 }, async (t: TestContext) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const t2 = await discoveredTarget(svc, 't2');
    await helper.load(NODES, flow({ source: 'url', url: svc.url, timeout: 30 }, { target: storedTarget(t2), filter: 'udp port 42004', output: 'blocks', stopPackets: '6' }));
    const out = await captureUntilStopped(42004, 30);
    const kinds = out.map((m) => (m.payload as { kind: string }).kind);
    assert.equal(kinds.filter((k) => k === 'epb').length, 6);
    assert.equal(kinds.at(-1), 'epb', 'the last block is the 6th packet\'s');
    assert.equal(kinds[0], 'shb');
  });
});
