// Our SHB editor against Siemens' own (github.com/siemens/csharg/pcapng in csharg v1.0.2, built
// from test/go/shb-editor), byte for byte: the capture target YAML that csharg writes with
// gopkg.in/yaml.v3 for names that exercise every style decision of that library, and for
// thousands of generated names, in every field, fed to our editor at chunk sizes 1, 2, 3, 7 and
// whole. Where we differ from csharg on purpose (its defects), the tests say so and show both.

import { after, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ShbEditor, captureTargetMetadata } from '../../src/core/shb/shb-editor';
import type { CaptureTargetMetadata } from '../../src/core/shb/shb-editor';
import { CAPTURE_TARGET_MARKER, captureTargetYaml } from '../../src/core/shb/capture-metadata';
import type { Target } from '../../src/core/target';
import { buildCshargEditor, requireGo } from '../support/shb-editor-go';
import type { CshargEditor, CshargEditorCase } from '../support/shb-editor-go';
import { buildShb, chunksOf, parseShb } from '../unit/client/shb-blocks';

const COMMENT = 1;
const HARDWARE = 2;
const OS = 3;
const USERAPPL = 4;
const CHUNK_SIZES = [1, 2, 3, 7, Infinity];
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

// ---- the streams the editor is fed --------------------------------------------------------

interface Input {
  readonly name: string;
  readonly bytes: Buffer;
}

const serverComment = `${CAPTURE_TARGET_MARKER}container-name: csharg-t2(4242)\ncontainer-type: proc\nnode-name: ""\n`;
const INPUTS: readonly Input[] = [
  { name: 'an SHB without options (big-endian), bytes after it', bytes: Buffer.concat([buildShb(), Buffer.from('0102030405', 'hex')]) },
  {
    name: "an SHB as Packetflix sends it (little-endian): the server's target block, hardware, OS, application, opt_endofopt, then an IDB",
    bytes: Buffer.concat([
      buildShb({
        littleEndian: true,
        endOfOptions: true,
        options: [
          { code: COMMENT, value: text(serverComment) },
          { code: HARDWARE, value: text('x86_64') },
          { code: OS, value: text('Linux 6.1.0-28-amd64') },
          { code: USERAPPL, value: text('Dumpcap (Wireshark) 4.0.17') },
        ],
      }),
      Buffer.from('01000000140000000100000000000400140000000000', 'hex'),
    ]),
  },
  {
    name: 'a comment without a final newline and with bytes that are not UTF-8, then a second comment (big-endian)',
    bytes: buildShb({ options: [{ code: COMMENT, value: Buffer.from([0x41, 0xff, 0xfe, 0x42]) }, { code: COMMENT, value: text('second') }] }),
  },
  {
    name: 'text, then an old target block at the end of the comment (little-endian, version 1.2)',
    bytes: buildShb({ littleEndian: true, major: 1, minor: 2, options: [{ code: COMMENT, value: text(`Captured by someone\n${CAPTURE_TARGET_MARKER}container-name: old\n`) }] }),
  },
];

// ---- the names --------------------------------------------------------------------------

