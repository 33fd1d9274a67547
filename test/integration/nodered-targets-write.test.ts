// edgeshark-targets and pcapng-write in Node-RED 4.1 with both sources of the test bed: this
// machine, and the real Edgeshark host svc1 (Packetflix v0.9.7 + Gostwire v2.4.1); the written
// files are checked with tshark and capinfos. Ports 44100-44199 (local) and 44300-44399 (host)
// belong to these tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import targetsNode from '../../src/nodes/edgeshark-targets';
import writeNode from '../../src/nodes/pcapng-write';
import type { Target } from '../../src/core/target';
import type { NodeMessage } from '../../src/nodes/lib/node-red-api';
import { collect, helper, mustGetNode, nextMessage, statusText, waitForStatus } from '../support/nodered';
import { discoveredTarget, requireSvc1, serverDumpcapFiltering, storedTarget } from '../support/nodered-host';
import { processGone } from '../support/processes';
import { bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const NODES = [hostNode, targetsNode, captureNode, writeNode];

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-nr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('edgeshark-targets node (local source, test bed)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('lists the bed\'s namespaces, filtered by kind and name pattern', async (t) => {
    const bed = await requireBed(t);
    if (!bed) return;
    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'local' },
      { id: 'list', z: 'f1', type: 'edgeshark-targets', host: 'host', pattern: '^csharg-t[12]', wires: [['out']] },
      { id: 'procs', z: 'f1', type: 'edgeshark-targets', host: 'host', process: false, pattern: 'csharg-', wires: [['out2']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'out2', z: 'f1', type: 'helper' },
    ]);
    const got = nextMessage(mustGetNode('out'));
    mustGetNode('list').receive({ topic: 'q' });
    const msg = await got;
    const targets = msg.payload as Target[];
    const netns = new Set(targets.map((x) => x.netns));
    assert.ok(netns.has(bedNamespace(bed, 't1').netns) && netns.has(bedNamespace(bed, 't2').netns));
    assert.ok(targets.every((x) => /^csharg-t[12]/.test(x.name)));
    assert.equal(msg.count, targets.length);
    assert.equal(msg.topic, 'q', 'the message\'s own properties are kept');

    const got2 = nextMessage(mustGetNode('out2'));
    mustGetNode('procs').receive({});
    const noProcs = (await got2).payload as Target[];
    assert.ok(noProcs.every((x) => x.type !== 'proc'), 'processes filtered out');
    assert.ok(noProcs.some((x) => x.netns === bedNamespace(bed, 'empty').netns), 'the process-less namespace is listed');
  });

  it('a bad name pattern shows as the node\'s error', async (t) => {
    if (!(await requireBed(t))) return;
    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'local' },
      { id: 'list', z: 'f1', type: 'edgeshark-targets', host: 'host', pattern: '(', wires: [[]] },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
    ]);
    const caught = nextMessage(mustGetNode('caught'));
    mustGetNode('list').receive({});
    assert.match(((await caught).error as { message: string }).message, /name pattern/);
  });
});

