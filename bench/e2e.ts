// End to end through a real capture source, side by side on the same traffic. The real Packetflix
// cannot be built on this project's machines, so the source is this machine's local source
// (dumpcap in the target namespace); the baseline is dumpcap reading directly into a pipe.
//
//   npm run bench -- e2e [--json] [--quick]
//
// throughput: a UDP flood t1 -> t2, received at once by (a) dumpcap into a pipe, bytes counted,
//   (b) capture() chunks, (c) capturePackets(); ratios of delivered packets to (a).
// latency: timestamped datagrams at a moderate rate; sender's CLOCK_MONOTONIC to the moment the
//   packet is in hand, for capturePackets() and for the direct dumpcap pipe; p50 / p99.
// memory: a bulk TCP transfer captured through capturePackets -> toPcapng -> file; peak RSS.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tap } from 'rxjs';
import type { Subscription } from 'rxjs';
import { PcapngPacketReader, PcapngReader } from '../src/core/pcapng';
import type { Packet } from '../src/core/pcapng';
import { newLocalSharkTank } from '../src/core/local/local-shark-tank';
import type { Target } from '../src/core/target';
import { toPcapng } from '../src/rx/pcapng';
import { capturePackets } from '../src/rx/capture-packets';
import { capture } from '../src/rx/shark-tank';
import { bedAddress, bedNamespace, dumpcapCapture, loadBed, tcpExchange } from '../test/support/testbed';

const SENDER = path.join(__dirname, 'latency-sender.mjs');
const UDP_OFFSET = 14 + 20 + 8; // Ethernet + IPv4 + UDP headers before the payload

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sendTimestamped(to: string, port: number, count: number, rate: number, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', 'csharg-t1', process.execPath, SENDER, '--to', to, '--port', String(port), '--count', String(count), '--rate', String(rate), '--size', String(size)], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited with ${code}`))));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function latencyOf(packet: Packet, now: bigint, port: number): number | undefined {
  const d = packet.data;
  if (d.length < UDP_OFFSET + 12 || d.readUInt16BE(36) !== port) return undefined;
  return Number(now - d.readBigUInt64BE(UDP_OFFSET)) / 1e6;
}

/** A direct dumpcap in the namespace, read in this process: the floor for any capture client. */
function direct(ns: string, filter: string, onPacket: (p: Packet) => void, onBlockStats?: (drops: bigint) => void) {
  const run = dumpcapCapture({ ns, ifaces: ['eth0'], filter });
  const reader = new PcapngReader();
  const packets = new PcapngPacketReader();
  let bytes = 0;
  run.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    packets.feed(chunk, onPacket);
    if (onBlockStats) reader.feed(chunk, (b) => b.kind === 'isb' && onBlockStats((b.ifDrop ?? 0n) + (b.osDrop ?? 0n)));
  });
  return { run, bytes: () => bytes };
}

async function t2Target(): Promise<{ target: Target; tank: ReturnType<typeof newLocalSharkTank>; ns: string; to: string }> {
  const bed = await loadBed();
  const tank = newLocalSharkTank();
  const t2 = bedNamespace(bed, 't2');
  const target = (await tank.targets()).find((t) => t.netns === t2.netns);
  if (!target) throw new Error('local discovery does not list the bed namespace csharg-t2');
  return { target, tank, ns: t2.name, to: bedAddress(bed, 't2') };
}

async function throughput(count: number) {
  const { target, tank, ns, to } = await t2Target();
  const port = 25002;
  const filter = `udp port ${port}`;
  let directPackets = 0;
  let drops = 0n;
  const d = direct(ns, filter, () => directPackets++, (n) => (drops += n));
  let chunkBytes = 0;
  let chunkPackets = 0;
  const chunkCounter = new PcapngPacketReader();
  let libPackets = 0;
  const subs: Subscription[] = [
    capture(tank, target, { nifs: ['eth0'], filter }).subscribe((c) => {
      chunkBytes += c.length;
      chunkCounter.feed(c, () => chunkPackets++);
    }),
    capturePackets(tank, target, { nifs: ['eth0'], filter }).subscribe(() => libPackets++),
  ];
  await d.run.started;
  await sleep(1500);
  const t0 = process.hrtime.bigint();
  await sendTimestamped(to, port, count, 0, 16);
  await sleep(1000);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  subs.forEach((s) => s.unsubscribe());
  await d.run.stop();
  await sleep(500);
  return { count, secs, directPackets, directBytes: d.bytes(), chunkPackets, chunkBytes, libPackets, kernelDrops: Number(drops) };
}

