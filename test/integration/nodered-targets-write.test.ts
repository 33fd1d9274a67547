// edgeshark-targets and pcapng-write in Node-RED 4.1 against the test bed's local source; the
// written files are checked with tshark and capinfos. Ports 22100-22199 belong to these tests.
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
import type { NodeMessage } from '../../src/nodes/node-red-api';
import { collect, helper, mustGetNode, nextMessage, statusText, waitForStatus } from '../support/nodered';
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
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target, interfaces: ['eth0'], filter: 'udp port 22101', start: 'msg', output: 'batches', batchPackets: 7, batchMs: 100, stopPackets: '25', wires: [['write', 'seen']] },
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
    await sendUdp({ from: 't1', to: 't2', count: 25, rate: 250, size: 100, port: 22101 });
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
    assert.ok(rows.every((r) => r[0] === '22101' && r[1] === 'eth0' && r[2] === '108'));
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
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target, interfaces: ['eth0'], filter: 'udp port 22102', start: 'msg', output: 'chunks', stopPackets: '40', wires: [['write']] },
      { id: 'write', z: 'f1', type: 'pcapng-write', filename: path.join(dir, 'rot.pcapng'), rotateMB: '0.01', wires: [['closed']] },
      { id: 'closed', z: 'f1', type: 'helper' },
    ]);
    const closedFiles: NodeMessage[] = collect(mustGetNode('closed'));
    const cap = mustGetNode('cap');
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'));
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'));
    cap.receive({ topic: 'start' });
    await capturing;
    await sendUdp({ from: 't1', to: 't2', count: 40, rate: 400, size: 1000, port: 22102 });
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
