import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PcapngFormatError, PcapngReader, encodeBlock } from '../../../src/core/pcapng';
import type { Block } from '../../../src/core/pcapng';
import { chunkSizes, pcapngStream } from './arbitrary';
import { chunked } from './build';
import { readAll } from './summary';

function readBlocks(bytes: Buffer): Block[] {
  const reader = new PcapngReader();
  const blocks = reader.push(bytes);
  reader.end();
  return blocks;
}

test('random valid block sequences in random chunkings read the same as in one chunk', () => {
  fc.assert(fc.property(pcapngStream(), chunkSizes, (bytes, sizes) => {
    const whole = readAll([bytes]);
    assert.equal(whole.error, undefined);
    assert.deepEqual(readAll(chunked(bytes, sizes)), whole);
  }), { numRuns: 3000 });
});

test('random valid streams survive a write round trip in both byte orders', () => {
  fc.assert(fc.property(pcapngStream(), (bytes) => {
    const blocks = readBlocks(bytes);
    assert.ok(Buffer.concat(blocks.map((b) => encodeBlock(b))).equals(bytes), 'same byte order: identical bytes');
    const swapped = Buffer.concat(blocks.map((b) => encodeBlock(b, !b.littleEndian)));
    const back = readBlocks(swapped);
    assert.ok(Buffer.concat(back.map((b) => encodeBlock(b, !b.littleEndian))).equals(bytes), 'swapped twice: identical bytes');
  }), { numRuns: 2000 });
});

// Each run mutates one small valid stream 20 times: 5,000 runs = 100,000 mutated inputs.
const MUTATIONS_PER_RUN = 20;

function mutate(bytes: Buffer, rng: () => number): Buffer {
  const out = Buffer.from(bytes);
  const kind = rng() % 4;
  if (kind === 0) return out.subarray(0, rng() % (out.length + 1)); // truncation
  const flips = 1 + (rng() % 3);
  for (let i = 0; i < flips; i++) {
    const at = rng() % out.length;
    out[at] = kind === 1 ? out[at]! ^ (1 << (rng() % 8)) : rng() & 0xff; // bit flip or byte replacement
  }
  // Sometimes also a length word: the most interesting field for a framer.
  if (kind === 3 && out.length >= 8) out.writeUInt32LE(rng() >>> 0, (rng() % (out.length >> 2)) << 2);
  return out;
}

test('100,000 mutated streams: the same result in any chunking, or a typed error; never a crash or a hang', () => {
  let mutated = 0;
  let typedErrors = 0;
  fc.assert(fc.property(pcapngStream(6), chunkSizes, fc.infiniteStream(fc.nat()), (bytes, sizes, randoms) => {
    const it = randoms[Symbol.iterator]();
    const rng = (): number => it.next().value as number;
    for (let i = 0; i < MUTATIONS_PER_RUN; i++) {
      const input = mutate(bytes, rng);
      mutated++;
      const whole = readAll([input], 4096);
      if (whole.error !== undefined) {
        assert.ok(whole.error instanceof PcapngFormatError, 'untyped error');
        assert.ok(whole.error.offset >= 0 && whole.error.offset <= input.length, `offset ${whole.error.offset} of ${input.length}`);
        typedErrors++;
      }
      const split = readAll(chunked(input, sizes), 4096);
      assert.deepEqual(split.blocks, whole.blocks);
      assert.deepEqual(split.packets, whole.packets);
      assert.equal((split.error as Error | undefined)?.message, (whole.error as Error | undefined)?.message);
    }
  }), { numRuns: 100_000 / MUTATIONS_PER_RUN });
  assert.ok(mutated >= 100_000);
  assert.ok(typedErrors > 0 && typedErrors < mutated, `${typedErrors} of ${mutated} mutated inputs were rejected`);
});