describe('pcapng-write node (local source, test bed)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('writes what the capture node sends into a pcapng file that tshark reads', async (t) => {
    const bed = await requireBed(t);
    if (!bed) return;
    t.after(() => helper.unload());
    const file = path.join(tempDir(t), 'one.pcapng');
    const target = JSON.stringify({ name: `csharg-t2(${bedNamespace(bed, 't2').keeperPid})`, type: 'proc' });
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'local' },
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target, interfaces: ['eth0'], filter: 'udp port 44101', start: 'msg', output: 'batches', batchPackets: 7, batchMs: 100, stopPackets: '25', wires: [['write', 'seen']] },
      { id: 'seen', z: 'f1', type: 'helper' },
      { id: 'write', z: 'f1', type: 'pcapng-write', filename: file, wires: [['closed']] },
      { id: 'closed', z: 'f1', type: 'helper' },
    ]);
    const cap = mustGetNode('cap');
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'));
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'));
    cap.receive({ topic: 'start' });
    await capturing;
    const seen = collect(mustGetNode('seen'));
    await sendUdp({ from: 't1', to: 't2', count: 25, rate: 250, size: 100, port: 44101 });
    await stopped;
    // The write node gets each batch in the same delivery round as the helper beside it.
    for (let i = 0; i < 250 && seen.reduce((n, m) => n + (m.payload as unknown[]).length, 0) < 25; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setImmediate(r));
    const closed = nextMessage(mustGetNode('closed'));
    mustGetNode('write').receive({ topic: 'rotate' });
    const msg = await closed;
    assert.equal(msg.payload, file);
    assert.equal(msg.packets, 25);
    const rows = await tsharkFields(file, ['udp.dstport', 'frame.interface_name', 'udp.length']);
    assert.equal(rows.length, 25);
    assert.ok(rows.every((r) => r[0] === '44101' && r[1] === 'eth0' && r[2] === '108'));
  });

  it('rotates by size: every file is a valid pcapng and together they hold every packet', async (t) => {
    const bed = await requireBed(t);
    if (!bed) return;
    t.after(() => helper.unload());
    const dir = tempDir(t);
    const target = JSON.stringify({ name: `csharg-t2(${bedNamespace(bed, 't2').keeperPid})`, type: 'proc' });
    // 0.01 MB = 10485 bytes: about 8 frames of 1 KB per file.
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'local' },
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target, interfaces: ['eth0'], filter: 'udp port 44102', start: 'msg', output: 'chunks', stopPackets: '40', wires: [['write']] },
      { id: 'write', z: 'f1', type: 'pcapng-write', filename: path.join(dir, 'rot.pcapng'), rotateMB: '0.01', wires: [['closed']] },
      { id: 'closed', z: 'f1', type: 'helper' },
    ]);
    const closedFiles: NodeMessage[] = collect(mustGetNode('closed'));
    const cap = mustGetNode('cap');
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'));
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'));
    cap.receive({ topic: 'start' });
    await capturing;
    await sendUdp({ from: 't1', to: 't2', count: 40, rate: 400, size: 1000, port: 44102 });
    await stopped;
    await helper.setFlows([{ id: 'idle', type: 'helper' }], 'full');
    const files = readdirSync(dir).filter((f) => f.endsWith('.pcapng')).sort();
    assert.ok(files.length >= 4, `several files (${files.join(', ')})`);
    assert.ok(closedFiles.length >= files.length - 1);
    let total = 0;
    for (const f of files) {
      const full = path.join(dir, f);
      assert.ok(existsSync(full));
      const { stdout } = await promisify(execFile)('/usr/bin/capinfos', ['-c', '-M', full]);
      const n = Number(/Number of packets:\s+(\d+)/.exec(stdout)?.[1]);
      assert.ok(n > 0, `${f} holds packets`);
      total += n;
    }
    // chunks mode: the stop comes after the chunk with the 40th packet; all 40 datagrams are there.
    assert.ok(total >= 40, `${total} packets in all`);
  });
});

// ---------------------------------------------------------------------------------------------
// The same nodes with an Edgeshark host: the real Packetflix at svc1 (discovery through its
// --proxy-discovery to Gostwire).