/** Names for every decision yaml.v3 makes, each with what it exercises. */
const NAMES: readonly string[] = [
  // plain
  'csharg-t2(4242)', 'default/nginx', 'tcp port 80', 'systemd(1)', '/proc/2/ns/mnt:/run/netns/csharg-empty', 'a-b_c', 'host.example',
  'gostwire-v2.4.1(77)', 'not udp and host 198.18.1.1', 'a:b', 'a#b', 'a b c', 'x?', 'a,b', 'a[0]', 'a{b}', 'it\'s', 'say "hi"', 'a\\b',
  '-a', '?a', ':a', '<<', '=', 'a: ', 'é', 'café-ünïcode', '日本語', '\u00a0', 'a\u00a0b', '\ufffd', '\ue000', '\ufffc',
  // IP addresses, versions, numbers that are not numbers to YAML
  '198.18.255.2', '198.18.255.2:5001', '127.0.0.1', '::1', 'fe80::1', '2001:db8::1', '1.2.3', 'v1.0.2', '0.9.7', '1e400', '-1e400', '.1e400',
  '0x', '0b', '0o', '0xg', '0b2', '0o9', '09', '0_', '_1', '1_', '1__2', '1,000', '1 000', '12e', '1e', '1.2.3e4', '+', '-', '.', '..', '...x', '.a', '.e1',
  '._1', '.1_', '.1_1', '.1e1_0', '.1_e1', '.5e-400', '0x1p-2', '0b-1', '0b+1', '-0b-1', '0o-7', '-0o-7', '0B1', '0O7', '0X1F',
  // numbers to YAML (quoted)
  '0', '1', '-1', '+1', '42', '0042', '08', '09.5', '1_000', '1__000', '0x1F', '0x_1F', '-0x10', '0o17', '0b101', '-0b101', '0b1_0', '0o1_7',
  '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '18446744073709551615', '18446744073709551616',
  '99999999999999999999', '1.5', '-1.5', '+.5', '.5', '1.', '1e5', '1E5', '1e+5', '1.5e-3', '6.02e23', '.nan', '.NaN', '.NAN', '.inf', '-.Inf', '+.INF',
  '.Nan', '.iNF', '0b' + '1'.repeat(64), '0b' + '1'.repeat(65), '-0b' + '1'.repeat(63), '0o' + '7'.repeat(22), '0o1' + '7'.repeat(21),
  // base 60
  '1:30', '12:30', '190:20:30.15', '-1:30', '+1:30', '1:60', '1:5', '1:30:', '1_0:30', '1:30.', '1:3_0', '12:30:45.5_5',
  // timestamps
  '2024-01-01', '2024-1-1', '2024-13-01', '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2024-04-31', '2024-01-00', '2024-01-01x',
  '2001-12-14t21:59:43.10-05:00', '2001-12-14T21:59:43.10Z', '2001-12-14T21:59:43Z', '2001-12-14T21:59:43', '2001-12-14 21:59:43.10',
  '2001-12-14  21:59:43', '2001-12-14 21:59:43 ', '2001-12-14T24:00:00Z', '2001-12-14T23:60:00Z', '2001-12-14T23:59:60Z', '2001-12-14T1:2:3Z',
  '2001-12-14T21:59:43,5Z', '2001-12-14T21:59:43.Z', '2001-12-14T21:59:43+25:00', '2001-12-14T21:59:43+24:00', '2001-12-14T21:59:43+05:61',
  '2001-12-14T21:59:43+0500', '2001-12-14T21:59:43 -05:00', '2001-12-14 21:59:43.10 -5', '20011-12-14', '201-12-14', '2001-012-14', '2001-12-014',
  // reserved words
  'yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N', 'true', 'True', 'TRUE', 'tRUE',
  'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', '~a', 'o', 't', 'f', 'nan', 'inf', 'Infinity',
  // indicators at the start
  '#x', '# x', ',x', '[x', ']x', '{x', '}x', '&x', '*x', '!x', '|x', '>x', '\'x', '"x', '%x', '@x', '`x', '? x', ': x', '- x', '-', '?', ':',
  '---', '---x', '...', '....', '--', '..',
  // ': ' and ' #' inside
  'a: b', 'a:\tb', 'a:', 'a #b', 'a\t#b', 'a#', 'key: value # comment',
  // spaces and tabs
  '', ' ', '  ', ' x', 'x ', ' x ', '\tx', 'x\t', 'a\tb', 'a  b',
  // line breaks
  'a\nb', 'a\n', '\na', '\n', '\n\n', 'a\n\n', 'a\n\nb', 'a\n b', 'a \nb', ' a\nb', 'a\nb ', '\ta\nb', 'a\n\tb', 'a\n#b', 'a\n- b', '---\na',
  'a\r\nb', 'a\rb', '\r', 'a\u0085b', 'a\u2028b', 'a\u2029b', '\u2028', 'a\u2028', '\u2028a', 'a\u2028\u2028b', 'a\nb\u2028c', 'a\nb\u2028', 'a\u2028\nb',
  'a\n\u2028b', 'it\'s\nfine', 'a\n"b"\n', 'é\nü',
  // control, unprintable, non-ASCII and astral characters
  '\0', 'a\0b', '\x07\x08\x0b\x0c\x1b', '\x01', '\x1f', '\x7f', '\x80', '\x9f', 'a\x85', '\ufeff', '\ufeffab', '\ufeff a', 'a\ufeff', '\ufffe', '\uffff',
  '😀', 'a😀b', '𝔘', '\u{10ffff}', '\ud800', 'a\udc00b', '\ud83d', 'e\u0301', '\u200b', 'a\u00ad', 'tab\there',
  // quotes in styles that need them
  '\'', '\'\'', '"', '\\', ' \' ', ' "', 'a\'b ', '\'a\nb\'',
];

