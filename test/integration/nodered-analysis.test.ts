// The analysis nodes in Node-RED 4.1, on real captures: dumpcap records bed traffic into a file,
// pcapng-replay (max speed) feeds it through pcapng-decode → packet-filter → packet-stats, and the
// counts match what the generator sent and what tshark reads in the file; a real port scan
// (200 TCP connects t1 → t2), captured and replayed through packet-alert, raises exactly one alert
// with JSON-safe evidence; rules that cannot work reach a Catch node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { TestContext } from 'node:test';
import replayNode from '../../src/nodes/pcapng-replay';
import decodeNode from '../../src/nodes/pcapng-decode';
import filterNode from '../../src/nodes/packet-filter';
import statsNode from '../../src/nodes/packet-stats';
import alertNode from '../../src/nodes/packet-alert';
import type { NodeMessage } from '../../src/nodes/lib/node-red-api';
import { collect, delay, helper, mustGetNode, nextMessage, waitForStatus } from '../support/nodered';
import type { TestNode } from '../support/nodered';
import { bedAddress, bedNamespace, dumpcapCapture, requireBed, sendUdp, tcpExchange, tsharkFields, portScan } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const NODES = [replayNode, decodeNode, filterNode, statsNode, alertNode];

const UDP_PORT = 27001;
const TCP_PORT = 27002;
const SCAN_FIRST_PORT = 27100;
const SCAN_PORTS = 200;

interface DecodedMessagePacket {
  protocol: string; src: string | null; dst: string | null; srcPort: number | null; dstPort: number | null;
  tcpFlags: string[] | null; malformed: string[]; originalLength: number; data: Buffer; timestampNs: string | null;
}

interface StatsPayload {
  start: number; complete: boolean; packets: number; bytes: number; pps: number; bps: number;
  groups: { iface: string; protocol: string; packets: number; bytes: number }[];
  talkers: { address: string; packets: number; bytes: number }[];
}

/** Records t2's eth0 with dumpcap into a file while `traffic` runs. */
async function recordT2(t: TestContext, bed: BedEnv, filter: string, traffic: () => Promise<void>): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-nr-analysis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'capture.pcapng');
  const run = dumpcapCapture({ ns: bedNamespace(bed, 't2').name, ifaces: ['eth0'], filter });
  const out = createWriteStream(file);
  run.stdout.pipe(out);
  t.after(() => run.stop());
  await run.started;
  await delay(300);
  await traffic();
  await delay(500);
  await run.stop();
  await finished(out);
  return file;
}

/** Counts the messages a node takes in (the listener runs beside the node's own). */
function countInputs(node: TestNode): { count: number } {
  const counter = { count: 0 };
  node.on('input', () => { counter.count++; });
  return counter;
}

/** Starts the replay; resolves when it has sent the whole file (its status turns grey). */
async function replayed(replay: TestNode): Promise<void> {
  const done = waitForStatus(replay, (s) => s.fill === 'grey', 60_000);
  replay.receive({ payload: 'go' });
  await done;
}

async function packetsIn(file: string): Promise<number> {
  return (await tsharkFields(file, ['frame.number'])).length;
}

