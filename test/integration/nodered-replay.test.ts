// pcapng-replay in Node-RED 4.1: a file the pcapng-write machinery made comes back packet by
// packet with its bytes and exact timestamps; a file that is not pcapng reaches a Catch node.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import replayNode from '../../src/nodes/pcapng-replay';
import { RotatingPcapngFile } from '../../src/nodes/lib/pcapng-file';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import { collect, helper, mustGetNode, nextMessage, statusText, waitForStatus } from '../support/nodered';

function flow(filename: string): object[] {
  return [
    { id: 'f1', type: 'tab' },
    { id: 'replay', z: 'f1', type: 'pcapng-replay', filename, speed: 'max', wires: [['out']] },
    { id: 'out', z: 'f1', type: 'helper' },
    { id: 'catcher', z: 'f1', type: 'catch', scope: null, wires: [['caught']] },
    { id: 'caught', z: 'f1', type: 'helper' },
  ];
}

describe('pcapng-replay node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it('replays every packet of a file with its bytes and nanosecond timestamps', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'csharg-replay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'three.pcapng');
    const writer = new RotatingPcapngFile(file, { maxBytes: 0, maxAgeMs: 0 });
    const base = 1_700_000_000_123_456_789n;
    for (let i = 0; i < 3; i++) {
      writer.write({ interface: i === 2 ? 'lo' : 'eth0', linkType: 1, timestampNs: base + BigInt(i) * 1000n, data: Buffer.from([i, i, i, 0xff]), originalLength: 60 });
    }
    writer.close();
    t.after(() => helper.unload());
    await helper.load([replayNode], flow(file));
    const replay = mustGetNode('replay');
    const out = collect(mustGetNode('out'));
    const done = waitForStatus(replay, (s) => statusText(s).includes('done'));
    replay.receive({ payload: 'go' });
    await done;
    const packets = out.map((m) => m.payload as PacketPayload);
    assert.deepEqual(packets.map((p) => p.timestampNs), ['1700000000123456789', '1700000000123457789', '1700000000123458789']);
    assert.deepEqual(packets.map((p) => p.interface), ['eth0', 'eth0', 'lo']);
    assert.deepEqual(packets.map((p) => [...p.data]), [[0, 0, 0, 255], [1, 1, 1, 255], [2, 2, 2, 255]]);
    assert.ok(packets.every((p) => p.originalLength === 60 && p.capturedLength === 4));
  });

  it('a file that is not pcapng reaches a Catch node naming the file', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'csharg-replay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'not.pcapng');
    writeFileSync(file, 'this is no capture file at all, just text');
    t.after(() => helper.unload());
    await helper.load([replayNode], flow(file));
    const caught = nextMessage(mustGetNode('caught'));
    mustGetNode('replay').receive({});
    const msg = await caught;
    assert.ok((msg.error as { message: string }).message.includes(file));
  });
});
