// Node-RED capture targets that survive a restart (issue 16, item 2). A process target is named
// `comm(PID)` by discovery; the capture node stores a process by its name and type alone and
// matches it at each start, so a flow keeps capturing after the process restarts under a new PID.
// The test makes its own namespace with a keeper process whose comm is `csharg-h13keep` (sleep
// through a symlink, as the bed's keepers), captures its loopback on UDP 52001-52002 through a
// capture node configured with {"name":"csharg-h13keep","type":"proc"} and through one that
// stored the old `csharg-h13keep(PID)`, restarts the keeper (SIGTERM by PID, a new one in the
// same namespace), and captures again with both nodes: on this machine (real dumpcap) and on the
// real Packetflix/Gostwire of svc1. A process name nobody has fails as "unknown target" and its
// message keeps the type the node was configured with.
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import type { NodeMessage } from '../../src/nodes/lib/node-red-api';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import type { SharkTank } from '../../src/core/shark-tank';
import { collect, delay, helper, mustGetNode, statusText, udpOf, waitForStatus } from '../support/nodered';
import type { TestNode } from '../support/nodered';
import { requireSvc1 } from '../support/nodered-host';
import { processGone } from '../support/processes';
import { requireBed } from '../support/testbed';

const execFileAsync = promisify(execFile);
const NODES = [hostNode, captureNode];
const NS = 'csharg-h13-stable';
/** the keeper's comm (15 bytes at most): the process target's name without `(PID)` */
const COMM = 'csharg-h13keep';

interface Keeper {
  dir: string;
  child: ChildProcess | undefined;
}

function startKeeper(k: Keeper): number {
  const child = spawn('nsenter', [`--net=/run/netns/${NS}`, path.join(k.dir, COMM), 'infinity'], { stdio: 'ignore' });
  k.child = child;
  const pid = child.pid;
  if (!pid) throw new Error('the keeper did not start');
  return pid;
}

async function stopKeeper(k: Keeper): Promise<void> {
  const child = k.child;
  if (!child?.pid) return;
  k.child = undefined;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await processGone(child.pid);
}

/** Own namespace (loopback up) with a keeper; everything removed again in t.after. */
async function setUp(t: TestContext): Promise<Keeper> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csharg-h13-'));
  await symlink('/usr/bin/sleep', path.join(dir, COMM)).catch(async () => symlink('/bin/sleep', path.join(dir, COMM)));
  if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
  await execFileAsync('ip', ['netns', 'add', NS]);
  await execFileAsync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  const k: Keeper = { dir, child: undefined };
  t.after(async () => {
    await stopKeeper(k);
    if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
    await rm(dir, { recursive: true, force: true });
  });
  return k;
}

/** Waits (bounded) until discovery names the keeper `COMM(pid)` as a process target. */
async function discovered(tank: SharkTank, pid: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    tank.clear();
    const all = await tank.targets();
    if (all.some((t) => t.type === 'proc' && t.name === `${COMM}(${pid})`)) return;
    if (Date.now() > deadline) throw new Error(`discovery does not name ${COMM}(${pid}): ${all.filter((t) => t.name.startsWith(COMM)).map((t) => t.name).join(', ')}`);
    await delay(500);
  }
}

/** Sends `count` datagrams (payload: a 4-byte sequence number from `from`) to 127.0.0.1:port inside the namespace. */
async function sendInNamespace(port: number, from: number, count: number): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');let i=0;const next=()=>{if(i>=${count})return s.close();const b=Buffer.alloc(8);b.writeUInt32BE(${from}+i++);s.send(b,${port},'127.0.0.1',next)};next()`;
  await execFileAsync('ip', ['netns', 'exec', NS, process.execPath, '-e', script], { timeout: 20_000 });
}

function udpSeqs(messages: NodeMessage[], port: number): number[] {
  const payloads = messages.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload]) as PacketPayload[]);
  return payloads.map((p) => udpOf(p.data)).filter((u) => u?.dstPort === port).map((u) => u!.seq);
}

/**
 * One capture by the node `id`: start, send datagrams until at least 3 of this round arrived
 * (bounded), stop. Returns the round's sequence numbers and the target names the messages carried.
 */
