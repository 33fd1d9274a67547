// End to end through the REAL Packetflix of the test bed (svc2), side by side on the same traffic.
//
//   npm run bench -- e2e [--json] [--quick] [--udp-rate N] [--udp-secs S] [--senders N] [--tcp-mb MB] [--tcp-rate MB/s]
//                        [--memory-mb MB] [--memory-rate MB/s] [--latency-count N] [--latency-rate N] [--variants] [--cpu-prof DIR]
//
// throughput: clients capture csharg-t4's eth0 at the same time, each with its own WebSocket and
//   each in its own process: (a) bare `ws`, (b) capture() chunks, (c) capturePackets(),
//   (d) capturePackets -> decode -> windowStats, (e) our `csharg capture -w FILE`, (f) Siemens'
//   csharg-go `capture -w FILE`, (g) Node-RED capture -> packet-stats. Traffic from csharg-t3
//   through the hub: a UDP flood (16-byte datagrams, UDP port 48500), then a bulk TCP transfer (port
//   48600). Per client: packets and bytes delivered per phase and CPU seconds of its process tree
//   (/proc, read between phases once every count stood still for 2 s). At the end the benchmark
//   stops each client's server-side dumpcap (SIGTERM by PID, as Packetflix itself stops it), so
//   dumpcap writes its interface statistics block (ISB: packets received, kernel drops) into the
//   stream before Packetflix closes the WebSocket: every client reports the drops of its own dumpcap.
// latency: 16-byte datagrams with the sender's CLOCK_MONOTONIC (UDP port 48700) at a moderate rate,
//   to the moment capturePackets() emits the packet, and to the moment a dumpcap of our own in the
//   namespace writing into a pipe delivers it (read in this process, side by side); p50 / p99.
// memory: a child process captures a bulk TCP transfer (port 48800) through capturePackets ->
//   toPcapng -> file; its peak RSS (getrusage) at a quarter of the size and at the full size.
// Only UDP/TCP ports 48500-48999 are used, and every capture is filtered to them (csharg-go cannot
// filter: it captures all of t4's eth0, and only its UDP/TCP packets are compared).
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { PcapngPacketReader } from '../src/core/pcapng';
import type { Packet } from '../src/core/pcapng';
import { newSharkTankOnHost } from '../src/core/host/host-shark-tank';
import type { Target } from '../src/core/target';
import { capturePackets } from '../src/rx/capture-packets';
import { packetflixDumpcaps } from '../test/support/processes';
import { netnsOf } from '../test/support/real-packetflix';
import { bedAddress, bedNamespace, cshargGoPath, dumpcapCapture, loadServices, packetflixPid, serviceUrl, tcpExchange } from '../test/support/testbed';
import type { BedEnv } from '../test/support/testbed';
import { StreamCounter, percentile, processCpuSeconds, ratio, treeCpuSeconds } from './e2e-stream';
import type { InterfaceStats, StreamCounts } from './e2e-stream';

