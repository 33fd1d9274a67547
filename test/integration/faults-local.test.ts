// Faults of the local capture source (real dumpcap), each with its outcome stated in advance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { CaptureEnd } from '../../src/core/capture-source';
import { DumpcapFailedError, TargetGoneError } from '../../src/core/local/errors';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import { PcapngPacketReader, PcapngReader } from '../../src/core/pcapng';
import { capturePackets } from '../../src/rx/capture-packets';
import { captureFollow } from '../../src/rx/follow';
import type { FollowEvent } from '../../src/rx/follow';
import { bedNamespace, requireBed, sendUdp } from '../support/testbed';
import { childDumpcaps } from '../support/processes';

const execFileAsync = promisify(execFile);
const NS = 'csharg-fault-test';
const STOP_TIMEOUT_MS = 3000;

async function until(what: string, condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Settles with the end, or with 'still running' after `ms`. */
function endWithin(ended: Promise<CaptureEnd>, ms: number): Promise<CaptureEnd | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([ended, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)))]).finally(() => clearTimeout(timer));
}

async function deleteNamespace(): Promise<void> {
  if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
}

async function sendInNamespace(port: number, count: number): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');let i=0;const next=()=>{if(i>=${count})return s.close();s.send('fault-'+(i++),${port},'127.0.0.1',next)};next()`;
  await execFileAsync('ip', ['netns', 'exec', NS, process.execPath, '-e', script], { timeout: 10_000 });
}

test('target namespace deleted during a capture: the capture keeps running (dumpcap pins the namespace), stops cleanly, and a new capture of it is TargetGoneError', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  await deleteNamespace();
  await execFileAsync('ip', ['netns', 'add', NS]);
  await execFileAsync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  t.after(deleteNamespace);
  const tank = newLocalSharkTank({ dockerSocket: false, stopTimeoutMs: STOP_TIMEOUT_MS });
  const target = (await tank.targets()).find((x) => x.name === `/run/netns/${NS}`);
  assert.ok(target, 'discovery lists the new namespace');
  const capture = tank.capture(target, { nifs: ['lo'], filter: 'udp port 26020' });
  const reader = new PcapngPacketReader();
  let packets = 0;
  capture.output.on('data', (chunk: Buffer) => (packets += reader.push(chunk).length));
  await capture.started;
  await sendInNamespace(26020, 5);
  await until('5 packets', () => packets >= 5);

  await execFileAsync('ip', ['netns', 'del', NS]);
  // Stated in advance: no end by itself, since the kernel keeps a namespace while a process is in it.
  assert.equal(await endWithin(capture.ended, 1500), 'still running');
  assert.equal(childDumpcaps().length, 1);
  const stopAt = Date.now();
  const end = await endWithin(capture.stop(), STOP_TIMEOUT_MS + 5000);
  const stopMs = Date.now() - stopAt;
  assert.deepEqual(end, { kind: 'stopped' });
  await until('the output to end', () => capture.output.readableEnded || capture.output.destroyed);
  reader.end(); // whole blocks: dumpcap's stop is graceful
  assert.equal(packets, 5);
  assert.deepEqual(childDumpcaps(), [], 'no dumpcap left');

  const again = tank.capture(target, { nifs: ['lo'] });
  const refused = await endWithin(again.ended, 10_000);
  assert.ok(refused !== 'still running' && refused.kind === 'error' && refused.error instanceof TargetGoneError, JSON.stringify(refused));
  assert.match(refused.error.message, /no bind mount holds it any longer/);
  t.diagnostic(`namespace deleted: capture still running 1500 ms later; stop() ended it in ${stopMs} ms; new capture: ${refused.error.code}`);
});