async function captureRound(id: string, out: NodeMessage[], port: number, base: number): Promise<{ seqs: number[]; names: string[] }> {
  const cap: TestNode = mustGetNode(id);
  const first = out.length;
  const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'), 60_000);
  cap.receive({ topic: 'start' });
  await capturing;
  let sent = 0;
  const mine = (): number[] => udpSeqs(out.slice(first), port).filter((s) => s >= base && s < base + 1000);
  for (let i = 0; i < 40 && mine().length < 3; i++) {
    await sendInNamespace(port, base + sent, 3);
    sent += 3;
    await delay(300);
  }
  const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'), 30_000);
  cap.receive({ topic: 'stop' });
  await stopped;
  const names = [...new Set(out.slice(first).map((m) => (m.target as { name: string }).name))];
  return { seqs: mine(), names };
}

function flow(host: object, port: number, oldPid: number): object[] {
  const common = { z: 'f1', type: 'edgeshark-capture', host: 'host', interfaces: ['lo'], output: 'packets', start: 'msg' };
  return [
    { id: 'f1', type: 'tab', label: 'stable targets' },
    { id: 'host', ...host },
    // What the picker stores now: the process's name and type.
    { id: 'stable', ...common, target: JSON.stringify({ name: COMM, type: 'proc' }), filter: `udp port ${port}`, wires: [['out']] },
    // What older versions stored: the full name with the PID of that time.
    { id: 'old', ...common, target: JSON.stringify({ name: `${COMM}(${oldPid})`, type: 'proc' }), filter: `udp port ${port + 1}`, wires: [['out']] },
    { id: 'nobody', ...common, target: JSON.stringify({ name: 'csharg-h13none', type: 'proc' }), filter: `udp port ${port}`, wires: [['out']] },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'catcher', z: 'f1', type: 'catch', scope: ['nobody'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

async function restartProof(t: TestContext, host: object, tank: SharkTank, port: number): Promise<void> {
  const k = await setUp(t);
  const pid1 = startKeeper(k);
  await discovered(tank, pid1);
  t.after(() => helper.unload());
  await helper.load(NODES, flow(host, port, pid1));
  const out = collect(mustGetNode('out'));

  const before1 = await captureRound('stable', out, port, 1000);
  assert.ok(before1.seqs.length >= 3, `stored by name: ${before1.seqs.length} datagrams before the restart`);
  assert.deepEqual(before1.names, [`${COMM}(${pid1})`], 'the capture named the process it took');
  const before2 = await captureRound('old', out, port + 1, 2000);
  assert.ok(before2.seqs.length >= 3, `stored with the PID: ${before2.seqs.length} datagrams before the restart`);
  assert.deepEqual(before2.names, [`${COMM}(${pid1})`]);

  // The process restarts: same namespace, new PID.
  await stopKeeper(k);
  const pid2 = startKeeper(k);
  assert.notEqual(pid2, pid1);
  await discovered(tank, pid2);

  const after1 = await captureRound('stable', out, port, 3000);
  assert.ok(after1.seqs.length >= 3, `stored by name: ${after1.seqs.length} datagrams after the restart`);
  assert.deepEqual(after1.names, [`${COMM}(${pid2})`], 'the node took the restarted process');
  const after2 = await captureRound('old', out, port + 1, 4000);
  assert.ok(after2.seqs.length >= 3, `stored with the old PID: ${after2.seqs.length} datagrams after the restart`);
  assert.deepEqual(after2.names, [`${COMM}(${pid2})`], 'an old flow falls back to the process name once its PID is gone');

  // A process name nobody has: unknown target, and the message keeps the configured type.
  const caught = collect(mustGetNode('caught'));
  const nobody = mustGetNode('nobody');
  const failed = waitForStatus(nobody, (s) => statusText(s).includes('unknown target'), 60_000);
  nobody.receive({ topic: 'start' });
  await failed;
  for (let i = 0; i < 100 && caught.length === 0; i++) await delay(100);
  const text = String((caught[0]?.error as { message?: string } | undefined)?.message ?? '');
  assert.match(text, /"name":"csharg-h13none","type":"proc"/, text);
}

describe('edgeshark-capture node: a process target stored by name survives a restart', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('this machine (real dumpcap)', async (t) => {
    if (!(await requireBed(t))) return;
    await restartProof(t, { type: 'edgeshark-host', source: 'local' }, newLocalSharkTank({ dockerSocket: false }), 52001);
  });

  it('the real Packetflix/Gostwire of svc1', async (t) => {
    const svc = await requireSvc1(t);
    if (!svc) return;
    await restartProof(t, { type: 'edgeshark-host', source: 'url', url: svc.url, timeout: 30 }, newSharkTankOnHost(svc.url, { timeout: 30_000 }), 52011);
  });
});
