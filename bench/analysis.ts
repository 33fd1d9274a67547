// Analysis pipeline speed: packets() → decode() → matchPackets → windowStats against packets()
// alone, on one in-memory capture (a realistic mix: UDP, TCP, DNS, some VLAN-tagged, IPv6, ARP)
// fed in 64 KiB chunks at full speed. Runs interleaved, medians taken.

import { from, lastValueFrom, reduce } from 'rxjs';
import * as dnsPacket from 'dns-packet';
import { OptionCode, encodeBlock, option } from '../src/core/pcapng';
import { packets } from '../src/rx/pcapng';
import { decode } from '../src/rx/decode';
import { matchPackets } from '../src/rx/select';
import { windowStats } from '../src/rx/stats';

const PACKETS = 300_000;
const ROUNDS = 7;
const CHUNK = 64 * 1024;
/** one packet every 10 µs of packet time: 3 s of traffic, three windows of 1 s */
const STEP_NS = 10_000n;

function ip4(src: number, dst: number, protocol: number, l4: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h[8] = 64;
  h[9] = protocol;
  h.writeUInt32BE(src, 12);
  h.writeUInt32BE(dst, 16);
  return Buffer.concat([h, l4]);
}

function ports(sp: number, dp: number, rest: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  return Buffer.concat([h, rest]);
}

function eth(type: number, payload: Buffer, vlan?: number): Buffer {
  const tag = vlan === undefined ? Buffer.alloc(0) : Buffer.from([0x81, 0x00, vlan >> 8, vlan & 0xff]);
  return Buffer.concat([Buffer.alloc(12, 2), tag, Buffer.from([type >> 8, type & 0xff]), payload]);
}

function frames(): Buffer[] {
  const a = 0xc6120101; // 198.18.1.1
  const b = 0xc6120201; // 198.18.2.1
  const udpLen = (n: number): Buffer => { const r = Buffer.alloc(4 + n); r.writeUInt16BE(8 + n, 0); return r; };
  const tcpRest = (n: number): Buffer => { const r = Buffer.alloc(16 + n); r[8] = 0x50; r[9] = 0x18; return r; };
  const query = dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'bench.example' }] });
  const v6 = Buffer.alloc(40 + 8 + 32);
  v6[0] = 0x60;
  v6.writeUInt16BE(40, 4);
  v6[6] = 17;
  return [
    eth(0x0800, ip4(a, b, 17, ports(20001, 20002, udpLen(100)))),
    eth(0x0800, ip4(b, a, 6, ports(80, 20003, tcpRest(1400)))),
    eth(0x0800, ip4(a, b, 6, ports(20003, 80, tcpRest(0)))),
    eth(0x0800, ip4(a, b, 17, ports(20004, 53, Buffer.concat([udpLen(query.length), query])))),
    eth(0x0800, ip4(a + 1, b, 17, ports(20005, 20006, udpLen(500))), 42),
    eth(0x86dd, v6),
    eth(0x0806, Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex')),
    eth(0x0800, ip4(0x0a000001, b, 6, ports(443, 20007, tcpRest(60)))),
  ];
}

function capture(): Buffer {
  const parts: Buffer[] = [
    encodeBlock({ kind: 'shb', littleEndian: true, endOfOptions: true }),
    encodeBlock({ kind: 'idb', littleEndian: true, linkType: 1, snapLen: 262144, options: [option.string(OptionCode.IF_NAME, 'eth0'), option.u8(OptionCode.IF_TSRESOL, 9)], endOfOptions: true }),
  ];
  const mix = frames();
  let ns = 1_700_000_000_000_000_000n;
  for (let i = 0; i < PACKETS; i++) {
    const data = mix[i % mix.length]!;
    ns += STEP_NS;
    parts.push(encodeBlock({ kind: 'epb', littleEndian: true, interfaceId: 0, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn), originalLength: data.length, data }));
  }
  return Buffer.concat(parts);
}

function split(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

/** packets() alone: the count of packets */
async function packetsAlone(chunks: Buffer[]): Promise<number> {
  return lastValueFrom(from(chunks).pipe(packets(), reduce((n) => n + 1, 0)));
}

/** the pipeline: packets in the windows (every packet must reach windowStats, the filter keeps most) */
async function pipeline(chunks: Buffer[]): Promise<number> {
  return lastValueFrom(from(chunks).pipe(
    packets(),
    decode(),
    matchPackets({ host: '198.18.0.0/16', protocol: ['tcp', 'udp'] }),
    windowStats(1000),
    reduce((n, w) => n + w.packets, 0),
  ));
}

/** the stages on their own, to see where the time goes */
async function withDecode(chunks: Buffer[]): Promise<number> {
  return lastValueFrom(from(chunks).pipe(packets(), decode(), reduce((n, p) => n + (p.protocol === 'other' ? 0 : 1), 0)));
}

async function withMatch(chunks: Buffer[]): Promise<number> {
  return lastValueFrom(from(chunks).pipe(packets(), decode(), matchPackets({ host: '198.18.0.0/16', protocol: ['tcp', 'udp'] }), reduce((n) => n + 1, 0)));
}

/** the packets the pipeline's filter keeps: all but the IPv6 one (::, outside 198.18/16) and ARP */
const KEPT = (PACKETS / 8) * 6;

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const chunks = split(capture());
  const contenders: [string, (c: Buffer[]) => Promise<number>, number][] = [
    ['packets() alone', packetsAlone, PACKETS],
    ['packets() → decode()', withDecode, PACKETS],
    ['… → matchPackets', withMatch, KEPT],
    ['… → windowStats (pipeline)', pipeline, KEPT],
  ];
  const times = new Map<string, number[]>();
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, f, expected] of contenders) {
      const start = process.hrtime.bigint();
      const n = await f(chunks);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (n !== expected) throw new Error(`${name}: counted ${n} packets, expected ${expected}`);
      if (round > 0) times.set(name, [...(times.get(name) ?? []), seconds]);
    }
  }
  // Rates are packets read per second: the pipeline reads all PACKETS, whatever its filter keeps.
  const pps = (name: string): number => PACKETS / median(times.get(name)!);
  const alone = pps(contenders[0]![0]);
  const piped = pps(contenders[3]![0]);
  const summary = { bench: 'analysis', packets: PACKETS, rounds: ROUNDS, packets_pps: alone, pipeline_pps: piped, ratio: piped / alone };
  if (json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  process.stdout.write(`analysis: ${PACKETS} packets in ${CHUNK / 1024} KiB chunks, median of ${ROUNDS} interleaved rounds\n`);
  process.stdout.write(`${'pipeline'.padEnd(28)}${'packets/s'.padStart(14)}\n`);
  for (const [name] of contenders) process.stdout.write(`${name.padEnd(28)}${Math.round(pps(name)).toLocaleString('en-US').padStart(14)}\n`);
  process.stdout.write(`ratio (pipeline / packets() alone): ${summary.ratio.toFixed(2)}   targets: ratio >= 0.5, pipeline >= 1,000,000 packets/s\n`);
}