/** Long names (no line folding in csharg's YAML: yaml.v3 writes each on one line). */
function longNames(): string[] {
  return [
    'a'.repeat(200), 'word '.repeat(40).trim(), `${'word '.repeat(40)}`, `x${' y'.repeat(100)}`, `"${'q'.repeat(100)}"`,
    `${'line\n'.repeat(30)}end`, `${'é'.repeat(100)} ${'日'.repeat(50)}`, `${'a:b '.repeat(30)}`, '1'.repeat(100), `${'1'.repeat(30)}.5`,
  ];
}

/** A small deterministic generator (mulberry32), so a failure can be reproduced from the seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that matter to YAML, so random names hit the rules often.
const PIECES = [
  '0', '1', '7', '9', '12', '2001', '-', '+', '.', ':', '_', 'e', 'E', 'x', 'b', 'o', 'X', 'T', 't', 'Z', 'a', 'y', 'n', 'N', 'Y', '~',
  ' ', '  ', '\t', '\n', '\r', '#', '\'', '"', '\\', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '?', '<<',
  'yes', 'no', 'on', 'off', 'true', 'null', 'inf', 'nan', '.inf', '0x', '0b', '0o', '2001-12-14', 'T21:59:43', '+05:00', '---', '...',
  'é', '\u00a0', '\u0085', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff', '😀', '\x00', '\x1b', '\x7f', '\x9f', '日',
];

function randomNames(seed: number, count: number): string[] {
  const next = random(seed);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 6);
    let name = '';
    for (let k = 0; k < length; k++) name += PIECES[Math.floor(next() * PIECES.length)] as string;
    names.push(name);
  }
  return names;
}

// ---- one comparison ---------------------------------------------------------------------

type Field = 'name' | 'type' | 'node' | 'uid' | 'filter';

interface Case {
  readonly label: string;
  readonly target: Target;
  readonly filter: string;
  readonly noProm: boolean;
  readonly input: Input;
}

function makeCase(value: string, field: Field, index: number): Case {
  const cluster = field === 'uid' ? { context: 'kind-ctx', uid: value } : index % 3 === 0 ? { context: 'kind-ctx' } : undefined;
  const target: Target = {
    name: field === 'name' ? value : `csharg-t${1 + (index % 4)}(${1000 + index})`,
    type: field === 'type' ? value : 'proc',
    netns: 4026532000 + index,
    nodeName: field === 'node' ? value : '198.18.255.2',
    ...(cluster ? { cluster } : {}),
  };
  return {
    label: `${field} ${JSON.stringify(value)}`,
    target,
    filter: field === 'filter' ? value : index % 5 === 0 ? 'udp port 47000' : '',
    noProm: index % 2 === 0,
    input: INPUTS[index % INPUTS.length] as Input,
  };
}

function forCsharg(c: Case): CshargEditorCase {
  return {
    target: {
      name: c.target.name,
      type: c.target.type,
      'node-name': c.target.nodeName,
      ...(c.target.cluster ? { cluster: { context: c.target.cluster.context, ...(c.target.cluster.uid ? { uid: c.target.cluster.uid } : {}) } } : {}),
    },
    filter: c.filter,
    noProm: c.noProm,
    input: c.input.bytes,
  };
}

function ours(metadata: CaptureTargetMetadata, input: Buffer, chunkSize: number): Buffer {
  const editor = new ShbEditor(metadata);
  const out: Buffer[] = [];
  for (const chunk of chunksOf(input, Number.isFinite(chunkSize) ? chunkSize : input.length)) out.push(...editor.write(chunk));
  out.push(...editor.end());
  return Buffer.concat(out);
}

function firstComment(shb: Buffer): string {
  return parseShb(shb).options[0]?.value.toString('utf8') ?? '';
}

/** Runs every case through both editors; returns readable differences (at most `limit`). */
async function compare(csharg: CshargEditor, cases: readonly Case[], limit = 15): Promise<{ compared: number; differences: string[] }> {
  const expected = await csharg.edit(cases.map(forCsharg));
  const differences: string[] = [];
  let compared = 0;
  cases.forEach((c, i) => {
    const want = expected[i] as Buffer;
    const metadata = captureTargetMetadata(c.target, { filter: c.filter, avoidPromiscuousMode: c.noProm });
    for (const size of CHUNK_SIZES) {
      const got = ours(metadata, c.input.bytes, size);
      compared++;
      if (got.equals(want)) continue;
      if (differences.length < limit) {
        differences.push(`${c.label} (chunk size ${size}, ${c.input.name}):\n  csharg: ${JSON.stringify(firstComment(want))}\n  ours:   ${JSON.stringify(firstComment(got))}`);
      }
      break;
    }
  });
  return { compared, differences };
}

