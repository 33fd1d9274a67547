// Hostile input for the pcapng reader: valid streams from fast-check, mutated many times each,
// plus purely random bytes, fed in two chunks split at a random point. Every input must be read
// or rejected with a PcapngFormatError; no other exception, no hang (the test's timeout), and the
// heap after the run no larger than a bounded amount above where it started.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PcapngFormatError, PcapngPacketReader } from '../../src/core/pcapng';
import { pcapngStream } from './pcapng/arbitrary';
import { FuzzTally, heapAfterGc, MAX_HEAP_GROWTH_BYTES, mutateBytes, Rng, showBytes } from './host/fuzz-harness';

const MUTATED_RUNS = 6_000;
const MUTANTS_PER_RUN = 40;
const RANDOM_INPUTS = 60_000;
const TOTAL = MUTATED_RUNS * (MUTANTS_PER_RUN + 1) + RANDOM_INPUTS;

function readInTwoChunks(input: Buffer, split: number): void {
  const reader = new PcapngPacketReader({ maxBlockLength: 64 * 1024 });
  let packets = 0;
  reader.feed(input.subarray(0, split), () => packets++);
  reader.feed(input.subarray(split), () => packets++);
  reader.end();
}

test(`pcapng reader: ${TOTAL.toLocaleString('en')} mutated and random inputs, typed errors only, bounded heap`, { timeout: 60_000 }, (t) => {
  const tally = new FuzzTally();
  const feed = (input: Buffer, rng: Rng): void =>
    tally.feed(input, (bytes) => readInTwoChunks(bytes, rng.below(bytes.length + 1)), PcapngFormatError, showBytes);
  let heapStart = 0;
  let run = 0;
  fc.assert(
    fc.property(pcapngStream(6), fc.integer(), (valid, seed) => {
      if (run++ === 50) heapStart = heapAfterGc();
      const rng = new Rng(seed);
      feed(valid, rng);
      for (let i = 0; i < MUTANTS_PER_RUN; i++) feed(mutateBytes(valid, rng), rng);
    }),
    { numRuns: MUTATED_RUNS },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.integer(), (bytes, seed) => {
      // Random bytes rarely start like pcapng; half of them get a real SHB type and magic.
      const input = Buffer.from(bytes);
      if (seed & 1 && input.length >= 12) {
        input.writeUInt32LE(0x0a0d0d0a, 0);
        input.writeUInt32LE(0x1a2b3c4d, 8);
      }
      feed(input, new Rng(seed));
    }),
    { numRuns: RANDOM_INPUTS },
  );
  const growth = heapAfterGc() - heapStart;
  t.diagnostic(`${tally.toString()}; heap growth ${(growth / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal(tally.inputs, TOTAL);
  assert.ok(tally.accepted > 0 && tally.rejected > 0, tally.toString());
  assert.ok(growth < MAX_HEAP_GROWTH_BYTES, `heap grew by ${growth} bytes`);
});
