// Packet payloads (src/nodes/lib/packet-message.ts, held-packet.ts): what the user sees in msg is
// JSON-safe fields with the bytes as a Buffer copy; the packet itself goes along under a symbol
// that JSON and the debug sidebar do not see, and is taken by the next node only while it agrees
// with those fields.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockType, PcapngPacketReader, PcapngReader, PcapngWriter, encodeBlock } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';
import { HeldPacketBlock, fieldInterface, fieldPacket } from '../../../src/nodes/lib/held-packet';
import { PACKET, blockPayload, carriedPacket, packetPayload } from '../../../src/nodes/lib/packet-message';
import { packetsOf, pcapngOf } from '../analysis/packet-fixtures';

function onePacket(): Packet {
  const [p] = packetsOf([{ ms: 1_700_000_000_123.456, src: '198.18.1.1', dst: '198.18.2.1', srcPort: 42001, dstPort: 42002 }], { ifaces: ['eth0'], container: 'csharg-t1(7)' });
  return p!;
}

describe('packetPayload', () => {
  it('gives the packet\'s fields, JSON-safe, and its bytes as a copy', () => {
    const p = onePacket();
    const payload = packetPayload(p);
    assert.equal(payload.interface, 'eth0');
    assert.equal(payload.linkType, p.linkType);
    assert.equal(payload.timestamp, p.timestampMs);
    assert.equal(payload.timestampNs, p.timestampNs!.toString());
    assert.equal(payload.capturedLength, p.capturedLength);
    assert.equal(payload.originalLength, p.originalLength);
    assert.equal(payload.target, 'csharg-t1(7)');
    assert.deepEqual(payload.data, p.data);
    // a copy, not a view into the chunk: changing the chunk leaves the payload as it was
    const before = Buffer.from(payload.data);
    p.data[0]! ^= 0xff;
    assert.deepEqual(payload.data, before);
    assert.notDeepEqual(p.data, before);
    // JSON sees the fields only
    const json = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['capturedLength', 'data', 'interface', 'linkType', 'originalLength', 'target', 'timestamp', 'timestampNs']);
  });

  it('carries the packet: the same bytes (the very Buffer), time and interface', () => {
    const p = onePacket();
    const payload = packetPayload(p);
    const carried = payload[PACKET];
    assert.ok(carried);
    assert.ok(carried.block instanceof HeldPacketBlock);
    assert.equal(carried.data, payload.data);
    assert.equal(carried.timestampNs, p.timestampNs);
    assert.equal(carried.interfaceName, 'eth0');
    assert.equal(carried.iface, p.iface);
    assert.equal(carriedPacket(payload as never), carried);
  });

  it('a held packet\'s block writes the same EPB as the one read', () => {
    const p = onePacket();
    const held = packetPayload(p)[PACKET]!;
    assert.deepEqual(held.block.raw, p.block.raw);
  });
});

describe('carriedPacket: only while it agrees with the fields', () => {
  const edits: [string, (payload: Record<string, unknown>) => void][] = [
    ['other bytes', (m) => { m.data = Buffer.alloc((m.data as Buffer).length, 0xee); }],
    ['bytes cut short', (m) => { m.data = (m.data as Buffer).subarray(1); }],
    ['another interface', (m) => { m.interface = 'eth1'; }],
    ['another time', (m) => { m.timestampNs = '1'; }],
    ['another link type', (m) => { m.linkType = 101; }],
    ['another original length', (m) => { m.originalLength = 9999; }],
  ];
  for (const [what, edit] of edits) {
    it(`not after ${what}`, () => {
      const payload = { ...packetPayload(onePacket()) } as Record<string, unknown>;
      assert.ok(carriedPacket(payload), 'a spread copy still carries it');
      edit(payload);
      assert.equal(carriedPacket(payload), undefined);
    });
  }

  it('still after new Buffer with the same bytes', () => {
    const payload = { ...packetPayload(onePacket()) } as Record<string, unknown>;
    payload.data = Buffer.from(payload.data as Buffer);
    assert.ok(carriedPacket(payload));
  });

  it('not after a JSON round trip (the symbol is gone)', () => {
    const payload = JSON.parse(JSON.stringify(packetPayload(onePacket()))) as Record<string, unknown>;
    assert.equal(carriedPacket(payload), undefined);
  });

  it('not for a symbol that holds something else', () => {
    const payload = { ...packetPayload(onePacket()) } as Record<PropertyKey, unknown>;
    payload[PACKET] = { block: { data: payload.data } };
    assert.equal(carriedPacket(payload), undefined);
  });
});

describe('fieldPacket: packets from fields, without pcapng bytes in between', () => {
  it('gives the fields back exactly, nanoseconds included', () => {
    const iface = fieldInterface(1, 'eth0');
    const data = Buffer.from('0123456789');
    const p = fieldPacket(iface, 1_700_000_000_123_456_789n, 60, data);
    assert.equal(p.timestampNs, 1_700_000_000_123_456_789n);
    assert.equal(p.interfaceName, 'eth0');
    assert.equal(p.linkType, 1);
    assert.equal(p.data, data);
    assert.equal(p.capturedLength, 10);
    assert.equal(p.originalLength, 60);
  });

  it('its interface is the one the pcapng writer writes for a record of the same name and link type, byte for byte', () => {
    for (const name of ['eth0', null]) {
      const written = new PcapngWriter({ littleEndian: true }).write({ interface: name, linkType: 1, timestampNs: 5n, data: Buffer.from([1, 2, 3]), originalLength: 3 });
      const idb = new PcapngReader().push(written).find((b) => b.kind === 'idb');
      assert.ok(idb, 'the writer wrote an IDB');
      assert.deepEqual(fieldInterface(1, name).idb.raw, idb.raw, `interface ${name}`);
    }
  });

  it('its block, written, is a valid EPB the reader reads back', () => {
    const iface = fieldInterface(1, null);
    const p = fieldPacket(iface, 5n, 3, Buffer.from([1, 2, 3]));
    const reader = new PcapngPacketReader();
    const idb = iface.idb.raw;
    const [back] = reader.push(Buffer.concat([encodeBlock({ kind: 'shb', littleEndian: true, endOfOptions: true }), idb, p.block.raw]));
    assert.ok(back);
    assert.equal(back.timestampNs, 5n);
    assert.deepEqual(back.data, Buffer.from([1, 2, 3]));
    assert.equal(back.interfaceName, undefined);
  });
});

describe('blockPayload', () => {
  it('an IDB with its name and link type; an EPB with its packet', () => {
    const reader = new PcapngReader();
    const blocks = reader.push(pcapngOf([{ ms: 1000 }], { ifaces: ['eth0'] }));
    const idb = blocks.find((b) => b.kind === 'idb')!;
    const epb = blocks.find((b) => b.kind === 'epb')!;
    const idbPayload = blockPayload(idb);
    assert.equal(idbPayload.kind, 'idb');
    assert.equal(idbPayload.type, BlockType.IDB);
    assert.equal(idbPayload.interface, 'eth0');
    assert.deepEqual(idbPayload.bytes, idb.raw);
    const [packet] = new PcapngPacketReader().push(pcapngOf([{ ms: 1000 }], { ifaces: ['eth0'] }));
    const epbPayload = blockPayload(epb, packet);
    assert.equal(epbPayload.kind, 'epb');
    assert.equal(epbPayload.packet?.timestamp, 1000);
    assert.ok(epbPayload.packet?.[PACKET]);
  });
});