// ---- the tests ------------------------------------------------------------------------------

describe('SHB editor against csharg v1.0.2\'s own editor (Go), byte for byte', { timeout: 900_000 }, () => {
  // Built by the first test (requireGo needs a test context), shared by the rest.
  let csharg: CshargEditor | undefined;
  let go: string | undefined;

  after(async () => {
    await csharg?.close();
  });

  async function editor(t: TestContext): Promise<CshargEditor | undefined> {
    go ??= requireGo(t);
    if (go === undefined) return undefined;
    csharg ??= await buildCshargEditor(go);
    return csharg;
  }

  it('builds csharg\'s editor and it writes what the spec says (node-name unquoted as yaml.v3 writes it)', async (t) => {
    const c = await editor(t);
    if (c === undefined) return;
    const [out] = await c.edit([{ target: { name: 'csharg-t2(4242)', type: 'proc', 'node-name': '198.18.255.2' }, input: INPUTS[0]!.bytes }]);
    const comment = firstComment(out as Buffer);
    assert.equal(comment, `${CAPTURE_TARGET_MARKER}container-name: csharg-t2(4242)\ncontainer-type: proc\nnode-name: 198.18.255.2\n`);
    const metadata = captureTargetMetadata({ name: 'csharg-t2(4242)', type: 'proc', netns: 1 }, {}, '198.18.255.2');
    assert.equal(captureTargetYaml(metadata), comment);
  });

  it(`every YAML style decision: ${NAMES.length} names in the container name, the cluster uid (deeper indentation) and the filter, at chunk sizes 1, 2, 3, 7 and whole`, async (t) => {
    const c = await editor(t);
    if (c === undefined) return;
    const cases: Case[] = [];
    NAMES.forEach((name, i) => {
      for (const field of ['name', 'uid', 'filter'] as const) cases.push(makeCase(name, field, i * 3 + cases.length));
    });
    const { compared, differences } = await compare(c, cases);
    assert.deepEqual(differences, [], `${differences.length} differences:\n${differences.join('\n')}`);
    assert.equal(compared, cases.length * CHUNK_SIZES.length);
  });

  it('long names and long multi-line names in every field (yaml.v3 folds no lines in csharg\'s YAML)', async (t) => {
    const c = await editor(t);
    if (c === undefined) return;
    const fields: Field[] = ['name', 'type', 'node', 'uid', 'filter'];
    const cases = longNames().flatMap((name, i) => fields.map((field, k) => makeCase(name, field, i * fields.length + k)));
    const { differences } = await compare(c, cases);
    assert.deepEqual(differences, [], differences.join('\n'));
    const [out] = await c.edit([forCsharg(makeCase('word '.repeat(40).trim(), 'name', 1))]);
    assert.match(firstComment(out as Buffer), /\ncontainer-name: (?:word ){39}word\n/, 'one line, however long');
  });

  for (const seed of [0x5eed, 0xc5a26, 20261130]) {
    it(`4000 generated names (seed ${seed}) in random fields, at chunk sizes 1, 2, 3, 7 and whole`, async (t) => {
      const c = await editor(t);
      if (c === undefined) return;
      const pick = random(seed ^ 0xffff);
      const fields: Field[] = ['name', 'type', 'node', 'uid', 'filter'];
      const cases = randomNames(seed, 4000).map((name, i) => makeCase(name, fields[Math.floor(pick() * fields.length)] as Field, i));
      const { compared, differences } = await compare(c, cases);
      assert.deepEqual(differences, [], differences.join('\n'));
      assert.equal(compared, cases.length * CHUNK_SIZES.length);
    });
  }

  it('the shared vectors (../shared/vectors/shb-editor.json) are what csharg\'s editor writes', async (t) => {
    const c = await editor(t);
    if (c === undefined) return;
    const file = path.resolve(__dirname, '..', '..', '..', 'shared', 'vectors', 'shb-editor.json');
    const local = path.resolve(__dirname, '..', 'unit', 'client', 'shb-editor-vectors.json');
    interface Vector { name: string; metadata: CaptureTargetMetadata; input: string; output: string }
    let vectors: Vector[];
    try {
      vectors = (JSON.parse(readFileSync(file, 'utf8')) as { cases: Vector[] }).cases;
    } catch {
      vectors = (JSON.parse(readFileSync(local, 'utf8')) as { cases: Vector[] }).cases;
    }
    const outputs = await c.edit(vectors.map((v) => ({
      target: {
        name: v.metadata['container-name'] ?? '',
        type: v.metadata['container-type'] ?? '',
        'node-name': v.metadata['node-name'] ?? '',
        ...(v.metadata.cluster ? { cluster: v.metadata.cluster } : {}),
      },
      filter: v.metadata['capture-filter'] ?? '',
      noProm: v.metadata['no-promiscuous-mode'] ?? false,
      input: Buffer.from(v.input, 'hex'),
    })));
    vectors.forEach((v, i) => {
      assert.equal(outputs[i]?.toString('hex'), v.output, `csharg's editor on vector "${v.name}"`);
      for (const size of CHUNK_SIZES) assert.equal(ours(v.metadata, Buffer.from(v.input, 'hex'), size).toString('hex'), v.output, `ours on "${v.name}", chunk size ${size}`);
    });
  });

  it('an option with code 0 but a length is kept as an option, as csharg keeps it', async (t) => {
    const c = await editor(t);
    if (c === undefined) return;
    const odd = buildShb({ options: [{ code: USERAPPL, value: text('app') }, { code: 0, value: text('zero') }, { code: OS, value: text('Linux') }] });
    const one = makeCase('csharg-t1(1)', 'name', 1);
    const [want] = await c.edit([{ ...forCsharg(one), input: odd }]);
    const metadata = captureTargetMetadata(one.target, { filter: one.filter, avoidPromiscuousMode: one.noProm });
    for (const size of CHUNK_SIZES) assert.deepEqual(ours(metadata, odd, size), want, `chunk size ${size}`);
    // (a pcapng reader stops at that code 0; the bytes after it are still there)
    assert.ok(want!.includes(Buffer.concat([Buffer.from([0, 0, 0, 4]), text('zero'), Buffer.from([0, 3, 0, 5]), text('Linux')])), 'code 0 and the OS option kept');
  });
});

