// Node-RED throughput: batches of packets (as the capture node's batch output sends them) through
// a packet-stats node in a node-red-node-test-helper flow, for N seconds, as fast as the flow
// takes them (a bounded number of batches in flight). Packets come from a generated capture
// replayed with replayPcapng, then repeated with their timestamps moved on, so windows keep
// closing. Reports packets/s, windows, RSS at start and end, and the peak RSS.
// Each packet is made into its message payload as the capture node makes it (packetPayload of the
// packet the pcapng reader gives, timestamp moved on); --fields sends the same payloads as plain
// fields only (as JSON from a file or a function node gives them, no packet carried along).
//   npm run bench -- nodered [--seconds N] [--batch N] [--fields] [--json]

import { lastValueFrom, toArray } from 'rxjs';
import { OptionCode, Packet, encodeBlock, option } from '../src/core/pcapng';
import type { EnhancedPacketBlock } from '../src/core/pcapng';
import { replayPcapng } from '../src/rx/replay';
import statsNode from '../src/nodes/packet-stats';
import { packetPayload } from '../src/nodes/lib/packet-message';
import type { PacketPayload } from '../src/nodes/lib/packet-message';
import type { NodeMessage } from '../src/nodes/lib/node-red-api';
import { helper, mustGetNode } from '../test/support/nodered';

const TEMPLATE_PACKETS = 8_000;
/** one packet every 10 µs of packet time: 100 000 packets per second of packet time */
const STEP_NS = 10_000n;
const IN_FLIGHT = 16;

function frame(src: number, dst: number, protocol: number, sport: number, dport: number, payload: number): Buffer {
  const l4 = Buffer.alloc((protocol === 6 ? 20 : 8) + payload);
  l4.writeUInt16BE(sport, 0);
  l4.writeUInt16BE(dport, 2);
  if (protocol === 6) l4[12] = 0x50;
  else l4.writeUInt16BE(l4.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip[8] = 64;
  ip[9] = protocol;
  ip.writeUInt32BE(src, 12);
  ip.writeUInt32BE(dst, 16);
  return Buffer.concat([Buffer.alloc(12, 2), Buffer.from([0x08, 0x00]), ip, l4]);
}

function generatedCapture(): Buffer {
  const a = 0xc6120101; // 198.18.1.1
  const b = 0xc6120201; // 198.18.2.1
  const mix = [frame(a, b, 17, 27001, 27002, 100), frame(b, a, 6, 27003, 27004, 1400), frame(a, b, 6, 27004, 27003, 0), frame(a + 1, b, 17, 27005, 27006, 500)];
  const parts = [
    encodeBlock({ kind: 'shb', littleEndian: true, endOfOptions: true }),
    encodeBlock({ kind: 'idb', littleEndian: true, linkType: 1, snapLen: 262144, options: [option.string(OptionCode.IF_NAME, 'eth0'), option.u8(OptionCode.IF_TSRESOL, 9)], endOfOptions: true }),
  ];
  let ns = 1_700_000_000_000_000_000n;
  for (let i = 0; i < TEMPLATE_PACKETS; i++) {
    const data = mix[i % mix.length]!;
    ns += STEP_NS;
    parts.push(encodeBlock({ kind: 'epb', littleEndian: true, interfaceId: 0, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn), originalLength: data.length, data }));
  }
  return Buffer.concat(parts);
}

