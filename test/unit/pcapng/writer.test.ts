import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngPacketReader, PcapngReader, PcapngWriter, encodeBlock, option, toPcapngBytes } from '../../../src/core/pcapng';
import type { Block, Packet } from '../../../src/core/pcapng';
import { epb, idb, shb, str } from './build';
import { sample } from './sample';
import { packetSummary } from './summary';

function read(bytes: Buffer): Block[] {
  const r = new PcapngReader();
  const blocks = r.push(bytes);
  r.end();
  return blocks;
}

function packets(bytes: Buffer): Packet[] {
  const r = new PcapngPacketReader();
  const out = r.push(bytes);
  r.end();
  return out;
}

for (const le of [true, false]) {
  test(`${le ? 'LE' : 'BE'}: every block written back is byte-identical`, () => {
    const bytes = sample(le).bytes;
    assert.ok(Buffer.concat(read(bytes).map((b) => encodeBlock(b))).equals(bytes));
  });

  test(`${le ? 'LE' : 'BE'}: written in the other byte order, every block reads the same`, () => {
    const bytes = sample(le).bytes;
    const blocks = read(bytes);
    const swapped = Buffer.concat(blocks.map((b) => encodeBlock(b, !b.littleEndian)));
    assert.equal(swapped.length, bytes.length);
    assert.ok(!swapped.equals(bytes));
    const again = read(swapped);
    const decoded = (b: Block): unknown => {
      const { raw: _raw, littleEndian: _le, options: _options, ...rest } = b as unknown as Record<string, unknown>;
      if (b.kind === 'epb') {
        return [b.flags, b.dropCount, b.packetId, b.queue, b.comments, b.verdicts.map((v) => v.length), b.data.toString('hex'), b.timestampHigh, b.timestampLow];
      }
      return JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v && typeof v === 'object' && 'iface' in v ? '' : v));
    };
    assert.deepEqual(again.map((b) => b.littleEndian), blocks.map((b) => !b.littleEndian));
    for (const [i, b] of blocks.entries()) {
      if (b.kind === 'custom' || b.kind === 'unknown') continue; // opaque payloads are written as they are
      if ('options' in b) assert.deepEqual(decoded(again[i]!), decoded(b), `${b.kind} #${i}`);
    }
    assert.deepEqual(packets(swapped).map(packetSummary), packets(bytes).map(packetSummary));
  });
}

test('blocks built in code', () => {
  const bytes = Buffer.concat([
    encodeBlock({ kind: 'shb', littleEndian: false, options: [option.string(4, 'me')], endOfOptions: true }),
    encodeBlock({ kind: 'idb', littleEndian: false, linkType: 1, snapLen: 0, options: [option.string(2, 'x'), option.u8(9, 9), option.u64(14, -2n, false)] }),
    encodeBlock({ kind: 'epb', littleEndian: false, interfaceId: 0, timestampHigh: 0, timestampLow: 5, originalLength: 3, data: Buffer.from('abc'), options: [option.u32(2, 1, false)] }),
  ]);
  const [p] = packets(bytes);
  assert.equal(p?.timestampNs, 5n - 2_000_000_000n);
  assert.equal(p?.flags, 1);
  assert.equal(p?.interfaceName, 'x');
});

test('PcapngWriter: one SHB, exactly the interfaces used, packets as they were', () => {
  for (const outLe of [true, false]) {
    const a = packets(sample(true).bytes);
    const b = packets(sample(false).bytes);
    // Filtered and merged: eth0 and lo from one capture, 'any' from the other.
    const chosen = [a[0]!, b[3]!, a[4]!, b[0]!, a[0]!];
    const out = toPcapngBytes(chosen, { littleEndian: outLe, comment: 'merged' });
    const blocks = read(out);
    assert.deepEqual(blocks.map((x) => x.kind), ['shb', 'idb', 'epb', 'idb', 'epb', 'idb', 'epb', 'idb', 'epb', 'epb']);
    assert.ok(blocks.every((x) => x.littleEndian === outLe));
    assert.deepEqual(blocks.filter((x) => x.kind === 'idb').map((x) => x.name), ['eth0', 'any', 'lo', 'eth0']);
    const back = packets(out);
    const sameFields = (p: Packet): unknown[] => [p.interfaceName, p.linkType, p.timestampNs, p.capturedLength, p.originalLength, p.data.toString('hex'), p.flags, p.dropCount];
    assert.deepEqual(back.map(sameFields), chosen.map(sameFields));
    assert.deepEqual(back.map((p) => p.interfaceId), [0, 1, 2, 3, 0]);
  }
});

test('PcapngWriter: SPBs become EPBs of their own interface; nothing written is still a valid capture', () => {
  const bytes = Buffer.concat([shb(true), idb(true, 1, 0, [str(2, 'one')]), idb(true, 1, 8, [str(2, 'zero?')])]);
  const spbFile = Buffer.concat([shb(true), idb(true, 1, 0, [str(2, 'eth9')]), encodeBlock({ kind: 'spb', originalLength: 4, data: Buffer.from('abcd') }, true)]);
  const [spbPacket] = packets(spbFile);
  assert.equal(spbPacket?.timestampNs, null);
  const w = new PcapngWriter({ littleEndian: true });
  const out = Buffer.concat([w.write(packets(Buffer.concat([bytes, epb(true, 1, 9n, Buffer.from('x'))]))[0]!), w.write(spbPacket), w.end()]);
  const back = packets(out);
  assert.deepEqual(back.map((p) => [p.interfaceName, p.data.toString()]), [['zero?', 'x'], ['eth9', 'abcd']]);
  assert.deepEqual(read(new PcapngWriter().end()).map((b) => b.kind), ['shb']);
});