const REPO = path.resolve(__dirname, '..');
const CLIENT = path.join(__dirname, 'e2e-client.ts');
const NODERED_CLIENT = path.join(__dirname, 'e2e-nodered-client.ts');
const FLOOD = path.join(__dirname, 'udp-flood.mjs');
const CLI = path.join(REPO, 'src', 'cli', 'main.ts');
const UDP_PORT = 48500;
const TCP_PORT = 48600;
const LATENCY_PORT = 48700;
const MEMORY_PORT = 48800;
const UDP_OFFSET = 14 + 20 + 8;
/** --cpu-prof DIR: each Node client writes a V8 CPU profile there (node --cpu-prof) */
let PROFILE_DIR: string | undefined;
const PROFILE = (kind: string): string[] => (PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `${kind}.cpuprofile`] : []);
const MB = 2 ** 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** a time limit in a race: does not keep the process alive once the race is decided */
const limit = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function argNumber(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name}: expected a number > 0`);
  return v;
}

interface Phase {
  /** WebSocket messages (the bare and chunk clients count them) */
  messages?: number;
  udp: number;
  tcp: number;
  other: number;
  bytes: number;
  cpuSeconds: number;
}

type Counts = Omit<StreamCounts, 'isb'> & { messages?: number };
const ZERO: Counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 };

/** One capture client: a child process, how to read its counts now, and its server-side dumpcap. */
interface Client {
  key: string;
  label: string;
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** the capture filter it asked for (distinct per client: it identifies the server's dumpcap) */
  filter: string | undefined;
  started: Promise<void>;
  counts(): Counts;
  /** resolves when the client has ended (its final counts and ISB, if any) */
  finished: Promise<{ isb?: InterfaceStats; error?: string; exitCode: number | null }>;
  /** the server's dumpcap for this client */
  dumpcapPid?: number;
  marks: { counts: Counts; cpu: number }[];
}

function lines(child: ChildProcessWithoutNullStreams, onLine: (o: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      onLine(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not ours
    }
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('close', (code) => resolve(code));
  });
}

/** Where the bundled clients are (see bundle()), and the environment to run them in. */
let BUNDLE = '';
const CHILD_ENV = { ...process.env, NODE_PATH: path.join(REPO, 'node_modules') };

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/**
 * Compiles each client (and our csharg command) with esbuild, which tsx brings along, into one plain
 * JavaScript file under `dir`, so that no client runs under tsx (its loader thread alone costs
 * about 55 MB of RSS and a TypeScript transform per module). Packages stay external (NODE_PATH).
 */
async function bundle(dir: string): Promise<void> {
  const esbuildPath = require.resolve('esbuild', { paths: [require.resolve('tsx')] });
  const esbuild = (await import(pathToFileURL(esbuildPath).href)) as Esbuild;
  BUNDLE = path.join(dir, 'bundle');
  await esbuild.build({
    entryPoints: { 'e2e-client': CLIENT, 'e2e-nodered-client': NODERED_CLIENT, csharg: CLI },
    outdir: BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
  });
}

/** A client of bench/e2e-client.ts (kinds bare, chunks, packets, pipeline, memory) or bench/e2e-nodered-client.ts. */
function nodeClient(key: string, label: string, kind: string, url: string, target: Target, filter: string, extra: string[] = []): Client {
  const child = spawn(process.execPath, [...PROFILE(kind), path.join(BUNDLE, kind === 'nodered' ? 'e2e-nodered-client.js' : 'e2e-client.js'), kind, '--url', url, '--target', JSON.stringify(target), '--filter', filter, ...extra], { cwd: REPO, env: CHILD_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let latest: Counts = ZERO;
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  let onDone: (d: { isb?: InterfaceStats; error?: string }) => void = () => undefined;
  const doneEvent = new Promise<{ isb?: InterfaceStats; error?: string }>((resolve) => (onDone = resolve));
  lines(child, (o) => {
    if (o.event === 'started') onStarted();
    if (o.event === 'progress' || o.event === 'done') latest = { bytes: o.bytes as number, packets: o.packets as number, udp: o.udp as number, tcp: o.tcp as number, other: o.other as number, ...(typeof o.messages === 'number' ? { messages: o.messages } : {}) };
    if (o.event === 'done') onDone(o);
  });
  const exited = exitOf(child);
  const finished = Promise.race([doneEvent, exited.then(() => ({ error: `exited before done: ${stderr.trim().slice(-500)}` }))]).then(async (d) => ({ ...d, exitCode: await exited }));
  return { key, label, pid: child.pid!, child, filter, started: Promise.race([started, exited.then(() => Promise.reject(new Error(`${label} exited: ${stderr.trim().slice(-800)}`)))]), counts: () => latest, finished, marks: [] };
}

/** A CLI writing a pcapng file: its counts come from reading the file as it grows. */
function fileClient(key: string, label: string, file: string, command: string, args: string[], filter: string | undefined): Client {
  const child = spawn(command, args, { cwd: REPO, env: CHILD_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const counter = new StreamCounter();
  let offset = 0;
  const buf = Buffer.alloc(4 * MB);
  const poll = () => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        counter.feed(buf.subarray(0, n));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(poll, 250);
  const exited = exitOf(child);
  const started = (async () => {
    for (;;) {
      poll();
      if (counter.bytes > 0) return;
      if (child.exitCode !== null) throw new Error(`${label} exited (${child.exitCode}): ${stderr.trim()}`);
      await sleep(100);
    }
  })();
  started.catch(() => undefined);
  const finished = exited.then((exitCode) => {
    clearInterval(timer);
    poll();
    return { ...(counter.isb ? { isb: counter.isb } : {}), ...(exitCode !== 0 ? { error: stderr.trim().slice(-500) } : {}), exitCode };
  });
  return { key, label, pid: child.pid!, child, filter, started, counts: () => counter.counts(), finished, marks: [] };
}

function mark(clients: Client[]): void {
  for (const c of clients) c.marks.push({ counts: { ...c.counts() }, cpu: treeCpuSeconds(c.pid) });
}

/** Waits until no client's counts changed for `quietMs` (at most `maxMs`). */
async function settle(clients: Client[], quietMs = 2000, maxMs = 90_000): Promise<void> {
  const sig = () => clients.map((c) => c.counts().bytes).join(',');
  const end = Date.now() + maxMs;
  let last = sig();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(250);
    const now = sig();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

function phase(c: Client, from: number, to: number): Phase {
  const a = c.marks[from]!;
  const b = c.marks[to]!;
  return {
    udp: b.counts.udp - a.counts.udp,
    tcp: b.counts.tcp - a.counts.tcp,
    other: b.counts.other - a.counts.other,
    bytes: b.counts.bytes - a.counts.bytes,
    cpuSeconds: Math.round((b.cpu - a.cpu) * 100) / 100,
    ...(b.counts.messages !== undefined ? { messages: b.counts.messages - (a.counts.messages ?? 0) } : {}),
  };
}

function flood(bed: BedEnv, from: string, to: string, port: number, count: number, rate: number): Promise<{ sent: number; secs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('nice', ['-n', '-10', 'nsenter', `--net=/run/netns/${bedNamespace(bed, from).name}`, process.execPath, FLOOD, '--to', bedAddress(bed, to), '--port', String(port), '--count', String(count), '--rate', String(rate), '--size', '16'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const guard = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()!) as { sent: number; secs: number });
      else reject(new Error(`udp-flood exited with ${code}`));
    });
  });
}

async function keeperTarget(url: string, bed: BedEnv, host: string): Promise<Target> {
  const ns = bedNamespace(bed, host);
  const found = (await newSharkTankOnHost(url, { timeout: 30_000 }).targets()).filter((t) => t.netns === ns.netns && t.type === 'proc' && t.pid === ns.keeperPid);
  if (found.length !== 1) throw new Error(`discovery at ${url} lists ${found.length} keeper targets for ${ns.name}`);
  return found[0]!;
}

/** The server's dumpcap of each client: by its distinct filter, or (csharg-go: no filter) by netns. */
function assignDumpcaps(clients: Client[], pfPid: number, netns: number): void {
  const dumpcaps = packetflixDumpcaps(pfPid);
  for (const c of clients) {
    const mine = dumpcaps.filter((d) => {
      const f = d.args.indexOf('-f');
      if (c.filter === undefined) {
        try {
          return f < 0 && netnsOf(d.pid) === netns;
        } catch {
          return false;
        }
      }
      return f >= 0 && d.args[f + 1] === c.filter;
    });
    if (mine.length !== 1) throw new Error(`${c.label}: ${mine.length} server dumpcaps match (filter ${JSON.stringify(c.filter)})`);
    c.dumpcapPid = mine[0]!.pid;
  }
}

async function throughput(bed: BedEnv, url: string, o: { udpRate: number; udpSecs: number; tcpBytes: number; tcpRate: number; variants: boolean; senders: number }, dir: string) {
  const target = await keeperTarget(url, bed, 't4');
  const base = `udp port ${UDP_PORT} or tcp port ${TCP_PORT}`;
  // a distinct, equivalent filter per client (no traffic on 48990-48999): it names the server's dumpcap
  const f = (i: number) => `${base} or udp port ${48990 + i}`;
  const oursFile = path.join(dir, 'ours.pcapng');
  const goFile = path.join(dir, 'go.pcapng');
  const clients: Client[] = [
    nodeClient('bare', '(a) bare ws, counting', 'bare', url, target, f(1)),
    nodeClient('chunks', '(b) capture() chunks', 'chunks', url, target, f(2)),
    nodeClient('packets', '(c) capturePackets()', 'packets', url, target, f(3)),
    nodeClient('pipeline', '(d) capturePackets→decode→windowStats', 'pipeline', url, target, f(4)),
    fileClient('cli', '(e) csharg capture -w', oursFile, process.execPath, [...PROFILE('cli'), path.join(BUNDLE, 'csharg.js'), '--host', url, 'capture', target.name, '-i', 'eth0', '-f', f(5), '-w', oursFile, '-q'], f(5)),
    fileClient('go', '(f) csharg-go capture -w', goFile, cshargGoPath(bed), ['--host', url, 'capture', target.name, '-i', 'eth0', '-w', goFile], undefined),
    nodeClient('nodered', '(g) Node-RED capture→packet-stats', 'nodered', url, target, f(7)),
  ];
  if (o.variants) {
    // (e)'s write path side by side: writeChunks into a file stream with Node's default 16 KiB
    // buffer (as csharg -w opened it before b7977fe), and with 1 MiB (as it does since)
    clients.push(nodeClient('write16k', '(v1) writeChunks(file), 16 KiB', 'write', url, target, f(8), ['--out', path.join(dir, 'v1.pcapng')]));
    clients.push(nodeClient('write1m', '(v2) writeChunks(file), 1 MiB', 'write-1m', url, target, f(9), ['--out', path.join(dir, 'v2.pcapng')]));
    // and (c) beside packets() as it was before fa66348 (an inner subscription per chunk)
    clients.push(nodeClient('packetsMergeMap', '(v3) packets() before: mergeMap', 'packets-mergemap', url, target, f(6)));
  }
  const pfPid = packetflixPid(bed, 'svc2');
  try {
    await Promise.all(clients.map((c) => c.started));
    // every server dumpcap runs and has written its headers: what is sent from now on reaches all
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        assignDumpcaps(clients, pfPid, bedNamespace(bed, 't4').netns);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(250);
      }
    }
    await sleep(2000);
    const pf0 = processCpuSeconds(pfPid);
    mark(clients);
    const t0 = Date.now();
    const udpCount = Math.round(o.udpRate * o.udpSecs);
    // several senders (each its share of the count and rate): one alone cannot offer 30,000/s while
    // the kernel copies every datagram into seven capture rings in its context
    const floods = await Promise.all(Array.from({ length: o.senders }, () => flood(bed, 't3', 't4', UDP_PORT, Math.round(udpCount / o.senders), o.udpRate / o.senders)));
    const sentUdp = { sent: floods.reduce((n, f) => n + f.sent, 0), secs: Math.max(...floods.map((f) => f.secs)) };
    await settle(clients);
    const pf1 = processCpuSeconds(pfPid);
    mark(clients);
    const udpWall = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const tcp = await tcpExchange({ from: 't3', to: 't4', bytes: o.tcpBytes, rate: o.tcpRate, port: TCP_PORT });
    const tcpSendSecs = (Date.now() - t1) / 1000;
    await settle(clients);
    const pf2 = processCpuSeconds(pfPid);
    mark(clients);
    // End every capture at its server: SIGTERM to its dumpcap (by PID), which writes its ISB first.
    for (const c of clients) {
      try {
        process.kill(c.dumpcapPid!, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await sleep(3000);
    for (const c of clients) if (c.key === 'nodered' || c.key === 'go' || c.key === 'cli') c.child.stdin.write('stop\n');
    const ends = await Promise.all(
      clients.map((c) =>
        Promise.race([
          c.finished,
          limit(60_000).then(() => {
            if (c.child.exitCode === null) process.kill(c.pid, 'SIGINT');
            return c.finished;
          }),
        ]),
      ),
    );
    const result: Record<string, unknown> = {};
    clients.forEach((c, i) => {
      const udp = phase(c, 0, 1);
      const tcpPhase = phase(c, 1, 2);
      result[c.key] = { label: c.label, udp, tcp: tcpPhase, isb: ends[i]!.isb ?? null, ...(ends[i]!.error ? { error: ends[i]!.error } : {}), exitCode: ends[i]!.exitCode };
    });
    const fileMB = { cli: statSync(oursFile).size / MB, go: statSync(goFile).size / MB };
    return {
      udpSent: sentUdp.sent,
      udpSecs: sentUdp.secs,
      udpRate: o.udpRate,
      udpWallSecs: udpWall,
      tcpBytes: o.tcpBytes,
      tcpRate: o.tcpRate,
      tcpSent: tcp.sent,
      tcpReceived: tcp.received,
      tcpSendSecs,
      packetflixCpuSeconds: { udp: Math.round((pf1 - pf0) * 100) / 100, tcp: Math.round((pf2 - pf1) * 100) / 100 },
      fileMB,
      clients: result as Record<string, { label: string; udp: Phase; tcp: Phase; isb: InterfaceStats | null; error?: string; exitCode: number | null }>,
    };
  } finally {
    for (const c of clients) {
      if (c.child.exitCode === null && c.child.signalCode === null) process.kill(c.pid, 'SIGKILL');
      if (c.dumpcapPid !== undefined) {
        try {
          process.kill(c.dumpcapPid, 0);
          process.kill(c.dumpcapPid, 'SIGTERM');
        } catch {
          // gone
        }
      }
    }
  }
}

/** The datagram's sequence number and its latency (ms) from the sender's timestamp to `now`. */
function latencyOf(packet: Packet, now: bigint): { seq: number; ms: number } | undefined {
  const d = packet.data;
  if (d.length < UDP_OFFSET + 12 || d.readUInt16BE(36) !== LATENCY_PORT) return undefined;
  return { seq: d.readUInt32BE(UDP_OFFSET + 8), ms: Number(now - d.readBigUInt64BE(UDP_OFFSET)) / 1e6 };
}

/** The TPACKET ring of the dumpcaps capturing in a namespace (ss -0 -e -p): what bounds the latency. */
async function ringsIn(ns: string): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn('nsenter', [`--net=/run/netns/${ns}`, 'ss', '-0', '-e', '-p'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', () => resolve([...out.matchAll(/ring_rx\(([^)]*)\)/g)].map((m) => m[1]!)));
    child.once('error', () => resolve([]));
  });
}

async function latency(bed: BedEnv, url: string, count: number, rate: number) {
  const target = await keeperTarget(url, bed, 't4');
  const ns = bedNamespace(bed, 't4').name;
  const filter = `udp port ${LATENCY_PORT}`;
  const direct = new Map<number, number>();
  const lib = new Map<number, number>();
  const run = dumpcapCapture({ ns, ifaces: ['eth0'], filter });
  const reader = new PcapngPacketReader();
  run.stdout.on('data', (chunk: Buffer) => {
    const now = process.hrtime.bigint();
    reader.feed(chunk, (p) => {
      const l = latencyOf(p, now);
      if (l !== undefined) direct.set(l.seq, l.ms);
    });
  });
  let libStarted = false;
  const sub = capturePackets(newSharkTankOnHost(url), target, { nifs: ['eth0'], filter }).subscribe((p) => {
    const l = latencyOf(p, process.hrtime.bigint());
    if (l !== undefined) lib.set(l.seq, l.ms);
  });
  try {
    await run.started;
    const pfPid = packetflixPid(bed, 'svc2');
    const deadline = Date.now() + 30_000;
    while (!libStarted && Date.now() < deadline) {
      libStarted = packetflixDumpcaps(pfPid).some((d) => d.args.includes(filter));
      await sleep(200);
    }
    await sleep(2000);
    const rings = await ringsIn(ns);
    await flood(bed, 't3', 't4', LATENCY_PORT, count, rate);
    await sleep(1500);
    const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
    const summary = (xs: number[]) => ({ n: xs.length, min: xs[0] ?? NaN, p10: percentile(xs, 10), p50: percentile(xs, 50), p90: percentile(xs, 90), p99: percentile(xs, 99), max: xs.at(-1) ?? NaN });
    // the same datagram on both paths (each dumpcap's ring has its own block timer, so this spreads
    // over ± the timeout: it shows that the timer, not Packetflix, decides)
    const added = sorted([...lib].filter(([seq]) => direct.has(seq)).map(([seq, ms]) => ms - direct.get(seq)!));
    return { count, rate, rings, direct: summary(sorted(direct.values())), capturePackets: summary(sorted(lib.values())), addedByPacketflix: summary(added) };
  } finally {
    sub.unsubscribe();
    await run.stop();
  }
}

async function memoryRun(bed: BedEnv, url: string, bytes: number, rate: number, dir: string) {
  const target = await keeperTarget(url, bed, 't4');
  const file = path.join(dir, `memory-${bytes}.pcapng`);
  const filter = `tcp port ${MEMORY_PORT}`;
  const c = nodeClient('memory', 'capturePackets→toPcapng→file', 'memory', url, target, filter, ['--out', file]);
  const pfPid = packetflixPid(bed, 'svc2');
  let doneEvent: Record<string, unknown> = {};
  lines(c.child, (o) => {
    if (o.event === 'done') doneEvent = o;
  });
  try {
    await c.started;
    await sleep(1500);
    const t0 = Date.now();
    const tcp = await tcpExchange({ from: 't3', to: 't4', bytes, rate, port: MEMORY_PORT });
    await settle([c]);
    const secs = (Date.now() - t0) / 1000;
    const dumpcap = packetflixDumpcaps(pfPid).find((d) => d.args.includes(filter));
    if (dumpcap) process.kill(dumpcap.pid, 'SIGTERM');
    const end = await Promise.race([c.finished, limit(60_000).then(() => ({ error: 'no end', exitCode: null }))]);
    const samples = (doneEvent.rssSamples ?? []) as { rssMB: number }[];
    return {
      bytes,
      rate,
      baseRssMB: samples[0]?.rssMB ?? null,
      tcpReceived: tcp.received,
      secs,
      packets: c.counts().packets,
      streamMB: c.counts().bytes / MB,
      fileMB: statSync(file).size / MB,
      peakRssMB: Math.round(Number(doneEvent.maxRssMB ?? NaN)),
      rssSamples: doneEvent.rssSamples,
      isb: 'isb' in end ? end.isb ?? null : null,
      ...(end.error ? { error: end.error } : {}),
    };
  } finally {
    if (c.child.exitCode === null && c.child.signalCode === null) process.kill(c.pid, 'SIGKILL');
    rmSync(file, { force: true });
  }
}

const r3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const udpRate = argNumber(args, '--udp-rate', 30_000);
  const udpSecs = argNumber(args, '--udp-secs', quick ? 3 : 10);
  const tcpBytes = argNumber(args, '--tcp-mb', quick ? 100 : 500) * MB;
  const tcpRate = argNumber(args, '--tcp-rate', 40) * MB;
  const memoryBytes = argNumber(args, '--memory-mb', quick ? 200 : 1024) * MB;
  const memoryRate = argNumber(args, '--memory-rate', 25) * MB;
  const latencyCount = argNumber(args, '--latency-count', quick ? 2000 : 10_000);
  const latencyRate = argNumber(args, '--latency-rate', 1000);
  const profileAt = args.indexOf('--cpu-prof');
  if (profileAt >= 0) PROFILE_DIR = path.resolve(args[profileAt + 1] ?? 'profiles');
  const bed = await loadServices();
  const url = serviceUrl(bed, 'svc2');
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-bench-e2e-'));
  try {
    await bundle(dir);
    const tp = await throughput(bed, url, { udpRate, udpSecs, tcpBytes, tcpRate, variants: args.includes('--variants'), senders: Math.round(argNumber(args, '--senders', 2)) }, dir);
    const lat = await latency(bed, url, latencyCount, latencyRate);
    const memSmall = await memoryRun(bed, url, memoryBytes / 4, memoryRate, dir);
    const mem = await memoryRun(bed, url, memoryBytes, memoryRate, dir);
    const c = tp.clients;
    const delivered = (k: string) => c[k]!.udp.udp + c[k]!.udp.tcp + c[k]!.tcp.udp + c[k]!.tcp.tcp;
    const cpu = (k: string) => c[k]!.udp.cpuSeconds + c[k]!.tcp.cpuSeconds;
    const mbOf = (k: string) => (c[k]!.udp.bytes + c[k]!.tcp.bytes) / MB;
    // dumpcap's ISB: isb_ifrecv = packets that reached dumpcap, isb_ifdrop = packets the kernel dropped
    // (ring full); their sum is the same for every dumpcap with the same filter.
    const drops: Record<string, unknown> = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.isb ? { received: v.isb.ifRecv ?? null, dropped: v.isb.ifDrop ?? null } : null]));
    const bareIsb = c.bare!.isb;
    if (bareIsb?.ifRecv !== undefined) {
      // the capture node does not hand the ISB on: what its dumpcap saw is what the bare client's saw
      drops.nodered = { notDelivered: bareIsb.ifRecv + (bareIsb.ifDrop ?? 0) - delivered('nodered'), derived: 'packets the bare client\'s dumpcap saw (received + dropped) minus the packets that reached packet-stats' };
    }
    const p99Target = lat.direct.p99 * 1.2 + 1;
    const result = {
      bench: 'e2e',
      source: `the real Packetflix of the test bed (svc2, ${url}), csharg-t3 -> csharg-t4 through the hub`,
      chunks_vs_bare: r3(ratio(delivered('chunks'), delivered('bare'))),
      packets_vs_bare: r3(ratio(delivered('packets'), delivered('bare'))),
      pipeline_vs_bare: r3(ratio(delivered('pipeline'), delivered('bare'))),
      cli_cpu_per_mb_vs_go: r3(ratio(cpu('go') / mbOf('go'), cpu('cli') / mbOf('cli'))),
      cli_packets_vs_go: r3(ratio(delivered('cli'), delivered('go'))),
      nodered_vs_packets: r3(ratio(c.nodered!.udp.udp, c.packets!.udp.udp)),
      nodered_pps: Math.round(c.nodered!.udp.udp / tp.udpSecs),
      udp_achieved_pps: Math.round(tp.udpSent / tp.udpSecs),
      latency_p99_ratio: r3(ratio(lat.capturePackets.p99, lat.direct.p99)),
      latency_p99_target_ms: r3(p99Target),
      latency_p99_within_target: lat.capturePackets.p99 <= p99Target,
      peak_rss_mb: mem.peakRssMB,
      peak_rss_quarter_size_mb: memSmall.peakRssMB,
      kernel_drops: drops,
      throughput: tp,
      latency: lat,
      memory: { quarter: memSmall, full: mem },
      machine: await machine(),
    };
    if (json) {
      // the table of the same run on stderr, the one JSON line on stdout
      process.stderr.write(table(result, tp, lat, memSmall, mem));
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    process.stdout.write(table(result, tp, lat, memSmall, mem));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function machine() {
  const os = await import('node:os');
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', memGB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) };
}

function table(
  r: { [k: string]: unknown },
  tp: Awaited<ReturnType<typeof throughput>>,
  lat: Awaited<ReturnType<typeof latency>>,
  memSmall: Awaited<ReturnType<typeof memoryRun>>,
  mem: Awaited<ReturnType<typeof memoryRun>>,
): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number | null | undefined, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
  const out: string[] = [];
  out.push(`Through the real Packetflix (svc2) capturing csharg-t4 eth0; all clients at once, each its own WebSocket and process.`);
  out.push(`UDP flood: ${tp.udpSent} datagrams, ${tp.udpRate}/s asked, ${Math.round(tp.udpSent / tp.udpSecs)}/s achieved (${tp.udpSecs.toFixed(1)} s); TCP: ${(tp.tcpSent / MB).toFixed(0)} MiB at ${(tp.tcpRate / MB).toFixed(0)} MiB/s (${tp.tcpSendSecs.toFixed(1)} s)`);
  out.push(`${pad('client', 40)}${pad('WS msgs', 9)}${pad('UDP pkts', 10)}${pad('TCP pkts', 10)}${pad('MiB', 8)}${pad('CPU s', 8)}${pad('CPU s/MiB', 10)}${pad('vs (a)', 8)}kernel drops (ISB)`);
  const bare = tp.clients.bare!;
  const total = (p: Phase) => p.udp + p.tcp;
  for (const [, v] of Object.entries(tp.clients)) {
    const pk = total(v.udp) + total(v.tcp);
    const mib = (v.udp.bytes + v.tcp.bytes) / MB;
    const cpu = v.udp.cpuSeconds + v.tcp.cpuSeconds;
    const isb = v.isb ? `${num(v.isb.ifDrop ?? v.isb.osDrop)} dropped of ${num(v.isb.ifRecv)} received` : 'n/a';
    out.push(`${pad(v.label, 40)}${pad(v.udp.messages === undefined ? '' : String(v.udp.messages + (v.tcp.messages ?? 0)), 9)}${pad(String(v.udp.udp), 10)}${pad(String(v.tcp.tcp), 10)}${pad(num(mib, 1), 8)}${pad(num(cpu, 2), 8)}${pad(num(cpu / mib, 4), 10)}${pad(num(ratio(pk, total(bare.udp) + total(bare.tcp)), 3), 8)}${isb}${v.error ? `  (${v.error.slice(0, 80)})` : ''}`);
  }
  out.push('(d) counts a window when it closes (by packet time): the flood\'s last window closes with the first TCP packet, so some UDP shows in the TCP phase');
  out.push(`Packetflix CPU s: UDP phase ${tp.packetflixCpuSeconds.udp}, TCP phase ${tp.packetflixCpuSeconds.tcp}`);
  out.push(`chunks_vs_bare ${String(r.chunks_vs_bare)}  packets_vs_bare ${String(r.packets_vs_bare)}  pipeline_vs_bare ${String(r.pipeline_vs_bare)}  cli_packets_vs_go ${String(r.cli_packets_vs_go)}  cli_cpu_per_mb_vs_go ${String(r.cli_cpu_per_mb_vs_go)}  nodered_vs_packets ${String(r.nodered_vs_packets)} (${String(r.nodered_pps)} pkt/s)`);
  out.push(`latency over ${lat.count} datagrams at ${lat.rate}/s (ms):`);
  out.push(`  dumpcap -> pipe (direct)        p50 ${num(lat.direct.p50, 2)}  p99 ${num(lat.direct.p99, 2)}  max ${num(lat.direct.max, 2)}  (n=${lat.direct.n})`);
  out.push(`  Packetflix -> capturePackets()  p50 ${num(lat.capturePackets.p50, 2)}  p99 ${num(lat.capturePackets.p99, 2)}  max ${num(lat.capturePackets.max, 2)}  (n=${lat.capturePackets.n})  p99 ratio ${String(r.latency_p99_ratio)} (target <= ${String(r.latency_p99_target_ms)} ms: ${String(r.latency_p99_within_target)})`);
  out.push(`  min (a datagram that came just before its ring block was handed over): direct ${num(lat.direct.min, 2)}, capturePackets ${num(lat.capturePackets.min, 2)}`);
  out.push(`  dumpcap rings in csharg-t4: ${lat.rings.join(' | ')}`);
  for (const m of [memSmall, mem]) {
    out.push(`memory: ${(m.bytes / MB).toFixed(0)} MiB TCP (${(m.rate / MB).toFixed(0)} MiB/s) through capturePackets -> toPcapng -> file: ${m.packets} packets, ${m.streamMB.toFixed(0)} MiB of pcapng received, ${m.fileMB.toFixed(0)} MiB file, kernel drops ${m.isb?.ifDrop ?? 'n/a'}; RSS ${m.baseRssMB} MiB before, peak ${m.peakRssMB} MiB`);
  }
  out.push('');
  return out.join('\n');
}