/** The payload's fields alone, as JSON read back gives them (no packet carried along). */
function fieldsOf(p: PacketPayload): PacketPayload {
  const { interface: iface, linkType, timestamp, timestampNs, capturedLength, originalLength, data, target } = p;
  return { interface: iface, linkType, timestamp, timestampNs, capturedLength, originalLength, data, target };
}

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name}: expected a number > 0`);
  return v;
}

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export async function run(args: string[]): Promise<void> {
  const json = args.includes('--json');
  const seconds = argValue(args, '--seconds', 10);
  const batch = Math.round(argValue(args, '--batch', 100));
  const fieldsOnly = args.includes('--fields');
  const templates: Packet[] = await lastValueFrom(replayPcapng(generatedCapture(), { speed: 'max' }).pipe(toArray()));
  const spanNs = BigInt(templates.length) * STEP_NS;
  // each template's EPB as plain fields, so that a packet of a later round is one object spread
  const blocks: EnhancedPacketBlock[] = templates.map((t) => {
    const b = t.block as EnhancedPacketBlock;
    return {
      kind: 'epb', type: b.type, offset: b.offset, littleEndian: b.littleEndian, raw: b.raw, interfaceId: b.interfaceId,
      timestampHigh: b.timestampHigh, timestampLow: b.timestampLow, capturedLength: b.capturedLength, originalLength: b.originalLength,
      data: b.data, iface: t.iface, options: b.options, endOfOptions: b.endOfOptions, comments: b.comments, flags: b.flags,
      hash: b.hash, dropCount: b.dropCount, packetId: b.packetId, queue: b.queue, verdicts: b.verdicts,
    };
  });

  await helper.startServer();
  try {
    await helper.load([statsNode], [
      { id: 'f1', type: 'tab' },
      { id: 'stats', z: 'f1', type: 'packet-stats', windowMs: 1000, topK: 5, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ]);
    const stats = mustGetNode('stats');
    let handled = 0;
    let windows = 0;
    let windowPackets = 0;
    stats.on('input', (msg: NodeMessage) => { handled += (msg.payload as unknown[]).length; });
    mustGetNode('out').on('input', (msg: NodeMessage) => {
      windows++;
      windowPackets += (msg.payload as { packets: number }).packets;
    });

    const rssStart = process.memoryUsage().rss;
    let rssPeakSampled = rssStart;
    // The test helper's sinon spies record every logged metric with a captured stack (which keeps
    // each message alive); a real Node-RED keeps none of that, so the bench forgets them.
    const spies = (helper as unknown as { _sandbox: { resetHistory(): void } })._sandbox;
    const sampler = setInterval(() => {
      spies.resetHistory();
      rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage().rss);
    }, 250);
    let sent = 0;
    let next = 0;
    let round = 0n;
    const makeBatch = (): PacketPayload[] => {
      const out: PacketPayload[] = [];
      for (let i = 0; i < batch; i++) {
        const t = templates[next]!;
        // the template's block with its time moved on by whole rounds (the interface counts ns)
        const ns = t.timestampNs! + round * spanNs;
        const block: EnhancedPacketBlock = { ...blocks[next]!, timestampHigh: Number(ns >> 32n), timestampLow: Number(ns & 0xffffffffn) };
        // fresh objects and bytes per packet, as a capture node makes them
        const payload = packetPayload(new Packet(block, t.iface));
        out.push(fieldsOnly ? fieldsOf(payload) : payload);
        if (++next === templates.length) {
          next = 0;
          round++;
        }
      }
      return out;
    };
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const end = started + seconds * 1000;
    while (performance.now() < end) {
      if (sent - handled < IN_FLIGHT * batch) {
        stats.receive({ topic: 'bench', payload: makeBatch() });
        sent += batch;
      }
      // messages arrive from the event loop, as from a capture node: let Node-RED run in between
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (handled < sent) await new Promise((resolve) => setImmediate(resolve));
    // the windows the last packets closed are on their way to the helper node
    await new Promise((resolve) => setTimeout(resolve, 100));
    const elapsed = (performance.now() - started) / 1000;
    // CPU time of this process (user + system): on a busy machine a fairer base than the wall clock
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    clearInterval(sampler);
    const rssEnd = process.memoryUsage().rss;
    const result = {
      bench: 'nodered',
      seconds: Math.round(elapsed * 10) / 10,
      batch,
      payloads: fieldsOnly ? 'fields' : 'capture',
      packets: handled,
      packetsPerSecond: Math.round(handled / elapsed),
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      packetsPerCpuSecond: Math.round(handled / cpuSeconds),
      windows,
      windowPackets,
      rssStartMB: mb(rssStart),
      rssEndMB: mb(rssEnd),
      peakRssMB: Math.max(mb(rssPeakSampled), Math.round(process.resourceUsage().maxRSS / 1024)),
    };
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(`packet-stats in Node-RED (test helper), batches of ${batch}${fieldsOnly ? ' (fields only)' : ''}, ${result.seconds} s\n`);
      process.stdout.write(`  ${result.packets} packets, ${result.packetsPerSecond} packets/s, ${windows} windows (${windowPackets} packets in closed windows)\n`);
      process.stdout.write(`  ${result.cpuSeconds} s CPU: ${result.packetsPerCpuSecond} packets per CPU second\n`);
      process.stdout.write(`  RSS ${result.rssStartMB} MB at start, ${result.rssEndMB} MB at end, peak ${result.peakRssMB} MB\n`);
    }
    await helper.unload();
  } finally {
    await helper.stopServer();
  }
}
