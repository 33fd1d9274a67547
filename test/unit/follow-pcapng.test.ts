import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PcapngBlockAligner } from '../../src/core/follow/block-aligner';
import { followGapComment, withShbComment } from '../../src/core/follow/gap';
import { PcapngFormatError, PcapngReader, encodeBlock, option } from '../../src/core/pcapng';
import type { Block, WritableBlock } from '../../src/core/pcapng';

function section(littleEndian: boolean, packets: number, shbOptions = true): Buffer {
  const blocks: WritableBlock[] = [
    { kind: 'shb', littleEndian, options: shbOptions ? [option.string(1, 'meta')] : [], endOfOptions: shbOptions },
    { kind: 'idb', linkType: 1, snapLen: 65535, littleEndian, options: [option.string(2, 'lo')], endOfOptions: true },
  ];
  for (let i = 0; i < packets; i++) {
    blocks.push({ kind: 'epb', interfaceId: 0, timestampHigh: 0, timestampLow: i, originalLength: 40 + i, data: Buffer.alloc(40 + i, i), littleEndian });
  }
  return Buffer.concat(blocks.map((b) => encodeBlock(b, littleEndian)));
}

function readAll(bytes: Buffer): Block[] {
  const reader = new PcapngReader();
  const blocks = reader.push(bytes);
  reader.end();
  return blocks;
}

function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let p = 0;
  for (const size of sizes) {
    if (p >= bytes.length) break;
    chunks.push(bytes.subarray(p, p + size));
    p += size;
  }
  if (p < bytes.length) chunks.push(bytes.subarray(p));
  return chunks;
}

test('the aligner passes exactly the whole blocks, whatever the chunking', () => {
  for (const le of [true, false]) {
    const stream = section(le, 5);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 90 }), { maxLength: 40 }), (sizes) => {
        const aligner = new PcapngBlockAligner();
        const out = Buffer.concat(cut(stream, sizes).map((c) => aligner.push(c)));
        assert.deepEqual(out, stream);
        assert.equal(aligner.pendingBytes, 0);
      }),
    );
  }
});

test('the aligner holds back a block cut off at the end', () => {
  const stream = section(true, 3);
  const aligner = new PcapngBlockAligner();
  const out = aligner.push(stream.subarray(0, stream.length - 10));
  assert.equal(aligner.pendingBytes, stream.length - 10 - out.length);
  assert.ok(aligner.pendingBytes > 0);
  assert.equal(readAll(out).length, 4, 'SHB, IDB and two of the three packets');
});

test('the aligner rejects bytes that are not pcapng, naming the offset', () => {
  assert.throws(() => new PcapngBlockAligner().push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), (e: unknown) => e instanceof PcapngFormatError && e.offset === 0 && /does not start with a section header block/.test(e.message));
  const bad = Buffer.concat([section(true, 1), Buffer.from([6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]);
  assert.throws(() => new PcapngBlockAligner().push(bad), (e: unknown) => e instanceof PcapngFormatError && e.offset === section(true, 1).length && /block length 13/.test(e.message));
  const huge = Buffer.concat([section(true, 0), Buffer.from([6, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0])]);
  assert.throws(() => new PcapngBlockAligner(1 << 20).push(huge), /exceeds the limit/);
});

test('the gap comment says how long and why, with a bounded reason', () => {
  const comment = followGapComment({ gapMs: 1234.4, endedAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)), reason: 'capture target gone: x' });
  assert.equal(comment, 'csharg: capture resumed after a gap of 1234 ms (target went away at 2025-01-02T03:04:05.000Z: capture target gone: x)');
  assert.ok(followGapComment({ gapMs: 1, endedAt: new Date(0), reason: 'r'.repeat(5000) }).length < 500);
});

test('withShbComment adds the comment after the SHB options, in either byte order, and keeps the rest', () => {
  for (const le of [true, false]) {
    for (const withOptions of [true, false]) {
      const second = section(le, 2, withOptions);
      const marked = withShbComment(second, 'csharg: gap of 5 ms');
      const blocks = readAll(Buffer.concat([section(le, 1), marked]));
      const shbs = blocks.filter((b) => b.kind === 'shb');
      assert.equal(shbs.length, 2);
      assert.deepEqual(shbs[1]!.kind === 'shb' ? shbs[1]!.comments : [], withOptions ? ['meta', 'csharg: gap of 5 ms'] : ['csharg: gap of 5 ms']);
      assert.equal(blocks.filter((b) => b.kind === 'epb').length, 3);
      const length = (b: Buffer): number => (le ? b.readUInt32LE(4) : b.readUInt32BE(4));
      assert.deepEqual(marked.subarray(length(marked)), second.subarray(length(second)), 'the blocks after the SHB are untouched');
    }
  }
});

test('withShbComment refuses bytes that do not start with an SHB', () => {
  assert.throws(() => withShbComment(Buffer.alloc(40), 'x'), PcapngFormatError);
});
