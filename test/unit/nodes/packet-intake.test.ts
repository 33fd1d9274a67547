// PacketIntake (src/nodes/lib/packet-intake.ts): what the analysis nodes make of a message's
// payload. A payload that carries its packet is analysed as that packet (its block and bytes, no
// pcapng written and read again); JSON-shaped packets are made into packets from their fields;
// chunks are read per stream; blocks without a packet are skipped. Node-RED's message cloning
// (RED.util.cloneMessage, for every wire after the first) keeps the carried packet usable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DecodedPacket } from '../../../src/core/decode';
import { OptionCode, PcapngPacketReader, PcapngReader, encodeBlock, option } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';
import { HeldPacketBlock } from '../../../src/nodes/lib/held-packet';
import { PacketIntake, decodedFields, decodedPayload } from '../../../src/nodes/lib/packet-intake';
import { PACKET, blockPayload, carriedPacket, packetPayload } from '../../../src/nodes/lib/packet-message';
import type { PacketPayload } from '../../../src/nodes/lib/packet-message';
import { TCP_SYN, packetsOf, pcapngOf } from '../analysis/packet-fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { util: redUtil } = require('@node-red/util') as { util: { cloneMessage<T>(msg: T): T } };

const FRAMES = [
  { ms: 1_700_000_000_000.5, src: '198.18.1.1', dst: '198.18.2.1', proto: 'udp' as const, srcPort: 42001, dstPort: 42002 },
  { ms: 1_700_000_000_001.25, src: '198.18.2.1', dst: '198.18.1.1', proto: 'tcp' as const, srcPort: 42003, dstPort: 42004, flags: TCP_SYN },
];

function capturePayloads(): PacketPayload[] {
  return packetsOf(FRAMES, { ifaces: ['eth0'] }).map(packetPayload);
}

/** What the old intake gave for a packet (and what a reader gives): the figures the operators see. */
function figures(p: DecodedPacket): Record<string, unknown> {
  return { ...decodedFields(p), ns: p.timestampNs, ms: p.timestampMs, iface: p.interfaceName ?? null, linkType: p.linkType, len: p.originalLength, data: Buffer.from(p.data).toString('hex') };
}

function readerFigures(): Record<string, unknown>[] {
  return packetsOf(FRAMES, { ifaces: ['eth0'] }).map((p) => figures(new DecodedPacket(p.block, p.iface)));
}

