// Hostile input for the SHB editor: streams that start with a section header block (with and
// without comments, an earlier capture target block, other options) from fast-check, mutated many
// times each, with random metadata (control characters, lone surrogates, long names), fed in up to
// three chunks. Every input must be edited or rejected with a ShbEditError; nothing else, no hang
// (the test's timeout), and a bounded heap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ShbEditError } from '../../src/core/errors';
import { CAPTURE_TARGET_MARKER } from '../../src/core/shb/capture-metadata';
import { ShbEditor } from '../../src/core/shb/shb-editor';
import type { CaptureTargetMetadata } from '../../src/core/shb/shb-editor';
import { epb, idb, shb, str } from './pcapng/build';
import { FuzzTally, heapAfterGc, MAX_HEAP_GROWTH_BYTES, mutateBytes, mutateText, Rng, showBytes } from './host/fuzz-harness';

const RUNS = 6_000;
const MUTANTS_PER_RUN = 40;
const TOTAL = RUNS * (MUTANTS_PER_RUN + 1);

const text = fc.string({ unit: 'binary', maxLength: 10 });

const stream = fc.record({
  le: fc.boolean(),
  comments: fc.array(fc.oneof(text, text.map((t) => `${CAPTURE_TARGET_MARKER}container-name: ${t}\n`)), { maxLength: 2 }),
  other: fc.array(fc.record({ code: fc.constantFrom(2, 3, 4, 0x0bac), value: text }), { maxLength: 2 }),
  packets: fc.nat(2),
}).map(({ le, comments, other, packets }) => {
  const parts = [shb(le, [...comments.map((c) => str(1, c)), ...other.map((o) => str(o.code, o.value))]), idb(le, 1, 0)];
  for (let i = 0; i < packets; i++) parts.push(epb(le, 0, BigInt(i), Buffer.from([1, 2, 3, 4, 5])));
  return Buffer.concat(parts);
});

const metadata: fc.Arbitrary<CaptureTargetMetadata> = fc.record(
  {
    'container-name': text,
    'container-type': fc.constantFrom('docker', 'pod', 'proc', ''),
    'node-name': text,
    'capture-filter': text,
    'no-promiscuous-mode': fc.boolean(),
    cluster: fc.record({ uid: text }, { requiredKeys: [] }),
  },
  { requiredKeys: ['container-name'] },
);

/** Length of the first SHB as its header declares it; 0 when the input does not start with one. */
function firstShbLength(input: Buffer): number {
  if (input.length < 12 || input.readUInt32LE(0) !== 0x0a0d0d0a) return 0;
  return input.readUInt32LE(8) === 0x1a2b3c4d ? input.readUInt32LE(4) : input.readUInt32BE(4);
}

function edit(meta: CaptureTargetMetadata, input: Buffer, rng: Rng): void {
  const editor = new ShbEditor(meta, { maxShbSize: 4096 });
  const a = rng.below(input.length + 1);
  const b = a + rng.below(input.length - a + 1);
  const out: Buffer[] = [];
  for (const chunk of [input.subarray(0, a), input.subarray(a, b), input.subarray(b)]) out.push(...editor.write(chunk));
  out.push(...editor.end());
  // Accepted: everything after the first SHB comes out unchanged, in order, at the end.
  const rest = input.subarray(Math.min(input.length, firstShbLength(input)));
  const all = Buffer.concat(out);
  assert.ok(all.subarray(all.length - rest.length).equals(rest), `bytes after the SHB changed for ${showBytes(input)}`);
}

test(`SHB editor: ${TOTAL.toLocaleString('en')} mutated streams with random metadata, typed errors only, bounded heap`, { timeout: 60_000 }, (t) => {
  const tally = new FuzzTally();
  let heapStart = 0;
  let run = 0;
  fc.assert(
    fc.property(stream, metadata, fc.integer(), (valid, meta, seed) => {
      if (run++ === 50) heapStart = heapAfterGc();
      const rng = new Rng(seed);
      tally.feed(valid, (input) => edit(meta, input, rng), ShbEditError, showBytes);
      for (let i = 0; i < MUTANTS_PER_RUN; i++) {
        // Every fourth mutant also gets mutated metadata (names with pieces of syntax or surrogates).
        const m = i % 4 === 0 ? { ...meta, 'container-name': mutateText(meta['container-name'] ?? '', rng) } : meta;
        tally.feed(mutateBytes(valid, rng), (input) => edit(m, input, rng), ShbEditError, showBytes);
      }
    }),
    { numRuns: RUNS },
  );
  const growth = heapAfterGc() - heapStart;
  t.diagnostic(`${tally.toString()}; heap growth ${(growth / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal(tally.inputs, TOTAL);
  assert.ok(tally.accepted > 0 && tally.rejected > 0, tally.toString());
  assert.ok(growth < MAX_HEAP_GROWTH_BYTES, `heap grew by ${growth} bytes`);
});
