// Unit tests of the exact --count / --max-bytes cut on a pcapng stream, in any chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockCutter } from '../../../src/core/pcapng/block-cutter';
import { PcapngPacketReader } from '../../../src/core/pcapng';
import { epb, idb, shb } from './build';

const header = Buffer.concat([shb(true), idb(true, 1, 65535)]);
const packets = Array.from({ length: 10 }, (_, i) => epb(true, 0, BigInt(i), Buffer.alloc(20 + i, i)));
const isb = Buffer.from(idb(true, 1, 1)); // any non-packet block after the packets
const stream = Buffer.concat([header, ...packets, isb]);

function run(cutter: BlockCutter, chunkSize: number): { out: Buffer; doneAt: number } {
  const parts: Buffer[] = [];
  let doneAt = -1;
  for (let p = 0; p < stream.length; p += chunkSize) {
    const r = cutter.cut(stream.subarray(p, p + chunkSize));
    parts.push(r.keep);
    if (r.done && doneAt < 0) doneAt = p;
  }
  if (!cutter.done) parts.push(cutter.takeHeld());
  return { out: Buffer.concat(parts), doneAt };
}

function packetCount(buf: Buffer): number {
  const reader = new PcapngPacketReader();
  const n = reader.push(buf).length;
  reader.end(); // throws when the cut split a block
  return n;
}

for (const chunkSize of [1, 7, 64, 1 << 20]) {
  test(`--count 4 keeps the header and exactly the first 4 packet blocks (chunks of ${chunkSize})`, () => {
    const cutter = new BlockCutter({ count: 4 });
    const { out } = run(cutter, chunkSize);
    assert.deepEqual(out, Buffer.concat([header, ...packets.slice(0, 4)]));
    assert.equal(cutter.packets, 4);
    assert.equal(packetCount(out), 4);
  });

  test(`--max-bytes keeps whole blocks within the limit (chunks of ${chunkSize})`, () => {
    const limit = header.length + packets[0]!.length + packets[1]!.length + 5;
    const { out } = run(new BlockCutter({ maxBytes: limit }), chunkSize);
    assert.deepEqual(out, Buffer.concat([header, packets[0]!, packets[1]!]));
    assert.ok(out.length <= limit);
  });
}

test('--max-bytes below the header keeps the header blocks and no packet', () => {
  const { out } = run(new BlockCutter({ maxBytes: 10 }), 13);
  assert.deepEqual(out, header);
  assert.equal(packetCount(out), 0);
});

test('no limits: everything passes, whole blocks only, packets counted; a partial tail comes from takeHeld', () => {
  const cutter = new BlockCutter();
  const first = cutter.cut(stream.subarray(0, header.length + 5));
  assert.deepEqual(first.keep, header);
  assert.equal(first.done, false);
  const rest = cutter.cut(stream.subarray(header.length + 5, stream.length - 3));
  assert.equal(cutter.packets, 10);
  assert.deepEqual(Buffer.concat([first.keep, rest.keep, cutter.takeHeld()]), stream.subarray(0, stream.length - 3));
});

test('a stream that is no pcapng throws, and the held bytes can still be passed on', () => {
  const cutter = new BlockCutter();
  assert.equal(cutter.cut(header.subarray(0, 8)).keep.length, 0);
  assert.throws(() => cutter.cut(Buffer.from('this is not pcapng at all')), /byte-order magic/);
  assert.deepEqual(cutter.takeHeld(), header.subarray(0, 8));
});
