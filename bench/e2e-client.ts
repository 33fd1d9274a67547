// One capture client of the e2e benchmark, in a process of its own (so that its CPU seconds and
// memory are its own), against the real Packetflix:
//   node --import tsx bench/e2e-client.ts KIND --url URL --target JSON --filter F [--out FILE]
// KIND: bare      a `ws` WebSocket on /capture that only counts (StreamCounter: block headers only)
//       chunks    capture() chunks, counted the same way
//       packets   capturePackets() (capture() piped into packets(); a tap keeps the stream's tail
//                 by reference to read the ISB at its end), packets counted by IPv4 protocol
//       pipeline  capturePackets -> decode -> windowStats(1 s): packets counted from the windows
//       memory    capturePackets -> toPcapng -> FILE; RSS sampled every 100 ms
//       write     capture() -> writeChunks(file stream, Node's default 16 KiB buffer), as csharg capture -w
//       write-1m  the same with a 1 MiB file stream buffer (as csharg capture -w since b7977fe)
//       packets-mergemap  capture() -> packets() as it was before fa66348: mergeMap(reader.push),
//                 an array and an inner subscription per chunk (beside (c), which has the fix)
// Prints JSON lines: {"event":"started"} at the stream's first bytes, {"event":"progress",...} every
// 500 ms, {"event":"done",...} when the server ends the capture (the benchmark stops the server's
// dumpcap by its PID, so dumpcap writes its ISB and Packetflix closes the WebSocket).
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { EMPTY, concatWith, defer, mergeMap, tap } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import WebSocket from 'ws';
import { PcapngPacketReader } from '../src/core/pcapng';
import type { Packet } from '../src/core/pcapng';
import { newSharkTankOnHost } from '../src/core/host/host-shark-tank';
import { captureServiceQueryParams } from '../src/core/host/capture-request';
import { captureUrl, parseServiceUrl } from '../src/core/host/service-url';
import type { Target } from '../src/core/target';
import { decode } from '../src/rx/decode';
import { packets, toPcapng } from '../src/rx/pcapng';
import { capture } from '../src/rx/shark-tank';
import { writeChunks } from '../src/rx/write';
import { windowStats } from '../src/rx/stats';
import { StreamCounter, Tail, isbAtEnd } from './e2e-stream';
import type { InterfaceStats } from './e2e-stream';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, target: { type: 'string' }, filter: { type: 'string' }, out: { type: 'string' } },
});
const kind = positionals[0] ?? '';
const url = values.url!;
const target = JSON.parse(values.target!) as Target;
const options = { nifs: ['eth0'], ...(values.filter ? { filter: values.filter } : {}) };

interface Counts {
  bytes: number;
  packets: number;
  udp: number;
  tcp: number;
  other: number;
}

const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
let started = false;
const start = () => {
  if (started) return;
  started = true;
  say({ event: 'started' });
};
let current: () => Counts = () => ({ bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 });
const progress = setInterval(() => say({ event: 'progress', ...current() }), 500);
let peakRss = process.memoryUsage().rss;
const rssSamples: { bytes: number; rssMB: number; heapMB: number; arrayBuffersMB: number; queuedMB: number }[] = [];
let queued = () => 0;

let finished = false;
function done(extra: { isb?: InterfaceStats; error?: string } = {}): void {
  if (finished) return;
  finished = true;
  clearInterval(progress);
  const r = process.resourceUsage();
  say({ event: 'done', ...current(), ...extra, cpuSeconds: (r.userCPUTime + r.systemCPUTime) / 1e6, maxRssMB: r.maxRSS / 1024, peakRssMB: peakRss / 2 ** 20, rssSamples });
  // let stdout drain, then leave (Node-RED keeps timers of its own)
  setTimeout(() => process.exit(0), 200);
}

function classify(c: Counts, p: Packet): void {
  c.packets++;
  const d = p.data;
  const proto = d.length >= 24 && d[12] === 0x08 && d[13] === 0x00 ? d[23] : -1;
  if (proto === 17) c.udp++;
  else if (proto === 6) c.tcp++;
  else c.other++;
}

function bare(): void {
  const service = parseServiceUrl(url);
  const ws = new WebSocket(captureUrl(service, captureServiceQueryParams(target, options)));
  const counter = new StreamCounter();
  let messages = 0;
  current = () => ({ ...counter.counts(), messages });
  ws.on('message', (data: Buffer) => {
    start();
    messages++;
    counter.feed(data);
  });
  ws.on('error', (e) => done({ error: e.message }));
  ws.on('close', () => done(counter.isb ? { isb: counter.isb } : {}));
}

function chunks(): void {
  const counter = new StreamCounter();
  let messages = 0;
  current = () => ({ ...counter.counts(), messages });
  capture(newSharkTankOnHost(url), target, options).subscribe({
    next: (c) => {
      start();
      messages++;
      counter.feed(c);
    },
    error: (e: unknown) => done({ error: String(e), ...(counter.isb ? { isb: counter.isb } : {}) }),
    complete: () => done(counter.isb ? { isb: counter.isb } : {}),
  });
}

