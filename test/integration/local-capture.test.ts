// Local captures in the test bed: dumpcap inside a target's namespace, real traffic, tshark reads
// what was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { discoverLocalTargets } from '../../src/core/local/discovery';
import { startLocalCapture } from '../../src/core/local/local-capture';
import type { LocalCapture } from '../../src/core/local/local-capture';
import type { Target } from '../../src/core/target';
import { BED_SCRIPT, bedAddress, bedNamespace, dumpcapCapture, requireBed, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const execFileAsync = promisify(execFile);

function tempFile(t: TestContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-local-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

async function bedTarget(bed: BedEnv, host: string): Promise<Target> {
  const netns = bedNamespace(bed, host).netns;
  const target = (await discoverLocalTargets()).find((x) => x.netns === netns);
  assert.ok(target, `no target for bed host ${host}`);
  return target;
}

/** Block types of a little-endian pcapng file, in order. */
function blockTypes(file: string): number[] {
  const data = readFileSync(file);
  const types: number[] = [];
  for (let at = 0; at + 12 <= data.length; ) {
    const length = data.readUInt32LE(at + 4);
    assert.ok(length >= 12 && at + length <= data.length, `bad block length ${length} at ${at}`);
    types.push(data.readUInt32LE(at));
    at += length;
  }
  return types;
}

const SHB = 0x0a0d0d0a;
const IDB = 1;
const EPB = 6;
const ISB = 5;

function captureInto(capture: LocalCapture, file: string): Promise<void> {
  return pipeline(capture.output, createWriteStream(file));
}

/** UDP datagrams sent on t2's own loopback, from inside its namespace. */
async function sendOnLoopback(bed: BedEnv, port: number, count: number): Promise<void> {
  const script = path.join(path.dirname(BED_SCRIPT), 'traffic.mjs');
  await execFileAsync('ip', ['netns', 'exec', bedNamespace(bed, 't2').name, 'node', script, 'udp-send', '--to', '127.0.0.1', '--port', String(port), '--count', String(count), '--rate', '2000', '--size', '32'], { timeout: 60_000 });
}

test('a capture on t2 eth0 has the 100 datagrams sent from t1, and its final statistics blocks', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = tempFile(t, 'udp.pcapng');
  const capture = startLocalCapture(await bedTarget(bed, 't2'), { nifs: ['eth0'], filter: 'udp port 9901' });
  const written = captureInto(capture, file);
  await capture.started;
  const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 2000, size: 64, port: 9901 });
  assert.equal(sent.sent, 100);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pid = capture.pid;
  assert.ok(pid, 'dumpcap has a PID');
  assert.deepEqual(await capture.stop(), { kind: 'stopped' });
  await written;
  assert.equal(existsSync(`/proc/${pid}`), false, 'dumpcap is gone after stop()');
  const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'udp.dstport', 'udp.length']);
  const ours = rows.filter((r) => r[0] === bedAddress(bed, 't1') && r[1] === bedAddress(bed, 't2') && r[2] === '9901');
  assert.equal(ours.length, 100, `tshark saw ${ours.length} of the 100 datagrams`);
  assert.ok(ours.every((r) => r[3] === '72'));
  const types = blockTypes(file);
  assert.equal(types[0], SHB);
  assert.equal(types.filter((x) => x === IDB).length, 1);
  assert.equal(types.filter((x) => x === EPB).length, 100);
  assert.equal(types.at(-1), ISB, 'the Interface Statistics Block dumpcap writes on SIGTERM is delivered');
});

test('the filter applies to EVERY interface: eth0 and lo both carry only the matching datagrams', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = tempFile(t, 'both.pcapng');
  // Packetflix would put the filter after the last -i only, leaving eth0 unfiltered.
  const capture = startLocalCapture(await bedTarget(bed, 't2'), { nifs: ['eth0', 'lo'], filter: 'udp port 9911' });
  const written = captureInto(capture, file);
  await capture.started;
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 2000, size: 16, port: 9911 });
  await sendUdp({ from: 't1', to: 't2', count: 20, rate: 2000, size: 16, port: 9912 });
  await sendOnLoopback(bed, 9911, 15);
  await sendOnLoopback(bed, 9912, 15);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(await capture.stop(), { kind: 'stopped' });
  await written;
  const rows = await tsharkFields(file, ['frame.interface_name', 'udp.dstport']);
  const count = (nif: string, port: string): number => rows.filter((r) => r[0] === nif && r[1] === port).length;
  assert.equal(count('eth0', '9911'), 20);
  assert.equal(count('lo', '9911'), 15);
  assert.equal(rows.filter((r) => r[1] !== '9911').length, 0, `unfiltered packets: ${JSON.stringify(rows.filter((r) => r[1] !== '9911'))}`);
});