/** Gostwire's own answer, as Packetflix passes it through: the raw target objects. */
async function rawDiscovery(url: string): Promise<{ name: string; type: string; netns: number; pid: number }[]> {
  const res = await fetch(`${url}/discover/mobyshark`, { signal: AbortSignal.timeout(30_000) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { containers: { name: string; type: string; netns: number; pid: number }[] }).containers;
}

describe('edgeshark-targets node (Edgeshark host: the real Gostwire behind Packetflix at svc1)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('lists the bed\'s targets as the real discovery names them, filtered by kind and name pattern', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
      { id: 'keepers', z: 'f1', type: 'edgeshark-targets', host: 'host', pattern: '^csharg-t\\d\\(\\d+\\)$', wires: [['out']] },
      { id: 'spaces', z: 'f1', type: 'edgeshark-targets', host: 'host', process: false, wires: [['out2']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'out2', z: 'f1', type: 'helper' },
    ]);
    const got = nextMessage(mustGetNode('out'), 30_000);
    mustGetNode('keepers').receive({ topic: 'q' });
    const msg = await got;
    const targets = msg.payload as Target[];
    // The bed's four target namespaces, each by its keeper process: name comm(PID), type proc.
    const expected = ['t1', 't2', 't3', 't4'].map((h) => bedNamespace(svc.bed, h));
    assert.deepEqual(targets.map((x) => x.name), expected.map((ns) => `${ns.name}(${ns.keeperPid})`));
    for (const [i, ns] of expected.entries()) {
      const x = targets[i]!;
      assert.equal(x.type, 'proc');
      assert.equal(x.netns, ns.netns);
      assert.equal(x.pid, ns.keeperPid);
      assert.ok(x.starttime && x.starttime > 0, 'a process target carries its start time');
      assert.deepEqual([...(x.networkInterfaces ?? [])].sort(), ['eth0', 'lo']);
      assert.equal(x.nodeName, new URL(svc.url).hostname, 'node-name is the service URL\'s host');
    }
    assert.equal(msg.count, 4);
    assert.equal(msg.topic, 'q', 'the message\'s own properties are kept');
    // The same four as Gostwire's own answer.
    const raw = (await rawDiscovery(svc.url)).filter((x) => /^csharg-t\d\(\d+\)$/.test(x.name));
    assert.deepEqual(raw.map((x) => x.name).sort(), targets.map((x) => x.name));

    const got2 = nextMessage(mustGetNode('out2'), 30_000);
    mustGetNode('spaces').receive({});
    const noProcs = (await got2).payload as Target[];
    assert.ok(noProcs.length > 0 && noProcs.every((x) => x.type !== 'proc'), 'processes filtered out');
    const empty = noProcs.filter((x) => x.netns === bedNamespace(svc.bed, 'empty').netns);
    assert.equal(empty.length, 1, 'the process-less namespace is listed once');
    assert.equal(empty[0]!.type, 'bindmount');
    assert.ok(empty[0]!.name.split(':').includes('/run/netns/csharg-empty'), empty[0]!.name);
  });

  it('a wrong service URL (Gostwire\'s own port: no /discover route) reaches Catch with the real server\'s 404', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    // Gostwire's own port (5000) on svc1 has no /discover route: the real server's 404.
    const url = svc.url.replace(/:5001$/, ':5000');
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url, timeout: 30 },
      { id: 'list', z: 'f1', type: 'edgeshark-targets', host: 'host', wires: [[]] },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
    ]);
    const caught = nextMessage(mustGetNode('caught'), 30_000);
    mustGetNode('list').receive({});
    const message = ((await caught).error as { message: string }).message;
    assert.ok(message.includes(`discovery at ${url}/discover/mobyshark failed: HTTP 404`), message);
  });
});

describe('pcapng-write node (Edgeshark host: the real Packetflix at svc1)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('writes the chunks of a capture from the real Packetflix into a pcapng file that tshark reads', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    t.after(() => helper.unload());
    const file = path.join(tempDir(t), 'svc1.pcapng');
    const filter = 'udp port 44301';
    const t2 = await discoveredTarget(svc, 't2');
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 },
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: storedTarget(t2), interfaces: ['eth0'], filter, start: 'msg', output: 'chunks', stopPackets: '25', wires: [['write']] },
      { id: 'write', z: 'f1', type: 'pcapng-write', filename: file, wires: [['closed']] },
      { id: 'closed', z: 'f1', type: 'helper' },
    ]);
    const cap = mustGetNode('cap');
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'), 30_000);
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'), 30_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter);
    await sendUdp({ from: 't1', to: 't2', count: 25, rate: 250, size: 100, port: 44301 });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    await new Promise((r) => setImmediate(r));
    const closed = nextMessage(mustGetNode('closed'));
    mustGetNode('write').receive({ topic: 'rotate' });
    const msg = await closed;
    assert.equal(msg.payload, file);
    assert.equal(msg.packets, 25);
    const rows = await tsharkFields(file, ['udp.dstport', 'frame.interface_name', 'udp.length', 'data.data']);
    assert.equal(rows.length, 25);
    assert.ok(rows.every((r) => r[0] === '44301' && r[1] === 'eth0' && r[2] === '108'));
    // The bed's payloads start with their sequence number: each datagram once, in order.
    assert.deepEqual(rows.map((r) => parseInt(r[3]!.slice(0, 8), 16)), Array.from({ length: 25 }, (_, i) => i));
  });
});
