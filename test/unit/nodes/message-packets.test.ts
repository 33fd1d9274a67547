// message-packets.ts: the pcapng-write node's packets out of a message, whatever form it has:
// a chunk (read per stream), one packet, a batch, a block with its packet; packets as JSON too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureRequestError } from '../../../src/core/errors';
import { PcapngReader } from '../../../src/core/pcapng';
import { MessagePackets, recordOf } from '../../../src/nodes/lib/message-packets';
import { blockPayload, packetPayload } from '../../../src/nodes/lib/packet-message';
import { packetsOf, pcapngOf } from '../analysis/packet-fixtures';

const FRAMES = [{ ms: 1_700_000_000_000.25 }, { ms: 1_700_000_000_001.5 }];

describe('recordOf', () => {
  it('a packet payload, also after JSON (Buffer as {type, data}), also inside a block payload', () => {
    const [p] = packetsOf(FRAMES, { ifaces: ['eth0'] });
    const payload = packetPayload(p!);
    const expected = { interface: 'eth0', linkType: 1, timestampNs: p!.timestampNs, data: payload.data, originalLength: p!.originalLength };
    assert.deepEqual(recordOf(payload), expected);
    assert.deepEqual(recordOf(JSON.parse(JSON.stringify(payload))), expected);
    assert.deepEqual(recordOf({ packet: payload }), expected);
  });

  it('a time in ms only; no time at all; defaults for link type and lengths', () => {
    const data = Buffer.from([1, 2, 3]);
    assert.equal(recordOf({ data, timestamp: 1.5 }).timestampNs, 1_500_000n);
    assert.deepEqual(recordOf({ data }), { interface: null, linkType: 1, timestampNs: null, data, originalLength: 3 });
  });

  it('no object, no bytes: a CaptureRequestError', () => {
    assert.throws(() => recordOf('x'), (e: unknown) => e instanceof CaptureRequestError && /got string/.test(e.message));
    assert.throws(() => recordOf([]), /got array/);
    assert.throws(() => recordOf({ data: 'abc' }), /needs its bytes in data/);
  });
});

describe('MessagePackets', () => {
  it('chunks are read per stream, whatever their cut', () => {
    const bytes = pcapngOf(FRAMES, { ifaces: ['eth0'] });
    const m = new MessagePackets();
    const a1 = m.records(bytes.subarray(0, 50), 'a');
    const b = m.records(bytes, 'b');
    const a2 = m.records(bytes.subarray(50), 'a');
    assert.equal(b.length, 2);
    assert.deepEqual([...a1, ...a2].map((r) => r.timestampNs), b.map((r) => r.timestampNs));
  });

  it('a batch, one packet, a block with a packet, a block without', () => {
    const packets = packetsOf(FRAMES, { ifaces: ['eth0'] });
    const m = new MessagePackets();
    assert.equal(m.records(packets.map(packetPayload)).length, 2);
    assert.equal(m.records(packetPayload(packets[0]!)).length, 1);
    const blocks = new PcapngReader().push(pcapngOf(FRAMES, { ifaces: ['eth0'] }));
    assert.deepEqual(m.records(blockPayload(blocks[0]!)), []);
    const epb = blocks.find((b) => b.kind === 'epb')!;
    assert.equal(m.records(blockPayload(epb, packets[0])).length, 1);
  });
});
