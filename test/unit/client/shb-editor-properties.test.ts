import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { ShbEditor, shbEditStream } from '../../../src/core/shb/shb-editor';
import type { CaptureTargetMetadata } from '../../../src/core/shb/shb-editor';
import { captureTargetYaml } from '../../../src/core/shb/capture-metadata';
import { ShbEditError } from '../../../src/core/errors';
import { buildShb, parseShb } from './shb-blocks';
import vectors from './shb-editor-vectors.json';

type Outcome = { output: string } | { error: string };

function outcome(metadata: CaptureTargetMetadata, chunks: Buffer[]): Outcome {
  const editor = new ShbEditor(metadata);
  const out: Buffer[] = [];
  try {
    for (const chunk of chunks) out.push(...editor.write(chunk));
    out.push(...editor.end());
  } catch (error) {
    if (error instanceof ShbEditError) return { error: error.code };
    throw error; // anything else fails the property
  }
  return { output: Buffer.concat(out).toString('hex') };
}

/** Splits `data` at the given cut points (any order, duplicates give empty chunks). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(data.subarray(from, p));
    from = p;
  }
  chunks.push(data.subarray(from));
  return chunks;
}

const metadataArb: fc.Arbitrary<CaptureTargetMetadata> = fc.record(
  {
    'container-name': fc.string({ unit: 'binary', maxLength: 40 }),
    'container-type': fc.constantFrom('docker', 'pod', 'proc', 'bindmount', ''),
    'node-name': fc.string({ maxLength: 20 }),
    cluster: fc.record({ uid: fc.string({ maxLength: 12 }) }, { requiredKeys: [] }),
    'capture-filter': fc.string({ maxLength: 30 }),
    'no-promiscuous-mode': fc.boolean(),
  },
  { requiredKeys: [] },
);

const optionArb = fc.record({
  code: fc.integer({ min: 1, max: 0xffff }),
  value: fc.uint8Array({ maxLength: 70 }).map((a) => Buffer.from(a)),
}, { noNullPrototype: true });

const streamArb = fc.record({
  littleEndian: fc.boolean(),
  options: fc.array(optionArb, { maxLength: 6 }),
  endOfOptions: fc.boolean(),
  rest: fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)),
});

describe('SHB editor properties', () => {
  it('any chunking gives the output of one chunk', () => {
    fc.assert(
      fc.property(metadataArb, streamArb, fc.array(fc.nat(), { maxLength: 30 }), (metadata, s, cuts) => {
        const input = Buffer.concat([buildShb(s), s.rest]);
        assert.deepEqual(outcome(metadata, split(input, cuts)), outcome(metadata, [input]));
      }),
      { numRuns: 300 },
    );
  });

  it('the edited SHB holds the metadata block and every other option in order', () => {
    fc.assert(
      fc.property(metadataArb, streamArb, (metadata, s) => {
        const input = Buffer.concat([buildShb(s), s.rest]);
        const result = outcome(metadata, [input]);
        const firstComment = s.options.findIndex((o) => o.code === 1);
        assert.ok('output' in result, JSON.stringify(result));
        const parsed = parseShb(Buffer.from(result.output, 'hex'));
        assert.equal(parsed.littleEndian, s.littleEndian);
        assert.equal(parsed.sectionLength, -1n);
        assert.equal(parsed.sawEndOfOptions, false);
        assert.ok(parsed.options[0]?.value.toString('utf8').endsWith(captureTargetYaml(metadata)));
        assert.deepEqual(parsed.options.slice(1), s.options.filter((_, i) => i !== firstComment));
        assert.deepEqual(parsed.rest, s.rest);
      }),
      { numRuns: 300 },
    );
  });

  const corruptionArb = fc.record({
    vector: fc.constantFrom(...vectors.cases),
    flips: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
    truncateTo: fc.option(fc.nat()),
    cuts: fc.array(fc.nat(), { maxLength: 20 }),
  });

  it('a corrupted stream gives, for every chunking, the same output or the same typed error', () => {
    fc.assert(
      fc.property(corruptionArb, ({ vector, flips, truncateTo, cuts }) => {
        let input = Buffer.from(vector.input, 'hex');
        for (const { at, byte } of flips) input[at % input.length] = byte;
        if (truncateTo !== null) input = input.subarray(0, truncateTo % (input.length + 1));
        assert.deepEqual(outcome(vector.metadata, split(input, cuts)), outcome(vector.metadata, [input]));
      }),
      { numRuns: 500 },
    );
  });

  it('the Transform ends or errors with ShbEditError on corrupted input, never throws or hangs', async () => {
    await fc.assert(
      fc.asyncProperty(corruptionArb, async ({ vector, flips, truncateTo, cuts }) => {
        let input = Buffer.from(vector.input, 'hex');
        for (const { at, byte } of flips) input[at % input.length] = byte;
        if (truncateTo !== null) input = input.subarray(0, truncateTo % (input.length + 1));
        const expected = outcome(vector.metadata, [input]);
        const out: Buffer[] = [];
        const run = pipeline(Readable.from(split(input, cuts)), shbEditStream(vector.metadata), async (source: AsyncIterable<Buffer>) => {
          for await (const piece of source) out.push(piece);
        }).then(
          (): Outcome => ({ output: Buffer.concat(out).toString('hex') }),
          (error: unknown): Outcome => {
            assert.ok(error instanceof ShbEditError, String(error));
            return { error: error.code };
          },
        );
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('the stream neither ended nor errored within 2 s')), 2000);
        });
        try {
          assert.deepEqual(await Promise.race([run, hang]), expected);
        } finally {
          clearTimeout(timer);
        }
      }),
      { numRuns: 200 },
    );
  });
});