test("control: with Packetflix's arguments (one -f after the last -i) eth0 stays unfiltered", async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = tempFile(t, 'packetflix-style.pcapng');
  const run = dumpcapCapture({ ns: bedNamespace(bed, 't2').name, ifaces: ['eth0', 'lo'], filter: 'udp port 9916' });
  const written = pipeline(run.stdout, createWriteStream(file));
  await run.started;
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 2000, size: 16, port: 9917 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await run.stop();
  await written;
  // (t2's ICMP port-unreachable answers quote the datagram's UDP header: leave them out.)
  const rows = await tsharkFields(file, ['frame.interface_name', 'udp.dstport'], ['-Y', 'udp && !icmp']);
  // What the test above rules out for the local source: non-matching datagrams on eth0.
  assert.equal(rows.filter((r) => r[0] === 'eth0' && r[1] === '9917').length, 10);
});

test('dumpcap ending by itself (SIGTERM from someone else) completes the capture', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const capture = startLocalCapture(await bedTarget(bed, 't1'), { nifs: ['lo'] });
  const chunks: Buffer[] = [];
  capture.output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await capture.started;
  process.kill(capture.pid!, 'SIGTERM');
  assert.deepEqual(await capture.ended, { kind: 'completed' });
  assert.ok(Buffer.concat(chunks).length > 0);
});

test('a capture without interfaces given uses the target list (eth0 and lo in t2)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = tempFile(t, 'all.pcapng');
  const target = await bedTarget(bed, 't2');
  const capture = startLocalCapture(target, { filter: 'udp port 9921' });
  const written = captureInto(capture, file);
  await capture.started;
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 2000, size: 16, port: 9921 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await capture.stop();
  await written;
  const names = (await tsharkFields(file, ['frame.interface_name'])).map((r) => r[0]);
  assert.equal(names.filter((n) => n === 'eth0').length, 10);
  const idbs = blockTypes(file).filter((x) => x === IDB).length;
  assert.equal(idbs, target.networkInterfaces?.length, 'one IDB per interface of the target');
});

test('a process-less namespace is captured through its bind mount', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = tempFile(t, 'empty.pcapng');
  const target = await bedTarget(bed, 'empty');
  assert.equal(target.type, 'bindmount');
  assert.equal(target.pid, 0);
  const capture = startLocalCapture(target, { nifs: ['lo'], filter: 'udp port 9931' });
  const written = captureInto(capture, file);
  await capture.started;
  const script = path.join(path.dirname(BED_SCRIPT), 'traffic.mjs');
  await execFileAsync('ip', ['netns', 'exec', bedNamespace(bed, 'empty').name, 'node', script, 'udp-send', '--to', '127.0.0.1', '--port', '9931', '--count', '12', '--rate', '2000', '--size', '8'], { timeout: 60_000 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(await capture.stop(), { kind: 'stopped' });
  await written;
  const rows = await tsharkFields(file, ['frame.interface_name', 'udp.dstport']);
  assert.equal(rows.filter((r) => r[0] === 'lo' && r[1] === '9931').length, 12);
});

test('a consumer that goes away stops dumpcap: no process is left', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const capture = startLocalCapture(await bedTarget(bed, 't1'), { nifs: ['lo'] });
  await capture.started;
  const pid = capture.pid;
  assert.ok(pid && existsSync(`/proc/${pid}`), 'dumpcap runs');
  capture.output.destroy();
  assert.deepEqual(await capture.ended, { kind: 'stopped' });
  assert.equal(existsSync(`/proc/${pid}`), false, 'dumpcap is gone');
});

test('stop() is idempotent and a stop before dumpcap started starts nothing', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const target = await bedTarget(bed, 't1');
  const early = startLocalCapture(target, { nifs: ['lo'] });
  const [a, b] = await Promise.all([early.stop(), early.stop()]);
  assert.deepEqual(a, { kind: 'stopped' });
  assert.deepEqual(b, { kind: 'stopped' });
  assert.equal(early.pid, undefined, 'no dumpcap was started');
  await assert.rejects(early.started);
});

test('a consumer that stops reading cannot keep dumpcap alive: stop() ends in SIGKILL after the timeout', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const capture = startLocalCapture(await bedTarget(bed, 't2'), { nifs: ['eth0'], filter: 'udp port 9961', stopTimeoutMs: 1000 });
  await capture.started;
  // Nobody reads the output: about 1.5 MB of captured datagrams fill every buffer on the way.
  await sendUdp({ from: 't1', to: 't2', count: 1500, rate: 0, size: 1000, port: 9961 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pid = capture.pid;
  assert.ok(pid && existsSync(`/proc/${pid}`));
  const before = Date.now();
  assert.deepEqual(await capture.stop(), { kind: 'stopped' });
  assert.equal(existsSync(`/proc/${pid}`), false, 'dumpcap is gone');
  assert.ok(capture.output.readableLength > 0, 'what was read before the stop is still there for the consumer');
  assert.ok(Date.now() - before < 5000);
});