test('dumpcap killed with SIGKILL mid-stream: the capture ends with DumpcapFailedError (killed by SIGKILL), no dumpcap left', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank({ dockerSocket: false });
  const netns = bedNamespace(bed, 't1').netns;
  const target = (await tank.targets()).find((x) => x.netns === netns);
  assert.ok(target);
  const capture = tank.capture(target, { nifs: ['eth0'], filter: 'udp port 26010' });
  const reader = new PcapngReader();
  let packets = 0;
  let bytes = 0;
  capture.output.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    packets += reader.push(chunk).filter((b) => b.kind === 'epb').length;
  });
  await capture.started;
  const traffic = sendUdp({ from: 't2', to: 't1', count: 1500, rate: 1000, port: 26010 });
  await until('20 packets', () => packets >= 20);
  const pid = capture.pid;
  assert.ok(pid !== undefined);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const end = await endWithin(capture.ended, 5000);
  const endMs = Date.now() - killedAt;
  assert.ok(end !== 'still running' && end.kind === 'error', JSON.stringify(end));
  assert.ok(end.error instanceof DumpcapFailedError);
  assert.equal(end.error.signal, 'SIGKILL');
  assert.match(end.error.message, /dumpcap was killed by SIGKILL/);
  assert.equal(existsSync(`/proc/${pid}`), false);
  assert.deepEqual(childDumpcaps(), []);
  await traffic;
  t.diagnostic(`dumpcap SIGKILL: error ${endMs} ms after the kill, after ${packets} packets (${bytes} bytes)`);
});

test('dumpcap killed with SIGKILL under capturePackets: the Observable errors with DumpcapFailedError', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank({ dockerSocket: false });
  const netns = bedNamespace(bed, 't1').netns;
  const target = (await tank.targets()).find((x) => x.netns === netns);
  assert.ok(target);
  let packets = 0;
  let failure: unknown;
  const sub = capturePackets(tank, target, { nifs: ['eth0'], filter: 'udp port 26011' }).subscribe({
    next: () => packets++,
    error: (e: unknown) => (failure = e),
  });
  t.after(() => sub.unsubscribe());
  await until('dumpcap', () => childDumpcaps().length === 1);
  const traffic = sendUdp({ from: 't2', to: 't1', count: 1500, rate: 1000, port: 26011 });
  await until('20 packets', () => packets >= 20);
  const [pid] = childDumpcaps();
  process.kill(pid!, 'SIGKILL');
  await until('the error', () => failure !== undefined, 5000);
  assert.ok(failure instanceof DumpcapFailedError, String(failure));
  assert.equal(failure.signal, 'SIGKILL');
  assert.deepEqual(childDumpcaps(), []);
  await traffic;
});

test('dumpcap killed with SIGKILL under captureFollow: it reconnects to the same target and marks the gap', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank({ dockerSocket: false });
  const netns = bedNamespace(bed, 't1').netns;
  const target = (await tank.targets()).find((x) => x.netns === netns);
  assert.ok(target);
  const events: FollowEvent[] = [];
  const reader = new PcapngReader();
  let packets = 0;
  let sections = 0;
  let failure: unknown;
  const sub = captureFollow(tank, target, { nifs: ['eth0'], filter: 'udp port 26012' }, { backoff: { initialMs: 50, maxMs: 500, factor: 2 }, watchIntervalMs: 0, onEvent: (e) => events.push(e) }).subscribe({
    next: (chunk) => {
      for (const block of reader.push(chunk)) {
        if (block.kind === 'epb') packets++;
        if (block.kind === 'shb') sections++;
      }
    },
    error: (e: unknown) => (failure = e),
  });
  t.after(() => sub.unsubscribe());
  await until('dumpcap', () => childDumpcaps().length === 1 && sections === 1);
  const traffic = sendUdp({ from: 't2', to: 't1', count: 1500, rate: 500, port: 26012 });
  await until('10 packets', () => packets >= 10);
  const [first] = childDumpcaps();
  process.kill(first!, 'SIGKILL');
  await until('the resumed capture', () => events.some((e) => e.type === 'resumed'));
  const afterResume = packets;
  await until('more packets after resuming', () => packets >= afterResume + 10);
  assert.equal(failure, undefined);
  assert.equal(sections, 2);
  const resumed = events.find((e) => e.type === 'resumed');
  assert.ok(resumed && resumed.type === 'resumed');
  assert.match(resumed.comment, /gap of \d+ ms .*dumpcap was killed by SIGKILL/);
  assert.notEqual(childDumpcaps()[0], first);
  sub.unsubscribe();
  await until('no dumpcap', () => childDumpcaps().length === 0, 15_000);
  await traffic;
  t.diagnostic(`follow after SIGKILL: resumed with a gap of ${resumed.gapMs} ms`);
});
