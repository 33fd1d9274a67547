// Load and leaks with the local source (real dumpcap): 20 concurrent captures over the bed's four
// target namespaces with traffic, then no leaked descriptors, processes, handles or memory; and a
// consumer too slow for the stream, whose memory stays bounded because the session pauses
// dumpcap's pipe. By default the traffic runs 8 s per test; CSHARG_SOAK=1 makes it 60 s.
//
// Memory is compared after full garbage collections: `gc` is taken from V8 at run time
// (v8.setFlagsFromString('--expose-gc') and a fresh vm context), so no node flag is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import type { LocalSharkTank } from '../../src/core/local/local-shark-tank';
import { PcapngReader } from '../../src/core/pcapng';
import type { Target } from '../../src/core/target';
import { capturePull } from '../../src/core/pull/capture-pull';
import { capture } from '../../src/rx/shark-tank';
import { stopAfter } from '../../src/rx/stop-after';
import { bedNamespace, requireBed, sendUdp } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { childDumpcaps } from '../support/processes';

const execFileAsync = promisify(execFile);
const SOAK = process.env.CSHARG_SOAK === '1';
const TRAFFIC_SECONDS = SOAK ? 60 : 8;
const HOSTS = ['t1', 't2', 't3', 't4'] as const;
const PER_NAMESPACE = 5;
const MiB = 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function bedTarget(tank: LocalSharkTank, bed: BedEnv, host: string): Promise<Target> {
  const netns = bedNamespace(bed, host).netns;
  const target = (await tank.targets()).find((x) => x.netns === netns);
  assert.ok(target, `no target for bed host ${host}`);
  return target;
}

/** A short capture first, so that lazily loaded modules and pools are in the baseline. */
async function warmUp(tank: LocalSharkTank, target: Target): Promise<void> {
  await lastValueFrom(capture(tank, target, { nifs: ['lo'], filter: 'udp port 26999' }).pipe(stopAfter(300), toArray()));
}

interface Run {
  host: string;
  bytes: Buffer[];
  packets: number;
  reader: PcapngReader;
  end: Promise<void>;
}

test(`20 concurrent local captures over 4 namespaces with traffic for ${TRAFFIC_SECONDS} s: all complete and readable, nothing leaked`, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csharg-load-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tank = newLocalSharkTank({ dockerSocket: false });
  const targets = await Promise.all(HOSTS.map((h) => bedTarget(tank, bed, h)));
  await warmUp(tank, targets[0]!);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = { fds: openFds(), resources: resourceCounts(), heap: settledHeap(), rss: process.memoryUsage().rss };

  const rate = 100;
  const count = rate * TRAFFIC_SECONDS;
  const stop = new Subject<void>();
  const runs: Run[] = [];
  HOSTS.forEach((host, k) => {
    for (let i = 0; i < PER_NAMESPACE; i++) {
      const run: Run = { host, bytes: [], packets: 0, reader: new PcapngReader(), end: Promise.resolve() };
      run.end = new Promise<void>((resolve, reject) => {
        capture(tank, targets[k]!, { nifs: ['eth0'], filter: `udp port ${26200 + k}` }).stopWhen(stop).subscribe({
          next: (chunk) => {
            run.bytes.push(chunk);
            run.packets += run.reader.push(chunk).filter((b) => b.kind === 'epb').length;
          },
          error: reject,
          complete: resolve,
        });
      });
      runs.push(run);
    }
  });
  await until('all 20 captures to start', () => runs.every((r) => r.bytes.length > 0), 20_000);
  assert.equal(childDumpcaps().length, 20);
  let peakHeap = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 100);
  const started = Date.now();
  const sent = await Promise.all(HOSTS.map((to, k) => sendUdp({ from: HOSTS[(k + 1) % HOSTS.length]!, to, count, rate, size: 200, port: 26200 + k })));
  await until('every capture to see every datagram', () => runs.every((r) => r.packets >= count), 10_000);
  stop.next();
  await Promise.all(runs.map((r) => r.end));
  const elapsed = Date.now() - started;
  clearInterval(sampler);

  assert.deepEqual(sent.map((s) => s.sent), HOSTS.map(() => count));
  const files: string[] = [];
  let totalBytes = 0;
  for (const [i, run] of runs.entries()) {
    run.reader.end(); // the stop was graceful: the stream ends on a block boundary
    assert.equal(run.packets, count, `capture ${i} on ${run.host}`);
    const file = path.join(dir, `${i}-${run.host}.pcapng`);
    const data = Buffer.concat(run.bytes);
    totalBytes += data.length;
    await writeFile(file, data);
    files.push(file);
    run.bytes = [];
  }
  for (const file of files) {
    const { stdout } = await execFileAsync('capinfos', ['-c', '-M', file]);
    assert.match(stdout, new RegExp(`Number of packets:\\s+${count}\\b`), file);
  }
  runs.length = 0;

  await until('every dumpcap to exit', () => childDumpcaps().length === 0, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = { fds: openFds(), resources: resourceCounts(), heap: settledHeap(), rss: process.memoryUsage().rss };
  assert.ok(after.fds <= before.fds, `file descriptors: ${before.fds} before, ${after.fds} after`);
  for (const [kind, n] of after.resources) assert.ok(n <= (before.resources.get(kind) ?? 0), `${kind}: ${before.resources.get(kind) ?? 0} before, ${n} after`);
  // 20 streams passed through; what is kept afterwards must not grow with them.
  assert.ok(after.heap - before.heap < 4 * MiB, `heap ${(before.heap / MiB).toFixed(1)} MiB before, ${(after.heap / MiB).toFixed(1)} MiB after`);
  t.diagnostic(
    `load: 20 captures x ${count} packets (${(totalBytes / MiB).toFixed(1)} MiB pcapng) in ${elapsed} ms; ` +
      `fds ${before.fds} -> ${after.fds}; resources ${JSON.stringify([...before.resources])} -> ${JSON.stringify([...after.resources])}; ` +
      `heap ${(before.heap / MiB).toFixed(1)} -> peak ${(peakHeap / MiB).toFixed(1)} -> ${(after.heap / MiB).toFixed(1)} MiB; ` +
      `rss ${(before.rss / MiB).toFixed(0)} -> peak ${(peakRss / MiB).toFixed(0)} -> ${(after.rss / MiB).toFixed(0)} MiB`,
  );
});

