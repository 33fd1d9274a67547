import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { captureTargetYaml } from '../../../src/core/shb/capture-metadata';
import type { CaptureTargetMetadata } from '../../../src/core/shb/capture-metadata';
import { PcapngReader, parseCaptureTargetYaml } from '../../../src/core/pcapng';

interface Vectors {
  cases: { name: string; metadata: CaptureTargetMetadata; output: string }[];
}

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'client', 'shb-editor-vectors.json'), 'utf8')) as Vectors;

test('reads the target information from the SHB editor vectors', () => {
  for (const c of vectors.cases) {
    const bytes = Buffer.from(c.output, 'hex');
    const shbLength = bytes.readUInt32BE(0) === 0x0a0d0d0a && bytes.readUInt32BE(8) === 0x1a2b3c4d ? bytes.readUInt32BE(4) : bytes.readUInt32LE(4);
    const [shb] = new PcapngReader().push(bytes.subarray(0, shbLength));
    assert.equal(shb?.kind, 'shb', c.name);
    const expected = { 'container-name': '', 'container-type': '', 'node-name': '', ...c.metadata };
    assert.deepEqual(shb.target, expected, c.name);
  }
});

test('parses what captureTargetYaml writes, for any metadata', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 20 });
  const metadata = fc.record({
    'container-name': text, 'container-type': text, 'node-name': text,
    cluster: fc.option(fc.record({ uid: fc.option(text, { nil: undefined }) }, { requiredKeys: [] }), { nil: undefined }),
    'capture-filter': fc.option(text, { nil: undefined }),
    'no-promiscuous-mode': fc.option(fc.boolean(), { nil: undefined }),
  }, { requiredKeys: ['container-name', 'container-type', 'node-name'] });
  fc.assert(fc.property(metadata, fc.string({ maxLength: 10 }), (m, before) => {
    const expected: Record<string, unknown> = { 'container-name': m['container-name'], 'container-type': m['container-type'], 'node-name': m['node-name'] };
    if (m.cluster) expected.cluster = m.cluster.uid ? { uid: m.cluster.uid } : {};
    if (m['capture-filter']) expected['capture-filter'] = m['capture-filter'];
    if (m['no-promiscuous-mode']) expected['no-promiscuous-mode'] = true;
    const comment = `${before.replace(/---/g, '')}\n${captureTargetYaml(m)}`;
    assert.deepEqual(parseCaptureTargetYaml(comment), expected);
  }), { numRuns: 2000 });
});

test('scalars: escapes, single quotes, comments; no document, no result', () => {
  const doc = '---\n# capture target information\ncontainer-name: "a\\tb\\u00e9\\x41\\\\"\ncontainer-type: \'it\'\'s\'\n'
    + 'node-name: plain # a comment\ncluster: {}\nno-promiscuous-mode: false\n---\ncapture-filter: ignored\n';
  assert.deepEqual(parseCaptureTargetYaml(doc), {
    'container-name': 'a\tbéA\\', 'container-type': "it's", 'node-name': 'plain', cluster: {}, 'no-promiscuous-mode': false,
  });
  assert.equal(parseCaptureTargetYaml('just a comment'), undefined);
});

// Pieces that steer yaml.v3's style choice (numbers, dates, reserved words, indicators, spaces,
// line breaks, U+2028, unprintable and astral characters), joined at random.
const YAML_PIECES = [
  '0', '1', '12', '2001', '-', '+', '.', ':', '_', 'e', 'x', 'b', 'o', 'T', 'Z', 'y', 'n', '~', ' ', '  ', '\t', '\n', '\r', '#', '\'', '"',
  '\\', ',', '[', '{', '&', '*', '!', '|', '>', '%', '@', '`', '?', 'yes', 'off', 'true', 'null', '.inf', '0x', '0b', '2001-12-14', '---',
  'é', '\u00a0', '\u0085', '\u2028', '\u2029', '\ufeff', '\uffff', '😀', '\x00', '\x7f', '\u3000',
];

/**
 * Strings yaml.v3 itself cannot write so that they read back (csharg writes them that way, and
 * so, byte for byte, do we): a literal block cannot start with a line break, which is lost.
 */
function goYamlLosesIt(value: string): boolean {
  return value.includes('\n') && /^[\n\u2028\u2029]/.test(value);
}

test('reads back every value in the style yaml.v3 gives it (plain, quoted, literal block), at both indentations', () => {
  const value = fc.array(fc.constantFrom(...YAML_PIECES), { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
  fc.assert(fc.property(value, value, value, (name, uid, filter) => {
    fc.pre(![name, uid, filter].some(goYamlLosesIt));
    const m: CaptureTargetMetadata = { 'container-name': name, 'container-type': 'proc', 'node-name': 'n', cluster: { uid }, 'capture-filter': filter };
    assert.deepEqual(parseCaptureTargetYaml(captureTargetYaml(m)), { ...m, cluster: { uid } });
  }), { numRuns: 5000 });
});
