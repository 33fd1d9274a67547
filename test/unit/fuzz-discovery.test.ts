// Hostile input for discovery parsing: valid Gostwire answers from fast-check (every key, unknown
// keys, nulls), mutated as text (parseDiscoveryText) and as values (a key's value swapped for
// another type, parseDiscovery), plus random JSON values. Every input must parse or be rejected
// with a DiscoveryFormatError; what parses must survive targetToJSON and parse again to the same
// target. No other exception, no hang (the test's timeout), a bounded heap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DiscoveryFormatError } from '../../src/core/errors';
import { parseDiscovery, parseDiscoveryText, parseTarget, targetToJSON } from '../../src/core/target';
import type { Target } from '../../src/core/target';
import { FuzzTally, heapAfterGc, MAX_HEAP_GROWTH_BYTES, mutateText, Rng, showText } from './host/fuzz-harness';

const RUNS = 5_000;
const TEXT_MUTANTS = 30;
const VALUE_MUTANTS = 10;
const RANDOM_VALUES = 40_000;
const TOTAL = RUNS * (1 + TEXT_MUTANTS + VALUE_MUTANTS) + RANDOM_VALUES;

const text = fc.string({ unit: 'binary', maxLength: 8 });
const count = fc.nat(5_000_000_000);

const target = fc.record(
  {
    name: text,
    type: fc.constantFrom('docker', 'pod', 'proc', 'bindmount', 'containerd', ''),
    netns: count,
    'network-interfaces': fc.oneof(fc.constant(null), fc.array(fc.constantFrom('eth0', 'lo', 'eth1'), { maxLength: 3 })),
    prefix: fc.constantFrom('', 'k8s', 'containerd'),
    pid: count,
    starttime: count,
    'node-name': text,
    cluster: fc.record({ uid: text }, { requiredKeys: [] }),
    'capture-service': text,
    captureport: fc.nat(65535),
    labels: fc.dictionary(text, text, { maxKeys: 2 }),
  },
  { requiredKeys: ['name', 'type'] },
);
const discovery = fc.record({ containers: fc.array(target, { maxLength: 3 }), metadata: fc.constant({ gostwire: true }) });

/** Values of the wrong type (or right type, out of range) for any key. */
const STRANGE = [null, true, 1.5, -1, 2 ** 53, '', 'x', [], [1], {}, { uid: 7 }, ['eth0', 3], '0'];

function swapOneValue(doc: { containers: Record<string, unknown>[] }, rng: Rng): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as { containers: unknown };
  const containers = copy.containers as Record<string, unknown>[];
  const victim = containers[rng.below(containers.length)];
  const strange = STRANGE[rng.below(STRANGE.length)];
  if (victim === undefined || rng.below(8) === 0) copy.containers = strange;
  else {
    const keys = [...Object.keys(victim), 'name', 'netns', 'cluster'];
    victim[keys[rng.below(keys.length)]!] = strange;
  }
  return copy;
}

function checkRoundTrip(targets: Target[]): void {
  for (const t of targets) {
    const again = parseTarget(JSON.parse(targetToJSON(t)));
    assert.equal(again.name, t.name);
    assert.equal(again.netns ?? 0, t.netns ?? 0);
  }
}

test(`discovery parsing: ${TOTAL.toLocaleString('en')} mutated and random answers, typed errors only, bounded heap`, { timeout: 60_000 }, (t) => {
  const tally = new FuzzTally();
  let heapStart = 0;
  let run = 0;
  const parseText = (input: string): void => checkRoundTrip(parseDiscoveryText(input));
  const parseValue = (input: unknown): void => checkRoundTrip(parseDiscovery(input));
  const showValue = (input: unknown): string => showText(JSON.stringify(input) ?? String(input));
  fc.assert(
    fc.property(discovery, fc.integer(), (doc, seed) => {
      if (run++ === 50) heapStart = heapAfterGc();
      const rng = new Rng(seed);
      const json = JSON.stringify(doc);
      tally.feed(json, parseText, DiscoveryFormatError, showText);
      for (let i = 0; i < TEXT_MUTANTS; i++) tally.feed(mutateText(json, rng), parseText, DiscoveryFormatError, showText);
      for (let i = 0; i < VALUE_MUTANTS; i++) tally.feed(swapOneValue(doc, rng), parseValue, DiscoveryFormatError, showValue);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
      tally.feed(value, parseValue, DiscoveryFormatError, showValue);
    }),
    { numRuns: RANDOM_VALUES },
  );
  const growth = heapAfterGc() - heapStart;
  t.diagnostic(`${tally.toString()}; heap growth ${(growth / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal(tally.inputs, TOTAL);
  assert.ok(tally.accepted > 0 && tally.rejected > 0, tally.toString());
  assert.ok(growth < MAX_HEAP_GROWTH_BYTES, `heap grew by ${growth} bytes`);
});