describe('PacketIntake', () => {
  it('a batch that carries its packets: analysed as those packets, no bytes copied or re-read', () => {
    const batch = capturePayloads();
    const items = new PacketIntake().packets(batch);
    assert.equal(items.length, 2);
    items.forEach((item, i) => {
      assert.equal(item.payload, batch[i], 'the payload object the message holds');
      assert.equal(item.fromChunk, false);
      assert.ok(item.packet.block instanceof HeldPacketBlock, 'the carried block itself');
      assert.equal(item.packet.block, batch[i]![PACKET]!.block);
      assert.equal(item.packet.data, batch[i]!.data, 'the very Buffer of the message');
    });
    assert.deepEqual(items.map((i) => figures(i.packet)), readerFigures());
  });

  it('JSON-shaped packets (a file, a function node): the same figures from their fields', () => {
    const json = JSON.parse(JSON.stringify(capturePayloads())) as unknown[];
    const items = new PacketIntake().packets(json);
    assert.deepEqual(items.map((i) => figures(i.packet)), readerFigures());
    // timestamps in ms only (no timestampNs) are read too
    const msOnly = (json as Record<string, unknown>[]).map(({ timestampNs: _ns, ...rest }) => rest);
    const [first] = new PacketIntake().packets(msOnly[0]);
    assert.equal(first!.packet.timestampMs, FRAMES[0]!.ms);
  });

  it('a payload edited by a function node is analysed as edited', () => {
    const [payload] = capturePayloads();
    const edited = { ...payload!, interface: 'eth9' };
    const [item] = new PacketIntake().packets(edited);
    assert.equal(item!.packet.interfaceName, 'eth9');
    assert.ok(!(item!.packet.block instanceof HeldPacketBlock && item!.packet.block === payload![PACKET]!.block));
  });

  it('chunks: read per stream (msg.topic), their packets as fresh payloads', () => {
    const bytes = pcapngOf(FRAMES, { ifaces: ['eth0'] });
    const intake = new PacketIntake();
    const cut = 40;
    assert.deepEqual(intake.packets(bytes.subarray(0, cut), 'a'), []);
    const other = intake.packets(bytes, 'b');
    assert.equal(other.length, 2);
    const rest = intake.packets(bytes.subarray(cut), 'a');
    assert.deepEqual(rest.map((i) => figures(i.packet)), readerFigures());
    assert.ok(rest.every((i) => i.fromChunk && carriedPacket(i.payload) !== undefined));
  });

  it('blocks: those without a packet are skipped, those with one analysed', () => {
    const blocks = new PcapngReader().push(pcapngOf(FRAMES, { ifaces: ['eth0'] }));
    const packets = packetsOf(FRAMES, { ifaces: ['eth0'] });
    let k = 0;
    const payloads = blocks.map((b) => blockPayload(b, b.kind === 'epb' ? packets[k++] : undefined));
    const items = new PacketIntake().packets(payloads);
    assert.deepEqual(items.map((i) => figures(i.packet)), readerFigures());
  });

  it('something that is no packet: an error naming what came', () => {
    assert.throws(() => new PacketIntake().packets([42]), /expected a packet object, got number/);
    assert.throws(() => new PacketIntake().packets({ interface: 'eth0' }), /needs its bytes in data/);
  });

  it('one interface per name and link type, however the packets came (cloned, captured twice)', () => {
    const intake = new PacketIntake();
    const a = intake.packets(capturePayloads());
    const b = intake.packets(redUtil.cloneMessage({ payload: capturePayloads() }).payload);
    const c = intake.packets(JSON.parse(JSON.stringify(capturePayloads())));
    assert.equal(a[0]!.packet.iface, a[1]!.packet.iface);
    assert.equal(b[0]!.packet.iface, a[0]!.packet.iface, 'a clone\'s interface is the node\'s one');
    // from fields (ns, as the capture's IDB here): the same interface again
    assert.equal(a[0]!.packet.iface.scale.tsresol, 9);
    assert.equal(c[0]!.packet.iface, a[0]!.packet.iface);
  });
});

describe('one interface per name, link type and time unit', () => {
  it('a capture counting in µs keeps its own interface beside the ns one of the same name', () => {
    const data = Buffer.alloc(60);
    data.writeUInt16BE(0x0800, 12);
    const us = Buffer.concat([
      encodeBlock({ kind: 'shb', littleEndian: true, endOfOptions: true }),
      encodeBlock({ kind: 'idb', littleEndian: true, linkType: 1, snapLen: 0, options: [option.string(OptionCode.IF_NAME, 'eth0')], endOfOptions: true }),
      encodeBlock({ kind: 'epb', littleEndian: true, interfaceId: 0, timestampHigh: 0, timestampLow: 1_500_000, originalLength: 60, data }),
    ]);
    const intake = new PacketIntake();
    const [fromFields] = intake.packets({ interface: 'eth0', linkType: 1, timestampNs: '1700000000000000001', data, originalLength: 60 });
    const [fromUs] = intake.packets(new PcapngPacketReader().push(us).map(packetPayload));
    assert.equal(fromUs!.packet.iface.scale.tsresol, 6);
    assert.notEqual(fromUs!.packet.iface, fromFields!.packet.iface);
    assert.equal(fromUs!.packet.timestampMs, 1500);
    assert.equal(fromFields!.packet.timestampNs, 1_700_000_000_000_000_001n);
  });
});