function withTail(counts: Counts, tail: Tail) {
  return capture(newSharkTankOnHost(url), target, options).pipe(
    tap((c) => {
      start();
      counts.bytes += c.length;
      tail.push(c);
    }),
  );
}

function endOf(tail: Tail) {
  const end = (error?: string) => {
    const isb = isbAtEnd(tail.buffer());
    done({ ...(error !== undefined ? { error } : {}), ...(isb ? { isb } : {}) });
  };
  return { error: (e: unknown) => end(String(e)), complete: () => end() };
}

function packetsClient(): void {
  const counts: Counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 };
  const tail = new Tail();
  current = () => ({ ...counts });
  // capturePackets(tank, target, options) is capture(...).pipe(packets()); the tap sits before packets()
  withTail(counts, tail).pipe(packets()).subscribe({ next: (p) => classify(counts, p), ...endOf(tail) });
}

/**
 * packets() as it was before fa66348, for the side by side: the same PcapngPacketReader, its
 * packets collected into an array per chunk that mergeMap subscribes to as an inner Observable.
 */
function mergeMapPackets(): OperatorFunction<Buffer, Packet> {
  return (source) =>
    defer(() => {
      const reader = new PcapngPacketReader();
      const end = defer(() => {
        reader.end();
        return EMPTY;
      });
      return source.pipe(mergeMap((chunk) => reader.push(chunk)), concatWith(end));
    });
}

function packetsMergeMap(): void {
  const counts: Counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 };
  const tail = new Tail();
  current = () => ({ ...counts });
  withTail(counts, tail).pipe(mergeMapPackets()).subscribe({ next: (p) => classify(counts, p), ...endOf(tail) });
}

function pipeline(): void {
  const counts: Counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 };
  const tail = new Tail();
  current = () => ({ ...counts });
  withTail(counts, tail)
    .pipe(packets(), decode(), windowStats(1000))
    .subscribe({
      next: (w) => {
        counts.packets += w.packets;
        for (const g of w.groups) {
          if (g.protocol === 'udp') counts.udp += g.packets;
          else if (g.protocol === 'tcp') counts.tcp += g.packets;
          else counts.other += g.packets;
        }
      },
      ...endOf(tail),
    });
}

function memory(): void {
  const out = createWriteStream(values.out!);
  queued = () => out.writableLength;
  const counts: Counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0 };
  const tail = new Tail();
  current = () => ({ ...counts });
  let nextSample = 0;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if (counts.bytes >= nextSample) {
      const m = process.memoryUsage();
      const mb = (x: number) => Math.round(x / 2 ** 20);
      rssSamples.push({ bytes: counts.bytes, rssMB: mb(rss), heapMB: mb(m.heapUsed), arrayBuffersMB: mb(m.arrayBuffers), queuedMB: mb(queued()) });
      nextSample = counts.bytes + 64 * 2 ** 20;
    }
  }, 100);
  let written = 0;
  withTail(counts, tail)
    .pipe(
      packets(),
      tap((p) => classify(counts, p)),
      toPcapng(),
    )
    .subscribe({
      next: (chunk) => {
        written += chunk.length;
        // no backpressure from the file in an Observable: a slow disk would show up as RSS here
        out.write(chunk);
      },
      error: (e: unknown) => {
        clearInterval(sampler);
        out.end(() => done({ error: String(e) }));
      },
      complete: () => {
        clearInterval(sampler);
        const isb = isbAtEnd(tail.buffer());
        out.end(() => {
          say({ event: 'file', written });
          done(isb ? { isb } : {});
        });
      },
    });
}

/**
 * capture() chunks into a file through writeChunks, as `csharg capture -w` writes them: paused while
 * the file stream's buffer is full. `highWaterMark` undefined: Node's default for a file stream
 * (16 KiB), as the command opens its file; else that many bytes (the tuning candidate).
 */
function writeFile(highWaterMark: number | undefined): void {
  const out = createWriteStream(values.out!, highWaterMark === undefined ? {} : { highWaterMark });
  const counter = new StreamCounter();
  let pauses = 0;
  out.on('drain', () => pauses++);
  current = () => ({ ...counter.counts(), drains: pauses });
  capture(newSharkTankOnHost(url), target, options)
    .pipe(writeChunks(out))
    .subscribe({
      next: (c) => {
        start();
        counter.feed(c);
      },
      error: (e: unknown) => out.end(() => done({ error: String(e) })),
      complete: () => out.end(() => done(counter.isb ? { isb: counter.isb } : {})),
    });
}

const clients: Record<string, () => void | Promise<void>> = { bare, chunks, packets: packetsClient, pipeline, memory, write: () => writeFile(undefined), 'write-1m': () => writeFile(2 ** 20), 'packets-mergemap': packetsMergeMap };
const client = clients[kind];
if (!client) {
  process.stderr.write(`usage: e2e-client.ts ${Object.keys(clients).join('|')} --url URL --target JSON [--filter F] [--out FILE]\n`);
  process.exit(2);
}
// a hard bound: no client outlives five minutes
setTimeout(() => done({ error: 'hard time limit' }), 300_000).unref();
Promise.resolve(client()).catch((e: unknown) => done({ error: String(e) }));
