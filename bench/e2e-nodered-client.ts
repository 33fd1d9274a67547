// The Node-RED client of the e2e benchmark, in a process of its own: the Node-RED runtime (loaded by
// node-red-node-test-helper, its sinon spies removed once the flow runs) with edgeshark-host (the real Packetflix) -> edgeshark-capture (batches) -> packet-stats,
// counting the packets that reach packet-stats by IPv4 protocol.
//   node --import tsx bench/e2e-nodered-client.ts nodered --url URL --target JSON --filter F
// Prints {"event":"started"}, {"event":"progress",...} every 500 ms, and {"event":"done",...} once
// "stop" arrives on stdin (or after five minutes).
import { parseArgs } from 'node:util';
import type { Target } from '../src/core/target';
import hostNode from '../src/nodes/edgeshark-host';
import captureNode from '../src/nodes/edgeshark-capture';
import statsNode from '../src/nodes/packet-stats';
import type { NodeMessage } from '../src/nodes/lib/node-red-api';
import { helper, mustGetNode } from '../test/support/nodered';

const { values } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, target: { type: 'string' }, filter: { type: 'string' } } });
const target = JSON.parse(values.target!) as Target;
const counts = { bytes: 0, packets: 0, udp: 0, tcp: 0, other: 0, windows: 0 };
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
let started = false;
const progress = setInterval(() => say({ event: 'progress', ...counts }), 500);
let finished = false;
function done(extra: { error?: string } = {}): void {
  if (finished) return;
  finished = true;
  clearInterval(progress);
  const r = process.resourceUsage();
  say({ event: 'done', ...counts, ...extra, cpuSeconds: (r.userCPUTime + r.systemCPUTime) / 1e6, maxRssMB: r.maxRSS / 1024 });
  setTimeout(() => process.exit(0), 200);
}

async function main(): Promise<void> {
  await helper.startServer();
  const stored = JSON.stringify({ name: target.name, type: target.type, ...(target.prefix ? { prefix: target.prefix } : {}) });
  await helper.load([hostNode, captureNode, statsNode], [
    { id: 'f1', type: 'tab' },
    { id: 'host', type: 'edgeshark-host', source: 'url', url: values.url, timeout: 30 },
    { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: stored, interfaces: ['eth0'], filter: values.filter ?? '', output: 'batches', batchPackets: 100, batchMs: 200, wires: [['stats']] },
    { id: 'stats', z: 'f1', type: 'packet-stats', windowMs: 1000, topK: 5, wires: [['out']] },
    { id: 'out', z: 'f1', type: 'helper' },
  ]);
  // The test helper wraps every node's methods in sinon spies (a proxy call and a recorded call
  // each, per message); a real Node-RED has none of that: restore the nodes' own methods.
  (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
  mustGetNode('out').on('input', () => counts.windows++);
  mustGetNode('stats').on('input', (msg: NodeMessage) => {
    for (const p of msg.payload as { data: Buffer }[]) {
      const d = p.data;
      counts.packets++;
      counts.bytes += d.length;
      const proto = d.length >= 24 && d[12] === 0x08 && d[13] === 0x00 ? d[23] : -1;
      if (proto === 17) counts.udp++;
      else if (proto === 6) counts.tcp++;
      else counts.other++;
    }
  });
  // started once the server runs our dumpcap: the benchmark waits for that dumpcap by its filter
  if (!started) {
    started = true;
    say({ event: 'started' });
  }
  process.stdin.on('data', (d: Buffer) => {
    if (d.toString().includes('stop')) done();
  });
}

setTimeout(() => done({ error: 'hard time limit' }), 300_000).unref();
main().catch((e: unknown) => done({ error: String(e) }));