describe('where our editor differs from csharg\'s on purpose (csharg defects), shown against the real thing', { timeout: 300_000 }, () => {
  let csharg: CshargEditor | undefined;
  after(async () => {
    await csharg?.close();
  });
  async function editor(t: TestContext): Promise<CshargEditor | undefined> {
    const go = requireGo(t);
    if (go === undefined) return undefined;
    csharg ??= await buildCshargEditor(go);
    return csharg;
  }
  const target = { name: 'csharg-t1(7)', type: 'proc', 'node-name': 'node-a' } as const;
  const metadata: CaptureTargetMetadata = { 'container-name': target.name, 'container-type': target.type, 'node-name': target['node-name'] };
  const block = captureTargetYaml(metadata);
  const edit = async (t: TestContext, comment: string): Promise<{ csharg: string; ours: string } | undefined> => {
    const c = await editor(t);
    if (c === undefined) return undefined;
    const input = buildShb({ options: [{ code: COMMENT, value: text(comment) }] });
    const [want] = await c.edit([{ target, input }]);
    return { csharg: firstComment(want as Buffer), ours: firstComment(ours(metadata, input, 1)) };
  };

  it('a target block followed by another YAML document: csharg cuts at the wrong offset and keeps part of the old block; we replace it in place', async (t) => {
    const comment = `intro\n${CAPTURE_TARGET_MARKER}container-name: old\n---\nnext: 2\n`;
    const out = await edit(t, comment);
    if (out === undefined) return;
    // csharg: comment[:start] + comment[start+end:], with `end` found after the marker but added to its start.
    const start = 'intro\n'.length;
    const end = 'container-name: old'.length;
    assert.equal(out.csharg, `${comment.slice(0, start)}${comment.slice(start + end)}${block}`);
    assert.equal(out.ours, `intro\n${block}---\nnext: 2\n`);
  });

  it('a target block directly followed by the next document: csharg drops that document; we keep it', async (t) => {
    const out = await edit(t, `${CAPTURE_TARGET_MARKER}---\nnext: 2\n`);
    if (out === undefined) return;
    assert.equal(out.csharg, block);
    assert.equal(out.ours, `${block}---\nnext: 2\n`);
  });

  it('a marker at the very end of the comment (no newline after it): csharg adds a second block; we replace it', async (t) => {
    const comment = `ABC\n${CAPTURE_TARGET_MARKER.trimEnd()}`;
    const out = await edit(t, comment);
    if (out === undefined) return;
    assert.equal(out.csharg, `${comment}\n${block}`);
    assert.equal(out.ours, `ABC\n${block}`);
  });
});
