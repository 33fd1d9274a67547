// pcapng reading speed: our reader (full Packet objects) against the npm package pcap-ng-parser
// (the baseline) and a bare walker that only steps over block lengths. One in-memory capture of
// 64/576/1514-byte packets, fed in 16, 64 and 256 KiB chunks; runs interleaved, medians taken.

import { PcapngPacketReader } from '../src/core/pcapng';
import type { Packet } from '../src/core/pcapng';
import { OptionCode, encodeBlock, option } from '../src/core/pcapng';

const PACKETS = 60_000;
const ROUNDS = 7;
const CHUNK_SIZES = [16 * 1024, 64 * 1024, 256 * 1024];
const MIX = [64, 576, 1514];

function capture(): Buffer {
  const parts: Buffer[] = [
    encodeBlock({ kind: 'shb', littleEndian: true, options: [option.string(OptionCode.SHB_USERAPPL, 'bench')], endOfOptions: true }),
    encodeBlock({ kind: 'idb', littleEndian: true, linkType: 1, snapLen: 262144, options: [option.string(OptionCode.IF_NAME, 'eth0'), option.u8(OptionCode.IF_TSRESOL, 9)], endOfOptions: true }),
  ];
  let ns = 1_700_000_000_000_000_000n;
  const payloads = MIX.map((n) => Buffer.alloc(n, n & 0xff));
  for (let i = 0; i < PACKETS; i++) {
    const data = payloads[i % MIX.length]!;
    ns += 12_345n;
    parts.push(encodeBlock({ kind: 'epb', littleEndian: true, interfaceId: 0, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn), originalLength: data.length, data }));
  }
  return Buffer.concat(parts);
}

function split(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Counts packets; each implementation must deliver all of them. */
type Contender = (chunks: Buffer[]) => number;

const ours: Contender = (chunks) => {
  const reader = new PcapngPacketReader();
  let n = 0;
  let bytes = 0;
  const sink = (p: Packet): void => {
    n++;
    bytes += p.capturedLength;
  };
  for (const c of chunks) reader.feed(c, sink);
  reader.end();
  return bytes > 0 ? n : -1;
};

interface PcapNgParserInstance {
  push(item: unknown): boolean;
  _transform(chunk: Buffer, encoding: string, callback: (error?: Error) => void): void;
}

// Driven through its _transform directly, without stream overhead: the baseline at its best.
const pcapNgParser: Contender = (chunks) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped CommonJS devDependency
  const Parser = require('pcap-ng-parser') as new () => PcapNgParserInstance;
  const parser = new Parser();
  let n = 0;
  parser.push = () => {
    n++;
    return true;
  };
  for (const c of chunks) {
    parser._transform(c, 'buffer', (error) => {
      if (error) throw error;
    });
  }
  return n;
};

/** Same inline read as the reader's hot path, so that the walker is not slowed by Buffer's checks. */
function le32(b: Buffer, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;
}

/** Steps over block lengths across chunk boundaries; counts EPBs. */
const bareWalker: Contender = (chunks) => {
  let n = 0;
  let skip = 0;
  const header = Buffer.alloc(8);
  let headerFill = 0;
  for (const c of chunks) {
    let p = Math.min(skip, c.length);
    skip -= p;
    while (p < c.length) {
      if (headerFill > 0 || c.length - p < 8) {
        const take = Math.min(8 - headerFill, c.length - p);
        c.copy(header, headerFill, p, p + take);
        headerFill += take;
        p += take;
        if (headerFill < 8) break;
        headerFill = 0;
        if (header.readUInt32LE(0) === 6) n++;
        const rest = header.readUInt32LE(4) - 8;
        const here = Math.min(rest, c.length - p);
        p += here;
        skip = rest - here;
        continue;
      }
      if (le32(c, p) === 6) n++;
      const length = le32(c, p + 4);
      if (length > c.length - p) {
        skip = length - (c.length - p);
        p = c.length;
      } else p += length;
    }
  }
  return n;
};

const CONTENDERS: [string, Contender][] = [['csharg', ours], ['pcap-ng-parser', pcapNgParser], ['bare walker', bareWalker]];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const bytes = capture();
  const chunkings = CHUNK_SIZES.map((size) => split(bytes, size));
  const times = new Map<string, number[]>();
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [i, chunks] of chunkings.entries()) {
      for (const [name, contender] of CONTENDERS) {
        const start = process.hrtime.bigint();
        const n = contender(chunks);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (n !== PACKETS) throw new Error(`${name} delivered ${n} of ${PACKETS} packets`);
        if (round === 0) continue; // warm-up
        const key = `${name}|${CHUNK_SIZES[i]}`;
        times.set(key, [...(times.get(key) ?? []), seconds]);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const rate = (name: string, size: number): number => PACKETS / median(times.get(`${name}|${size}`)!);
  const rows = CHUNK_SIZES.flatMap((size) => CONTENDERS.map(([name]) => {
    const pps = rate(name, size);
    return { chunk: `${size / 1024} KiB`, name, pps, mbps: (pps * bytes.length) / PACKETS / 1e6 };
  }));
  const ratios = (other: string): number[] => CHUNK_SIZES.map((size) => rate('csharg', size) / rate(other, size));
  const summary = {
    bench: 'pcapng',
    packets: PACKETS,
    bytes: bytes.length,
    rounds: ROUNDS,
    vs_pcap_ng_parser: Math.min(...ratios('pcap-ng-parser')),
    vs_bare_walker: Math.min(...ratios('bare walker')),
    by_chunk: Object.fromEntries(CHUNK_SIZES.map((size, i) => [`${size / 1024}KiB`, { vs_pcap_ng_parser: ratios('pcap-ng-parser')[i], vs_bare_walker: ratios('bare walker')[i] }])),
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  process.stdout.write(`pcapng: ${PACKETS} packets, ${(bytes.length / 1e6).toFixed(1)} MB, median of ${ROUNDS} interleaved rounds\n`);
  process.stdout.write(`${'chunk'.padEnd(9)}${'reader'.padEnd(16)}${'packets/s'.padStart(14)}${'MB/s'.padStart(10)}\n`);
  for (const r of rows) {
    process.stdout.write(`${r.chunk.padEnd(9)}${r.name.padEnd(16)}${Math.round(r.pps).toLocaleString('en-US').padStart(14)}${r.mbps.toFixed(0).padStart(10)}\n`);
  }
  process.stdout.write(`csharg vs pcap-ng-parser: ${summary.vs_pcap_ng_parser.toFixed(1)}x (worst chunk size), vs bare walker: ${summary.vs_bare_walker.toFixed(2)}x\n`);
}