async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); await delay(20)) {
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms`);
  }
}

describe('analysis nodes on real captures', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('replay → decode → filter → stats: the UDP and TCP counts match what was sent and what tshark reads', { timeout: 180_000 }, async (t) => {
    const bed = await requireBed(t);
    if (!bed) return;
    const t1 = bedAddress(bed, 't1');
    const t2 = bedAddress(bed, 't2');
    let udpSent = 0;
    const file = await recordT2(t, bed, 'portrange 27000-27099', async () => {
      udpSent = (await sendUdp({ from: 't1', to: 't2', count: 300, rate: 2000, size: 120, port: UDP_PORT })).sent;
      await tcpExchange({ from: 't1', to: 't2', bytes: 100_000, port: TCP_PORT });
    });
    assert.equal(udpSent, 300);
    const udpInFile = await tsharkFields(file, ['frame.len'], ['-Y', `udp.dstport == ${UDP_PORT}`]);
    const tcpInFile = await tsharkFields(file, ['tcp.flags.syn'], ['-Y', `tcp.port == ${TCP_PORT}`]);
    assert.equal(udpInFile.length, udpSent, 'dumpcap recorded every datagram');

    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'replay', z: 'f1', type: 'pcapng-replay', filename: file, speed: 'max', wires: [['decode']] },
      { id: 'decode', z: 'f1', type: 'pcapng-decode', output: 'packets', wires: [['udp-filter', 'tcp-filter']] },
      { id: 'udp-filter', z: 'f1', type: 'packet-filter', protocol: 'udp', src: '198.18.1.0/30', dstPort: String(UDP_PORT), wires: [['udp-out', 'stats']] },
      { id: 'tcp-filter', z: 'f1', type: 'packet-filter', protocol: 'tcp', host: t2, port: String(TCP_PORT), iface: 'eth0', wires: [['tcp-out']] },
      { id: 'stats', z: 'f1', type: 'packet-stats', windowMs: 1000, topK: 3, wires: [['stats-out']] },
      { id: 'udp-out', z: 'f1', type: 'helper' },
      { id: 'tcp-out', z: 'f1', type: 'helper' },
      { id: 'stats-out', z: 'f1', type: 'helper' },
      // the same file as pcapng chunks (as the capture node's chunk output), decoded in batches
      { id: 'chunk-decode', z: 'f1', type: 'pcapng-decode', output: 'batches', wires: [['chunk-filter']] },
      { id: 'chunk-filter', z: 'f1', type: 'packet-filter', protocol: 'udp', dst: t2, port: String(UDP_PORT), wires: [['chunk-out']] },
      { id: 'chunk-out', z: 'f1', type: 'helper' },
    ]);
    const udpOut = collect(mustGetNode('udp-out'));
    const tcpOut = collect(mustGetNode('tcp-out'));
    const statsOut = collect(mustGetNode('stats-out'));
    const decoded = countInputs(mustGetNode('udp-filter'));
    const total = await packetsIn(file);
    await replayed(mustGetNode('replay'));
    await until('decoded packets at the filter', () => decoded.count === total);
    // the last window leaves when the stats node has seen no packet for a while (complete: false)
    await until('the last, flushed window', () => statsOut.some((m) => (m.payload as StatsPayload).complete === false));

    const udp = udpOut.map((m) => m.payload as DecodedMessagePacket);
    assert.equal(udp.length, udpSent, 'the UDP filter passed every datagram sent');
    for (const p of udp) {
      assert.deepEqual([p.protocol, p.src, p.dst, p.dstPort, p.malformed], ['udp', t1, t2, UDP_PORT, []]);
      assert.ok(Buffer.isBuffer(p.data) && typeof p.timestampNs === 'string');
    }
    const tcp = tcpOut.map((m) => m.payload as DecodedMessagePacket);
    assert.equal(tcp.length, tcpInFile.length, 'the TCP filter passed every segment of the exchange');
    assert.ok(tcp.every((p) => p.protocol === 'tcp' && (p.srcPort === TCP_PORT || p.dstPort === TCP_PORT)));
    assert.equal(tcp.filter((p) => p.tcpFlags?.includes('syn')).length, tcpInFile.filter(([syn]) => syn === '1' || syn === 'True').length, 'SYNs as tshark sees them');

    const windows = statsOut.map((m) => m.payload as StatsPayload);
    assert.equal(windows.reduce((n, w) => n + w.packets, 0), udpSent, 'the windows count every datagram once');
    assert.equal(windows.reduce((n, w) => n + w.bytes, 0), udpInFile.reduce((n, [len]) => n + Number(len), 0), 'bytes on the wire as tshark reads them');
    for (const w of windows.filter((x) => x.packets > 0)) {
      assert.deepEqual(w.groups.map((g) => [g.iface, g.protocol, g.packets]), [['eth0', 'udp', w.packets]]);
      assert.deepEqual(w.talkers.map((x) => x.address), [t1]);
      assert.equal(w.pps, w.packets / 1);
    }
    // windows follow each other on packet time, each starting where the last ended
    windows.forEach((w, i) => { if (i > 0) assert.equal(w.start, windows[i - 1]!.start + 1000); });

    // Chunks: batches in, the filter keeps the matching packets of each batch.
    const chunkOut = collect(mustGetNode('chunk-out'));
    let atFilter = 0;
    mustGetNode('chunk-filter').on('input', (msg: NodeMessage) => { atFilter += (msg.payload as unknown[]).length; });
    const bytes = readFileSync(file);
    for (let o = 0; o < bytes.length; o += 4096) mustGetNode('chunk-decode').receive({ topic: 'file', payload: bytes.subarray(o, o + 4096) });
    await until('every packet of the chunks at the filter', () => atFilter === total);
    await delay(100); // the filter's last batch is on its way to `chunk-out`
    const batches = chunkOut.map((m) => m.payload as DecodedMessagePacket[]);
    assert.ok(batches.every((b) => Array.isArray(b) && b.length > 0), 'batches, none empty');
    const fromChunks = batches.flat();
    assert.equal(fromChunks.length, udpSent, 'the batches hold every datagram once');
    assert.deepEqual(fromChunks.map((p) => p.timestampNs), udp.map((p) => p.timestampNs), 'in capture order, same timestamps as the replay');
    assert.ok(fromChunks.every((p) => p.protocol === 'udp' && p.dstPort === UDP_PORT && Buffer.isBuffer(p.data)));
  });

  it('a real port scan, captured and replayed through packet-alert, raises exactly one alert with its evidence', { timeout: 180_000 }, async (t) => {
    const bed = await requireBed(t);
    if (!bed) return;
    const t1 = bedAddress(bed, 't1');
    const t2 = bedAddress(bed, 't2');
    const file = await recordT2(t, bed, `tcp portrange ${SCAN_FIRST_PORT}-${SCAN_FIRST_PORT + SCAN_PORTS - 1}`, async () => {
      await portScan(bed, { from: 't1', to: 't2', firstPort: SCAN_FIRST_PORT, count: SCAN_PORTS });
    });
    const synsInFile = await tsharkFields(file, ['tcp.dstport'], ['-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0']);
    assert.ok(synsInFile.length >= SCAN_PORTS, `every scan SYN was recorded (${synsInFile.length})`);

    t.after(() => helper.unload());
    await helper.load(NODES, [
      { id: 'f1', type: 'tab' },
      { id: 'replay', z: 'f1', type: 'pcapng-replay', filename: file, speed: 'max', wires: [['alert']] },
      { id: 'alert', z: 'f1', type: 'packet-alert', ruleKind: 'port-scan', ruleName: 'scan', ports: '100', withinMs: '5000', probes: 'tcp-syn', evidence: '10', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ]);
    const out = collect(mustGetNode('out'));
    const alert = mustGetNode('alert');
    const fed = countInputs(alert);
    const alertStatus = waitForStatus(alert, (s) => s.fill === 'yellow', 60_000);
    const total = await packetsIn(file);
    await replayed(mustGetNode('replay'));
    await until('every packet at the alert node', () => fed.count === total);
    await alertStatus;
    await delay(200); // an alert message sent by the last packet is on its way to `out`

    assert.equal(out.length, 1, `exactly one alert: ${out.map((m) => JSON.stringify((m.payload as { message: string }).message)).join('; ')}`);
    const msg = out[0]!;
    const payload = msg.payload as { kind: string; rule: string; at: number; details: { src: string; ports: number }; evidence: DecodedMessagePacket[] };
    assert.equal(msg.topic, 'scan');
    assert.equal(payload.kind, 'port-scan');
    assert.equal(payload.details.src, t1);
    assert.ok(payload.details.ports > 100);
    assert.equal(payload.evidence.length, 10);
    for (const p of payload.evidence) {
      assert.deepEqual([p.src, p.dst, p.tcpFlags], [t1, t2, ['syn']]);
      assert.ok(p.dstPort! >= SCAN_FIRST_PORT && p.dstPort! < SCAN_FIRST_PORT + SCAN_PORTS);
      assert.ok(Buffer.isBuffer(p.data) && p.data.length === p.originalLength);
    }
    assert.ok(payload.at >= Number(BigInt(payload.evidence[0]!.timestampNs!) / 1_000_000n));
    // JSON-safe: survives a JSON round trip (no BigInt, no views)
    assert.equal((JSON.parse(JSON.stringify(payload)) as { evidence: unknown[] }).evidence.length, 10);
  });

  for (const [label, node] of [
    ['packet-alert without a window', { type: 'packet-alert', ruleKind: 'threshold', metric: 'pps', windowMs: 'soon', above: '10' }],
    ['packet-alert of an unknown kind', { type: 'packet-alert', ruleKind: 'sometimes' }],
    ['packet-filter with a malformed prefix', { type: 'packet-filter', host: '198.18.300.0/24' }],
    ['packet-stats with a zero window', { type: 'packet-stats', windowMs: 0, topK: 3 }],
  ] as const) {
    it(`bad configuration reaches a Catch node: ${label}`, async (t) => {
      t.after(() => helper.unload());
      await helper.load(NODES, [
        { id: 'f1', type: 'tab' },
        { id: 'bad', z: 'f1', ...node, wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
        { id: 'catcher', z: 'f1', type: 'catch', scope: null, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      ]);
      const out = collect(mustGetNode('out'));
      const caught = nextMessage(mustGetNode('caught'));
      mustGetNode('bad').receive({ payload: { interface: 'eth0', linkType: 1, timestamp: 1, data: Buffer.alloc(60), originalLength: 60 } });
      const msg: NodeMessage = await caught;
      const error = msg.error as { message: string; source: { id: string } };
      assert.equal(error.source.id, 'bad');
      assert.match(error.message, /windowMs|kind|198\.18\.300|window/);
      assert.equal(out.length, 0);
    });
  }
});
