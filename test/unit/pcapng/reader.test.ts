import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngReader, packetOf } from '../../../src/core/pcapng';
import type { Block, Packet } from '../../../src/core/pcapng';
import { chunked } from './build';
import { EPOCH_S, sample } from './sample';
import { readAll } from './summary';

function readBlocks(bytes: Buffer, sizes?: number[]): Block[] {
  const reader = new PcapngReader();
  const blocks = sizes ? chunked(bytes, sizes).flatMap((c) => reader.push(c)) : reader.push(bytes);
  reader.end();
  return blocks;
}

function find<K extends Block['kind']>(blocks: Block[], kind: K, nth = 0): Extract<Block, { kind: K }> {
  const found = blocks.filter((b): b is Extract<Block, { kind: K }> => b.kind === kind)[nth];
  assert.ok(found, `no ${kind} #${nth}`);
  return found;
}

for (const le of [true, false]) {
  const order = le ? 'little-endian' : 'big-endian';

  test(`${order}: every block type, with its fields and options decoded`, () => {
    const s = sample(le);
    const blocks = readBlocks(s.bytes);
    assert.deepEqual(blocks.map((b) => b.kind), s.kinds);
    assert.equal(blocks.reduce((n, b) => n + b.raw.length, 0), s.bytes.length);

    const header = find(blocks, 'shb');
    assert.equal(header.littleEndian, le);
    assert.equal(header.sectionLength, -1n);
    assert.deepEqual([header.hardware, header.os, header.userAppl], ['hw', 'os', 'app']);
    assert.deepEqual(header.target, {
      'container-name': 'default/nginx "x"', 'container-type': 'pod', 'node-name': 'node-1', cluster: { uid: 'abc-123' },
      'capture-filter': 'tcp port 80', 'no-promiscuous-mode': true,
    });

    const eth0 = find(blocks, 'idb');
    assert.deepEqual([eth0.name, eth0.description, eth0.tsresol, eth0.tsOffset, eth0.os, eth0.fcsLen, eth0.speed, eth0.snapLen],
      ['eth0', 'first', 9, -5n, 'Linux', 4, 10_000_000_000n, 100]);
    assert.deepEqual(eth0.filter, { type: 0, value: Buffer.from('tcp') });
    assert.equal(find(blocks, 'idb', 1).tsresol, 6, 'default resolution is microseconds');

    const e = find(blocks, 'epb');
    assert.deepEqual([e.flags, e.hash?.toString('hex'), e.dropCount, e.packetId, e.queue, e.comments],
      [1, '02deadbeef', 7n, 99n, 3, ['a comment']]);
    assert.equal(e.verdicts.length, 1);
    const customOption = e.options.find((o) => o.code === 2989);
    assert.equal(customOption?.value.length, 7, 'custom options kept raw');

    const p = find(blocks, 'pb');
    assert.deepEqual([p.interfaceId, p.dropsCount, p.flags, p.capturedLength], [1, 4, 2, 33]);

    const names = find(blocks, 'nrb');
    assert.deepEqual(names.records.map((r) => [r.type, r.address, r.names]), [
      [1, '10.0.0.1', ['a.example', 'b.example']],
      [2, 'fe80:0:0:0:0:0:0:1', ['c.example']],
    ]);
    assert.equal(names.dnsName, 'dns.example');

    const stats = find(blocks, 'isb');
    assert.deepEqual([stats.startTime, stats.ifRecv, stats.ifDrop, stats.endTime], [(1n << 32n) | 2n, 1000n, 3n, undefined]);

    const secrets = find(blocks, 'dsb');
    assert.deepEqual([secrets.secretsType, secrets.secretsData.toString()], [0x544c534b, 'CLIENT_RANDOM x y\n']);

    const copyable = find(blocks, 'custom');
    const private_ = find(blocks, 'custom', 1);
    assert.deepEqual([copyable.copyable, copyable.pen, copyable.payload.toString()], [true, 32473, 'copy me!']);
    assert.deepEqual([private_.copyable, private_.payload.toString()], [false, 'keep']);

    const unknown = find(blocks, 'unknown');
    assert.deepEqual([unknown.type, unknown.body.toString()], [0x80000001, 'ABCD']);

    const second = find(blocks, 'shb', 1);
    assert.equal(second.littleEndian, !le);
    assert.equal(second.sectionIndex, 1);
    assert.equal(find(blocks, 'idb', 2).interfaceId, 0, 'a new section starts its interfaces at 0');
  });

  test(`${order}: packets carry interface, link type, exact timestamps, lengths and target`, () => {
    const s = sample(le);
    const packets = readBlocks(s.bytes).map(packetOf).filter((p): p is Packet => p !== undefined);
    assert.deepEqual(packets.map((p) => ({ ts: p.timestampNs, iface: p.interfaceName, caplen: p.capturedLength, len: p.originalLength, linktype: p.linkType })), s.packets);
    for (const [i, p] of packets.entries()) {
      const ns = s.packets[i]!.ts;
      if (ns === null) assert.equal(p.timestampMs, null);
      else assert.ok(Math.abs(p.timestampMs! - Number(ns) / 1e6) < 0.001, `timestampMs of packet ${i}`);
      assert.equal(p.data.length, p.capturedLength);
    }
    assert.equal(packets[0]!.target?.['container-name'], 'default/nginx "x"');
    assert.equal(packets[4]!.target, undefined, 'the second section has no target information');
    assert.equal(packets[0]!.dropCount, 7n);
    assert.equal(packets[3]!.dropCount, 4n);
    assert.deepEqual(packets[0]!.comments, ['a comment']);
    assert.ok(packets[4]!.timestampNs! > EPOCH_S * 1_000_000_000n);
  });

  test(`${order}: 1-byte, 7-byte and random chunkings read the same as one chunk`, () => {
    const bytes = sample(le).bytes;
    const whole = readAll([bytes]);
    assert.equal(whole.error, undefined);
    assert.equal(whole.packets.length, 5);
    const sizes = Array.from({ length: 50 }, (_, i) => ((i * 7919) % 97) + 1);
    for (const chunks of [chunked(bytes, [1]), chunked(bytes, [7]), chunked(bytes, sizes), chunked(bytes, [0, 3, 0, 200])]) {
      assert.deepEqual(readAll(chunks), whole);
    }
  });
}

test('a block inside one chunk is a view of that chunk (no copy)', () => {
  const bytes = sample(true).bytes;
  const blocks = readBlocks(bytes);
  const e = find(blocks, 'epb');
  assert.equal(e.data.buffer, bytes.buffer);
  assert.equal(e.raw.byteOffset, bytes.byteOffset + e.offset);
});

test('a block spread over many chunks is concatenated once, at its end', () => {
  const bytes = sample(true).bytes;
  let calls = 0;
  let copied = 0;
  const original = Buffer.concat.bind(Buffer);
  const spy = mock.method(Buffer, 'concat', (list: readonly Uint8Array[], total?: number) => {
    calls++;
    const out = original(list, total);
    copied += out.length;
    return out;
  });
  try {
    readBlocks(bytes, [1]);
  } finally {
    spy.mock.restore();
  }
  // One concat per block for its header and one for its whole: linear in the stream size.
  assert.ok(calls <= 2 * sample(true).kinds.length, `${calls} concatenations`);
  assert.ok(copied <= bytes.length + 12 * sample(true).kinds.length, `${copied} bytes copied`);
});

test('an empty stream and empty chunks are fine', () => {
  const reader = new PcapngReader();
  assert.deepEqual(reader.push(Buffer.alloc(0)), []);
  reader.end();
  assert.equal(reader.offset, 0);
});
