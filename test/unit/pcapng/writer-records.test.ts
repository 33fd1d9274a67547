// PcapngWriter as the one place where packets become pcapng blocks: packets given as plain fields
// (PacketRecord, what a Node-RED packet message carries) get the blocks the Node-RED file writer and
// packet intake wrote by hand (one IDB per link type and interface name, ns timestamps, EPBs),
// mixed with read packets, with a bound on interfaces per section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import { OptionCode, PcapngPacketReader, PcapngReader, PcapngWriter, encodeBlock, option, recordBlockLength, recordInterfaceBlock, toPcapngBytes } from '../../../src/core/pcapng';
import type { Block, Packet, PacketRecord } from '../../../src/core/pcapng';
import { toPcapng } from '../../../src/rx/pcapng';

const NS = 1_700_000_000_123_456_789n;

function record(i: number, iface: string | null, linkType = 1): PacketRecord {
  const data = Buffer.alloc(60 + i, i);
  return { interface: iface, linkType, timestampNs: NS + BigInt(i) * 1000n, data, originalLength: data.length + 4 };
}

function readBlocks(bytes: Buffer): Block[] {
  const r = new PcapngReader();
  const out = r.push(bytes);
  r.end();
  return out;
}

function readPackets(bytes: Buffer): Packet[] {
  const r = new PcapngPacketReader();
  const out = r.push(bytes);
  r.end();
  return out;
}

test('records are written as the nodes wrote them by hand: SHB, an IDB per link type and name (ns), EPBs', () => {
  const records = [record(0, 'eth0'), record(1, 'eth1'), record(2, 'eth0'), record(3, null), record(4, 'eth0', 101)];
  const bytes = toPcapngBytes(records, { littleEndian: true, userAppl: 'csharg node-red' });
  // the reference, block by block, as src/nodes/lib/pcapng-file.ts wrote them before
  const idb = (name: string | null, linkType: number): Buffer => encodeBlock({
    kind: 'idb', linkType, snapLen: 0, littleEndian: true, endOfOptions: true,
    options: [...(name ? [option.string(OptionCode.IF_NAME, name)] : []), option.u8(OptionCode.IF_TSRESOL, 9)],
  }, true);
  const epb = (r: PacketRecord, id: number): Buffer => encodeBlock({
    kind: 'epb', interfaceId: id, timestampHigh: Number(r.timestampNs! >> 32n), timestampLow: Number(r.timestampNs! & 0xffffffffn),
    originalLength: r.originalLength, data: r.data, littleEndian: true,
  }, true);
  const expected = Buffer.concat([
    encodeBlock({ kind: 'shb', littleEndian: true, options: [option.string(OptionCode.SHB_USERAPPL, 'csharg node-red')], endOfOptions: true }, true),
    idb('eth0', 1), epb(records[0]!, 0), idb('eth1', 1), epb(records[1]!, 1), epb(records[2]!, 0),
    idb(null, 1), epb(records[3]!, 2), idb('eth0', 101), epb(records[4]!, 3),
  ]);
  assert.ok(bytes.equals(expected));
  assert.ok(recordInterfaceBlock({ interface: 'eth1', linkType: 1 }, true).equals(idb('eth1', 1)));
  const packets = readPackets(bytes);
  assert.deepEqual(packets.map((p) => [p.interfaceName ?? null, p.linkType, p.timestampNs, p.originalLength, p.data.equals(records[packets.indexOf(p)]!.data)]),
    records.map((r) => [r.interface, r.linkType, r.timestampNs, r.originalLength, true]));
  for (const [i, r] of records.entries()) assert.equal(recordBlockLength(r.data.length), epb(r, i).length);
});

test('read packets and records share one writer: each keeps its own interface', () => {
  const source = readPackets(toPcapngBytes([record(0, 'eth0')], { littleEndian: false }));
  const writer = new PcapngWriter();
  const bytes = Buffer.concat([writer.write(source[0]!), writer.write(record(1, 'eth0')), writer.write(source[0]!), writer.end()]);
  assert.equal(writer.interfaceCount, 2);
  const packets = readPackets(bytes);
  assert.deepEqual(packets.map((p) => [p.interfaceId, p.interfaceName, p.timestampNs]), [[0, 'eth0', NS], [1, 'eth0', NS + 1000n], [0, 'eth0', NS]]);
});

test('maxInterfaces: one interface more starts a new section that forgets the others', () => {
  const writer = new PcapngWriter({ maxInterfaces: 2 });
  const bytes = Buffer.concat(['a', 'b', 'a', 'c', 'a'].map((name, i) => writer.write(record(i, name))));
  const blocks = readBlocks(bytes);
  assert.deepEqual(blocks.map((b) => (b.kind === 'idb' ? `idb:${b.name}` : b.kind)), ['shb', 'idb:a', 'epb', 'idb:b', 'epb', 'epb', 'shb', 'idb:c', 'epb', 'idb:a', 'epb']);
  assert.deepEqual(readPackets(bytes).map((p) => `${p.sectionIndex}/${p.interfaceId}/${p.interfaceName}`), ['0/0/a', '0/1/b', '0/0/a', '1/0/c', '1/1/a']);
  assert.throws(() => new PcapngWriter({ maxInterfaces: 0 }), RangeError);
});

test('toPcapng takes records too', async () => {
  const chunks = await lastValueFrom(from([record(0, 'eth0'), record(1, null)]).pipe(toPcapng({ littleEndian: true }), toArray()));
  assert.deepEqual(readPackets(Buffer.concat(chunks)).map((p) => [p.interfaceName, p.timestampNs]), [['eth0', NS], [undefined, NS + 1000n]]);
});
