// Hostile input for `packetflix:` link parsing: valid links (as Gostwire's UI makes them) from
// fast-check, mutated as text, plus random text after the scheme. Every input must parse or be
// rejected with a PacketflixLinkError; a parsed link's service URL must be one the client accepts.
// No other exception, no hang (the test's timeout), a bounded heap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parsePacketflixLink, PacketflixLinkError } from '../../src/core/host/packetflix-link';
import { parseServiceUrl } from '../../src/core/host/service-url';
import { targetToJSON } from '../../src/core/target';
import { FuzzTally, heapAfterGc, MAX_HEAP_GROWTH_BYTES, mutateText, Rng, showText } from './host/fuzz-harness';

const RUNS = 6_000;
const MUTANTS_PER_RUN = 35;
const RANDOM_TEXTS = 40_000;
const TOTAL = RUNS * (MUTANTS_PER_RUN + 1) + RANDOM_TEXTS;

const text = fc.string({ unit: 'binary', maxLength: 8 });

const link = fc.record({
  secure: fc.boolean(),
  host: fc.constantFrom('127.0.0.1', 'edge.example', '[::1]', 'h', 'xn--bcher-kva.example'),
  port: fc.constantFrom('', ':5001', ':443', ':0'),
  base: fc.constantFrom('', '/edgeshark', '/a/b'),
  name: text,
  type: fc.constantFrom('docker', 'pod', 'proc'),
  netns: fc.nat(),
  nif: fc.option(fc.constantFrom('eth0', 'eth0/lo', 'any', '', '/'), { nil: undefined }),
  filter: fc.option(text, { nil: undefined }),
  chaste: fc.boolean(),
}).map((l) => {
  const query = new URLSearchParams();
  query.set('container', targetToJSON({ name: l.name, type: l.type, netns: l.netns }));
  if (l.nif !== undefined) query.set('nif', l.nif);
  if (l.filter !== undefined) query.set('filter', l.filter);
  if (l.chaste) query.set('chaste', '');
  return `packetflix:${l.secure ? 'wss' : 'ws'}://${l.host}${l.port}${l.base}/capture?${query.toString()}`;
});

function parse(input: string): void {
  const parsed = parsePacketflixLink(input);
  // What a link names must be a service the client can use (a ServiceUrlError here fails the test).
  parseServiceUrl(parsed.serviceUrl);
}

test(`packetflix: links: ${TOTAL.toLocaleString('en')} mutated and random links, typed errors only, bounded heap`, { timeout: 60_000 }, (t) => {
  const tally = new FuzzTally();
  let heapStart = 0;
  let run = 0;
  fc.assert(
    fc.property(link, fc.integer(), (valid, seed) => {
      if (run++ === 50) heapStart = heapAfterGc();
      const rng = new Rng(seed);
      tally.feed(valid, parse, PacketflixLinkError, showText);
      for (let i = 0; i < MUTANTS_PER_RUN; i++) tally.feed(mutateText(valid, rng), parse, PacketflixLinkError, showText);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean(), (rest, withScheme) => {
      tally.feed(withScheme ? `packetflix:${rest}` : rest, parse, PacketflixLinkError, showText);
    }),
    { numRuns: RANDOM_TEXTS },
  );
  const growth = heapAfterGc() - heapStart;
  t.diagnostic(`${tally.toString()}; heap growth ${(growth / 1024 / 1024).toFixed(1)} MiB`);
  assert.equal(tally.inputs, TOTAL);
  assert.ok(tally.accepted > 0 && tally.rejected > 0, tally.toString());
  assert.ok(growth < MAX_HEAP_GROWTH_BYTES, `heap grew by ${growth} bytes`);
});