async function latency(count: number, rate: number) {
  const { target, tank, ns, to } = await t2Target();
  const port = 25001;
  const filter = `udp port ${port}`;
  const directMs: number[] = [];
  const libMs: number[] = [];
  const d = direct(ns, filter, (p) => {
    const ms = latencyOf(p, process.hrtime.bigint(), port);
    if (ms !== undefined) directMs.push(ms);
  });
  const sub = capturePackets(tank, target, { nifs: ['eth0'], filter }).subscribe((p) => {
    const ms = latencyOf(p, process.hrtime.bigint(), port);
    if (ms !== undefined) libMs.push(ms);
  });
  await d.run.started;
  await sleep(1500);
  await sendTimestamped(to, port, count, rate, 16);
  await sleep(1500);
  sub.unsubscribe();
  await d.run.stop();
  directMs.sort((a, b) => a - b);
  libMs.sort((a, b) => a - b);
  return {
    count,
    rate,
    direct: { n: directMs.length, p50: percentile(directMs, 50), p99: percentile(directMs, 99) },
    capturePackets: { n: libMs.length, p50: percentile(libMs, 50), p99: percentile(libMs, 99) },
  };
}

async function memory(bytes: number) {
  const { target, tank } = await t2Target();
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-bench-'));
  const file = path.join(dir, 'bulk.pcapng');
  try {
    const out = createWriteStream(file);
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const port = 25003;
    let packets = 0;
    const sub = capturePackets(tank, target, { nifs: ['eth0'], filter: `tcp port ${port}` })
      .pipe(
        tap(() => packets++),
        toPcapng(),
      )
      .subscribe((chunk) => out.write(chunk));
    await sleep(1500);
    await tcpExchange({ from: 't1', to: 't2', bytes, port });
    await sleep(1000);
    sub.unsubscribe();
    clearInterval(sampler);
    await new Promise<void>((resolve) => out.end(resolve));
    return { bytes, packets, fileMB: statSync(file).size / 2 ** 20, baseRssMB: baseRss / 2 ** 20, peakRssMB: peakRss / 2 ** 20 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const tp = await throughput(quick ? 20_000 : 200_000);
  const lat = await latency(quick ? 1_000 : 10_000, 1_000);
  const mem = await memory(quick ? 100 * 2 ** 20 : 2 ** 30);
  const result = {
    bench: 'e2e',
    source: 'local (dumpcap in the target namespace); Packetflix cannot be built here',
    chunks_vs_bare: tp.chunkPackets / tp.directPackets,
    packets_vs_bare: tp.libPackets / tp.directPackets,
    latency_p99_ratio: lat.capturePackets.p99 / lat.direct.p99,
    peak_rss_mb: mem.peakRssMB,
    throughput: tp,
    latency: lat,
    memory: mem,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const pps = (n: number) => Math.round(n / tp.secs).toLocaleString('en-US');
  process.stdout.write(
    [
      `UDP flood of ${tp.count} datagrams t1 -> t2 (${tp.secs.toFixed(1)} s), received side by side:`,
      `  (a) dumpcap -> pipe (bare)     ${tp.directPackets} packets  ${pps(tp.directPackets)} pkt/s`,
      `  (b) capture() chunks           ${tp.chunkPackets} packets  ${pps(tp.chunkPackets)} pkt/s  ratio ${result.chunks_vs_bare.toFixed(3)}`,
      `  (c) capturePackets()           ${tp.libPackets} packets  ${pps(tp.libPackets)} pkt/s  ratio ${result.packets_vs_bare.toFixed(3)}`,
      `  kernel drops reported by the bare dumpcap: ${tp.kernelDrops}`,
      `latency over ${lat.count} datagrams at ${lat.rate}/s (ms):`,
      `  direct dumpcap pipe   p50 ${lat.direct.p50.toFixed(2)}  p99 ${lat.direct.p99.toFixed(2)}  (n=${lat.direct.n})`,
      `  capturePackets()      p50 ${lat.capturePackets.p50.toFixed(2)}  p99 ${lat.capturePackets.p99.toFixed(2)}  (n=${lat.capturePackets.n})  p99 ratio ${result.latency_p99_ratio.toFixed(2)}`,
      `memory: ${(mem.bytes / 2 ** 20).toFixed(0)} MiB of TCP captured through capturePackets -> toPcapng -> file (${mem.packets} packets, ${mem.fileMB.toFixed(0)} MiB file):`,
      `  RSS ${mem.baseRssMB.toFixed(0)} MiB before, peak ${mem.peakRssMB.toFixed(0)} MiB`,
      '',
    ].join('\n'),
  );
}