describe('Node-RED\'s message cloning (RED.util.cloneMessage)', () => {
  it('a Buffer becomes a new Buffer object on the same memory, class instances keep their prototype and own fields: the carried packet agrees with the clone', () => {
    const msg = { topic: 't', payload: capturePayloads() };
    const clone = redUtil.cloneMessage(msg);
    const [orig, copy] = [msg.payload[0]!, clone.payload[0]!];
    assert.notEqual(copy, orig);
    // lodash's cloneDeep clones a Buffer with buffer.slice(): a new object, the bytes not copied
    assert.ok(Buffer.isBuffer(copy.data));
    assert.notEqual(copy.data, orig.data);
    assert.equal(copy.data.buffer, orig.data.buffer);
    assert.equal(copy.data.byteOffset, orig.data.byteOffset);
    const carried = copy[PACKET];
    assert.ok(carried, 'the symbol-keyed packet is cloned along (own enumerable symbol)');
    assert.notEqual(carried, orig[PACKET]);
    assert.equal(Object.getPrototypeOf(carried), Object.getPrototypeOf(orig[PACKET]), 'a Packet still');
    assert.ok(carried.block instanceof HeldPacketBlock, 'its block a HeldPacketBlock still');
    assert.notEqual(carried.block.data, copy.data, 'each reference to a Buffer gets its own new object');
    assert.equal(carried.block.data.buffer, copy.data.buffer, 'on the same memory');
    assert.equal(carriedPacket(copy as never), carried);
    assert.equal(carried.timestampNs, orig[PACKET]!.timestampNs, 'getters work on the clone');
    // other objects stay shared within the clone: the batch's two packets share one (cloned) interface
    assert.equal(clone.payload[1]![PACKET]!.iface, carried.iface);
    assert.notEqual(carried.iface, orig[PACKET]!.iface);
    // bytes changed in place (by a function node on either branch) change them for all, packet included
    copy.data[0]! ^= 0xff;
    assert.equal(orig.data[0], copy.data[0]);
    assert.equal(carried.data[0], copy.data[0]);
    assert.equal(carriedPacket(copy as never), carried);
    // JSON of the clone is JSON of the original
    assert.equal(JSON.stringify(clone), JSON.stringify(msg));
  });

  it('a class with private fields does not survive it: why a payload carries a Packet, not a DecodedPacket', () => {
    const [p] = packetsOf(FRAMES, { ifaces: ['eth0'] });
    const decoded = new DecodedPacket(p!.block, p!.iface);
    assert.equal(decoded.protocol, 'udp');
    const { d } = redUtil.cloneMessage({ d: decoded });
    assert.ok(d instanceof DecodedPacket, 'the prototype is kept');
    assert.throws(() => d.protocol, TypeError, 'but its private fields are not copied');
    const plain: Packet = redUtil.cloneMessage({ p }).p!;
    assert.equal(plain.timestampNs, p!.timestampNs, 'a Packet (no private fields) works cloned');
  });
});

describe('decodedPayload', () => {
  it('the payload\'s fields, the decoded ones added, the packet carried for the next node', () => {
    const [item] = new PacketIntake().packets(capturePayloads()[1]);
    const out = decodedPayload(item!);
    assert.equal(out.protocol, 'tcp');
    assert.equal(out.srcPort, 42003);
    assert.deepEqual(out.tcpFlags, ['syn']);
    assert.equal(out.interface, 'eth0');
    const carried = carriedPacket(out as never);
    assert.ok(carried, 'the decode node\'s output still carries its packet');
    const [again] = new PacketIntake().packets(out);
    assert.equal(again!.packet.block, carried.block);
  });

  it('from JSON fields: a Buffer again, and a packet carried from then on', () => {
    const json = JSON.parse(JSON.stringify(capturePayloads()[0])) as Record<string, unknown>;
    const [item] = new PacketIntake().packets(json);
    const out = decodedPayload(item!);
    assert.ok(Buffer.isBuffer(out.data));
    assert.equal(out.timestampNs, capturePayloads()[0]!.timestampNs);
    assert.ok(carriedPacket(out as never));
  });
});
