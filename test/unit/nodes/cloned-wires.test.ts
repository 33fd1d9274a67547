// Packets on several wires in Node-RED's own runtime (node-red-node-test-helper): the first wire
// gets the message, every further wire a clone (RED.util.cloneMessage). Both kinds of message must
// be analysed alike, and the clone must still carry its packet (no fields read back into packets)
// and count under one interface per name (packet-stats groups). Packets made as the capture node
// makes them (packetPayload), with one message per batch over several messages.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import decodeNode from '../../../src/nodes/pcapng-decode';
import filterNode from '../../../src/nodes/packet-filter';
import statsNode from '../../../src/nodes/packet-stats';
import type { NodeMessage } from '../../../src/nodes/lib/node-red-api';
import { carriedPacket, packetPayload } from '../../../src/nodes/lib/packet-message';
import type { PacketPayload } from '../../../src/nodes/lib/packet-message';
import { collect, delay, helper, mustGetNode } from '../../support/nodered';
import { TCP_SYN, packetsOf } from '../analysis/packet-fixtures';

const T0 = 1_600_000_000_000; // long ago: packet time only, no live clock
const frames = Array.from({ length: 12 }, (_, i) => ({
  ms: T0 + i * 100, src: '198.18.1.1', dst: '198.18.2.1', proto: i % 3 === 0 ? 'tcp' as const : 'udp' as const, srcPort: 42100 + i, dstPort: 42200, flags: TCP_SYN,
}));

async function until(probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for messages');
    await delay(10);
  }
}

describe('a decoded batch on three wires (the second and third get clones)', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('both filters pass the same packets; the clone still carries them; stats count one eth0', async () => {
    await helper.load([decodeNode, filterNode, statsNode], [
      { id: 'f1', type: 'tab' },
      { id: 'decode', z: 'f1', type: 'pcapng-decode', output: 'batches', wires: [['fa', 'fb', 'stats']] },
      { id: 'fa', z: 'f1', type: 'packet-filter', protocol: 'udp', wires: [['outA']] },
      { id: 'fb', z: 'f1', type: 'packet-filter', protocol: 'udp', wires: [['outB']] },
      { id: 'stats', z: 'f1', type: 'packet-stats', windowMs: 1000, topK: 3, clock: 'packet', wires: [['outS']] },
      { id: 'outA', z: 'f1', type: 'helper' },
      { id: 'outB', z: 'f1', type: 'helper' },
      { id: 'outS', z: 'f1', type: 'helper' },
    ]);
    const a = collect(mustGetNode('outA'));
    const b = collect(mustGetNode('outB'));
    const s = collect(mustGetNode('outS'));
    const payloads = packetsOf(frames, { ifaces: ['eth0'] }).map(packetPayload);
    // three messages, as three batches of one capture
    for (const batch of [payloads.slice(0, 5), payloads.slice(5, 9), payloads.slice(9)]) mustGetNode('decode').receive({ topic: 'csharg-t2', payload: batch });
    await until(() => a.length === 3 && b.length === 3);
    mustGetNode('stats').receive({ topic: 'flush' });
    await until(() => s.length >= 2);

    const items = (msgs: NodeMessage[]): PacketPayload[] => msgs.flatMap((m) => m.payload as PacketPayload[]);
    const [fromA, fromB] = [items(a), items(b)];
    assert.equal(fromA.length, 8, 'the 8 UDP packets');
    assert.equal(JSON.stringify(fromB), JSON.stringify(fromA), 'the same packets on the cloned wire');
    assert.ok(fromB.every((p, i) => p !== fromA[i]), 'wire B got copies');
    assert.ok(fromA.every((p) => carriedPacket(p as never)), 'wire A: each packet carried');
    assert.ok(fromB.every((p) => carriedPacket(p as never)), 'wire B (cloned): each packet still carried');
    assert.deepEqual(fromA.map((p) => (p as unknown as { srcPort: number }).srcPort), frames.filter((f) => f.proto === 'udp').map((f) => f.srcPort));

    const windows = s.map((m) => m.payload as { start: number; packets: number; groups: { iface: string; protocol: string; packets: number }[] });
    assert.equal(windows.reduce((n, w) => n + w.packets, 0), 12);
    for (const w of windows) {
      const ifaces = new Set(w.groups.map((g) => g.iface));
      assert.deepEqual([...ifaces], ['eth0']);
      assert.equal(w.groups.length, new Set(w.groups.map((g) => g.protocol)).size, `one group per protocol in the window at ${w.start}: ${JSON.stringify(w.groups)}`);
    }
  });
});