test('a consumer too slow for the stream: the paused session keeps memory bounded while the kernel drops', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank({ dockerSocket: false });
  const target = await bedTarget(tank, bed, 't1');
  await warmUp(tank, target);
  const heapBefore = settledHeap();
  const rssBefore = process.memoryUsage().rss;
  const highWaterMark = 1 * MiB;
  const pull = capturePull(tank, target, { nifs: ['eth0'], filter: 'udp port 26300' }, { highWaterMark });
  const reader = new PcapngReader();
  let packets = 0;
  let peakHeap = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }, 50);
  const count = SOAK ? 1_000_000 : 200_000;
  const size = 1000;
  const first = await pull.next(); // capturing; then the consumer does not read while traffic flows
  assert.equal(first.done, false);
  reader.push(first.value);
  const sent = await sendUdp({ from: 't2', to: 't1', count, rate: 0, size, port: 26300 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const heapWhilePaused = process.memoryUsage().heapUsed;
  const queuedPeak = pull.stats.maxQueuedBytes;
  // Now read everything: the session resumes, then a graceful stop brings dumpcap's statistics.
  const stopping = pull.stop();
  let ifDrop = 0n;
  let osDrop = 0n;
  let ifRecv = 0n;
  for await (const chunk of pull) {
    for (const block of reader.push(chunk)) {
      if (block.kind === 'epb') packets++;
      if (block.kind === 'isb') {
        ifDrop += block.ifDrop ?? 0n;
        osDrop += block.osDrop ?? 0n;
        ifRecv += block.ifRecv ?? 0n;
      }
    }
  }
  reader.end();
  assert.deepEqual(await stopping, { kind: 'stopped' });
  clearInterval(sampler);
  await until('dumpcap to exit', () => childDumpcaps().length === 0, 15_000);

  assert.equal(sent.sent, count);
  assert.ok(pull.stats.pauses >= 1, 'the session was paused');
  // what waited unread: the high-water mark plus what was in flight (dumpcap's pipe, one read)
  assert.ok(queuedPeak < highWaterMark + 1 * MiB, `queued at most ${queuedPeak} bytes`);
  const sentMiB = (count * size) / MiB;
  assert.ok(peakHeap - heapBefore < 64 * MiB, `heap grew ${((peakHeap - heapBefore) / MiB).toFixed(1)} MiB while ${sentMiB.toFixed(0)} MiB were sent`);
  assert.ok(packets < count, 'the kernel dropped what the paused pipe could not take');
  t.diagnostic(
    `slow consumer: ${count} x ${size} B sent (${sentMiB.toFixed(0)} MiB); pauses ${pull.stats.pauses}, max queued ${(queuedPeak / MiB).toFixed(2)} MiB; ` +
      `heap ${(heapBefore / MiB).toFixed(1)} -> ${(heapWhilePaused / MiB).toFixed(1)} while paused, peak ${(peakHeap / MiB).toFixed(1)} MiB; ` +
      `rss ${(rssBefore / MiB).toFixed(0)} -> peak ${(peakRss / MiB).toFixed(0)} MiB; ` +
      `received ${packets} packets; ISB ifrecv ${ifRecv}, ifdrop ${ifDrop}, osdrop ${osDrop}`,
  );
});
