import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ShbEditor, shbEditStream, captureTargetMetadata, MAX_SHB_SIZE } from '../../../src/core/shb/shb-editor';
import type { CaptureTargetMetadata } from '../../../src/core/shb/shb-editor';
import { captureTargetYaml, yamlScalar, CAPTURE_TARGET_MARKER } from '../../../src/core/shb/capture-metadata';
import { ShbEditError } from '../../../src/core/errors';
import { buildShb, chunksOf, parseShb } from './shb-blocks';
import vectors from './shb-editor-vectors.json';

function editAll(metadata: CaptureTargetMetadata, chunks: Buffer[]): Buffer {
  const editor = new ShbEditor(metadata);
  const out: Buffer[] = [];
  for (const chunk of chunks) out.push(...editor.write(chunk));
  out.push(...editor.end());
  return Buffer.concat(out);
}

async function streamAll(metadata: CaptureTargetMetadata, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), shbEditStream(metadata), async (source: AsyncIterable<Buffer>) => {
    for await (const piece of source) out.push(piece);
  });
  return Buffer.concat(out);
}

function isShbError(code: string) {
  return (error: unknown) => error instanceof ShbEditError && error.code === code;
}

const COMMENT = 1;
const USERAPPL = 4;
const text = (s: string) => Buffer.from(s, 'utf8');

describe('SHB editor: the spec vectors', () => {
  for (const vector of vectors.cases) {
    const input = Buffer.from(vector.input, 'hex');
    it(`${vector.name}: every chunk size from 1 to ${input.length}, incremental editor`, () => {
      for (let size = 1; size <= input.length; size++) {
        assert.equal(editAll(vector.metadata, chunksOf(input, size)).toString('hex'), vector.output, `chunk size ${size}`);
      }
    });
    it(`${vector.name}: every chunk size from 1 to ${input.length}, Transform`, async () => {
      for (let size = 1; size <= input.length; size++) {
        const out = await streamAll(vector.metadata, chunksOf(input, size));
        assert.equal(out.toString('hex'), vector.output, `chunk size ${size}`);
      }
    });
  }
});

describe('SHB editor: structure of the edited block', () => {
  const metadata: CaptureTargetMetadata = { 'container-name': 'web', 'container-type': 'docker', 'node-name': 'host1' };
  const block = captureTargetYaml(metadata);

  for (const littleEndian of [false, true]) {
    it(`keeps every option but the first comment, comment first, no endofopt, section length -1 (${littleEndian ? 'LE' : 'BE'})`, () => {
      const options = [
        { code: 2, value: text('x86_64') },
        { code: COMMENT, value: text('first') },
        { code: 3, value: text('Linux 6.1') },
        { code: COMMENT, value: text('second comment') },
        { code: USERAPPL, value: text('Dumpcap') },
      ];
      const rest = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
      const input = Buffer.concat([buildShb({ littleEndian, options, endOfOptions: true, major: 1, minor: 2 }), rest]);
      const parsed = parseShb(editAll(metadata, [input]));
      assert.equal(parsed.littleEndian, littleEndian);
      assert.equal(parsed.major, 1);
      assert.equal(parsed.minor, 2);
      assert.equal(parsed.sectionLength, -1n);
      assert.equal(parsed.sawEndOfOptions, false);
      assert.equal(parsed.trailer, parsed.length);
      assert.deepEqual(parsed.options, [
        { code: COMMENT, value: text(`first\n${block}`) },
        ...options.filter((_, i) => i !== 1),
      ]);
      assert.deepEqual(parsed.rest, rest);
    });
  }

  it('replaces the target block in place and keeps a following YAML document', () => {
    const comment = `intro\n${CAPTURE_TARGET_MARKER}container-name: old\n---\nnext: 2\n`;
    const parsed = parseShb(editAll(metadata, [buildShb({ options: [{ code: COMMENT, value: text(comment) }] })]));
    assert.equal(parsed.options[0]?.value.toString(), `intro\n${block}---\nnext: 2\n`);
  });

  it('replaces a target block that directly precedes the next document', () => {
    const comment = `${CAPTURE_TARGET_MARKER}---\nnext: 2\n`;
    const parsed = parseShb(editAll(metadata, [buildShb({ options: [{ code: COMMENT, value: text(comment) }] })]));
    assert.equal(parsed.options[0]?.value.toString(), `${block}---\nnext: 2\n`);
  });

  it('recognises a marker at the very end of the comment (no final newline) instead of adding a second block', () => {
    const comment = `ABC\n${CAPTURE_TARGET_MARKER.trimEnd()}`;
    const parsed = parseShb(editAll(metadata, [buildShb({ options: [{ code: COMMENT, value: text(comment) }] })]));
    assert.equal(parsed.options[0]?.value.toString(), `ABC\n${block}`);
  });

  it('only takes the marker at the start of a line; otherwise it appends', () => {
    const comment = `x${CAPTURE_TARGET_MARKER}`;
    const parsed = parseShb(editAll(metadata, [buildShb({ options: [{ code: COMMENT, value: text(comment) }] })]));
    assert.equal(parsed.options[0]?.value.toString(), `${comment}${block}`);
  });

  it('keeps comment bytes that are not UTF-8 unchanged', () => {
    const before = Buffer.from([0xff, 0xfe, 0x80, 0x0a]);
    const parsed = parseShb(editAll(metadata, [buildShb({ options: [{ code: COMMENT, value: before }] })]));
    assert.deepEqual(parsed.options[0]?.value, Buffer.concat([before, text(block)]));
  });

  it('writes non-ASCII metadata as UTF-8 and pads the option to 32 bits', () => {
    const unicode: CaptureTargetMetadata = { 'container-name': 'café-ünïcode', 'container-type': 'docker' };
    const out = editAll(unicode, [buildShb()]);
    const parsed = parseShb(out);
    assert.equal(parsed.options[0]?.value.toString('utf8'), captureTargetYaml(unicode));
    assert.equal(out.length % 4, 0);
    assert.equal(parsed.length, out.length);
  });
});

describe('SHB editor: streams it does not edit', () => {
  it('passes a stream that does not start with an SHB through unchanged, byte by byte too', () => {
    const classicPcap = Buffer.from('d4c3b2a102000400000000000000000000000400010000000102030405', 'hex');
    for (const size of [1, 3, 7, classicPcap.length]) assert.deepEqual(editAll({}, chunksOf(classicPcap, size)), classicPcap);
  });

  it('releases bytes as soon as they cannot start an SHB', () => {
    const editor = new ShbEditor({});
    assert.deepEqual(editor.write(Buffer.from([0x0a, 0x0d])), []);
    assert.deepEqual(Buffer.concat(editor.write(Buffer.from([0x0e]))), Buffer.from([0x0a, 0x0d, 0x0e]));
    assert.equal(editor.passingThrough, true);
    const later = Buffer.from([9, 9]);
    assert.equal(editor.write(later)[0], later);
  });

  it('produces nothing for an empty stream', () => {
    assert.equal(editAll({}, []).length, 0);
  });

  it('passes everything after the first SHB through, a second SHB included', () => {
    const second = buildShb({ options: [{ code: COMMENT, value: text('second section') }] });
    const out = editAll({}, [buildShb(), second]);
    assert.deepEqual(parseShb(out).rest, second);
  });
});

describe('SHB editor: failures are typed and never silent', () => {
  const shb = buildShb({ options: [{ code: COMMENT, value: text('hello') }], endOfOptions: true });

  it('fails at the end of a stream that stops inside the first SHB, at every cut', () => {
    for (let cut = 1; cut < shb.length; cut++) {
      const editor = new ShbEditor({});
      assert.deepEqual(editor.write(shb.subarray(0, cut)), []);
      assert.throws(() => editor.end(), isShbError('SHB_TRUNCATED'), `cut at ${cut}`);
    }
  });

  it('errors the Transform (not a throw) when the stream stops inside the SHB', async () => {
    await assert.rejects(streamAll({}, [shb.subarray(0, 20)]), isShbError('SHB_TRUNCATED'));
  });

  it('refuses an SHB announcing more than 1 MiB as soon as the length is known', () => {
    const header = Buffer.from(shb.subarray(0, 12));
    header.writeUInt32BE(MAX_SHB_SIZE + 4, 4);
    const editor = new ShbEditor({});
    assert.throws(() => editor.write(header), isShbError('SHB_TOO_LARGE'));
    assert.throws(() => editor.write(Buffer.alloc(4)), isShbError('SHB_TOO_LARGE'), 'stays failed');
  });

  it('accepts an SHB of exactly the cap, and honours a lower cap', () => {
    const big = buildShb({ options: [{ code: 2, value: Buffer.alloc(60_000, 0x61) }] });
    assert.equal(parseShb(editAll({}, [big])).options[1]?.value.length, 60_000);
    const capped = new ShbEditor({}, { maxShbSize: big.length - 4 });
    assert.throws(() => capped.write(big), isShbError('SHB_TOO_LARGE'));
    const exact = new ShbEditor({}, { maxShbSize: big.length });
    assert.ok(exact.write(big).length > 0);
  });

  it('errors the Transform for a too-large SHB without waiting for more data', async () => {
    const header = Buffer.from(shb.subarray(0, 12));
    header.writeUInt32BE(0xfffffffc, 4);
    await assert.rejects(streamAll({}, [header]), isShbError('SHB_TOO_LARGE'));
  });

  const malformed: [string, (b: Buffer) => void][] = [
    ['an unknown byte-order magic', (b) => b.writeUInt32BE(0x11223344, 8)],
    ['a block length that is not a multiple of 4', (b) => b.writeUInt32BE(b.length + 1, 4)],
    ['a block length below 28', (b) => b.writeUInt32BE(24, 4)],
    ['a trailing length that differs', (b) => b.writeUInt32BE(b.length + 4, b.length - 4)],
    ['an option running past the block', (b) => b.writeUInt16BE(0xfff0, 26)],
  ];
  for (const [what, corrupt] of malformed) {
    it(`refuses ${what}`, () => {
      const bad = Buffer.from(shb);
      corrupt(bad);
      assert.throws(() => editAll({}, [bad]), isShbError('SHB_MALFORMED'));
    });
  }

  it('refuses to write a comment beyond 65535 bytes', () => {
    const long = buildShb({ options: [{ code: COMMENT, value: Buffer.alloc(65_500, 0x61) }] });
    assert.throws(() => editAll({ 'container-name': 'x' }, [long]), isShbError('SHB_COMMENT_TOO_LONG'));
  });

  it('refuses metadata of the wrong shape when it is created', () => {
    assert.throws(() => new ShbEditor({ 'container-name': 42 } as unknown as CaptureTargetMetadata), TypeError);
    assert.throws(() => shbEditStream({ 'no-promiscuous-mode': 'yes' } as unknown as CaptureTargetMetadata), TypeError);
  });
});

describe('capture target YAML', () => {
  it('writes the keys in csharg order and omits the optional ones when unset', () => {
    const lines = captureTargetYaml({
      'container-name': 'a',
      'container-type': 'b',
      'node-name': 'c',
      cluster: { uid: 'u-1' },
      'capture-filter': 'udp',
      'no-promiscuous-mode': true,
    }).split('\n');
    assert.deepEqual(lines.map((l) => l.split(':')[0]), [
      '---', '# capture target information', 'container-name', 'container-type', 'node-name', 'cluster', '    uid', 'capture-filter', 'no-promiscuous-mode', '',
    ]);
    const minimal = captureTargetYaml({ 'capture-filter': '', 'no-promiscuous-mode': false }).split('\n');
    assert.deepEqual(minimal.map((l) => l.split(':')[0]), ['---', '# capture target information', 'container-name', 'container-type', 'node-name', '']);
  });

  it('writes a cluster without uid as an empty mapping', () => {
    assert.match(captureTargetYaml({ cluster: {} }), /\ncluster: \{\}\n$/);
  });

  it('leaves values plain that yaml.v3 writes plain (IP addresses and versions included)', () => {
    for (const value of ['default/nginx', 'tcp port 80', 'localhost', 'systemd(1)', '/run/netns/blue:/run/netns/x', 'a-b_c', 'host.example',
      '198.18.255.2', '1.2.3', '1e400', 'a:b', 'a#b', 'café', '日本', '<<', '0x', '.', '-x', '2023-02-29']) {
      assert.equal(yamlScalar(value), value);
    }
  });

  // What csharg (yaml.v3) writes; checked byte for byte against it in test/integration/diff-shb-editor-csharg-go.test.ts.
  const styles: [string, string][] = [
    ['', '""'], ['true', '"true"'], ['no', '"no"'], ['On', '"On"'], ['null', '"null"'], ['~', '"~"'], ['123', '"123"'], ['08', '"08"'],
    ['1.5', '"1.5"'], ['.inf', '".inf"'], ['+1', '"+1"'], ['0x1F', '"0x1F"'], ['0b-1', '"0b-1"'], ['1_000', '"1_000"'], ['12:30', '"12:30"'],
    ['2024-01-01', '"2024-01-01"'], ['2001-12-14 21:59:43.10', '"2001-12-14 21:59:43.10"'],
    ['a: b', "'a: b'"], ['a #b', "'a #b'"], ['end:', "'end:'"], ['#x', "'#x'"], ['- x', "'- x'"], ['*ref', "'*ref'"],
    ['"q"', `'"q"'`], ["'q'", "'''q'''"], [' lead', "' lead'"], ['trail ', "'trail '"], ['---', "'---'"],
    ['tab\there', '"tab\\there"'], ['del\x7f', '"del\\x7F"'], ['c1\x85', '"c1\\N"'], ['\ufeffab', '"\\uFEFF\\x61\\x62"'],
    ['😀', '"\\U0001F600"'], ['nul\0', '"nul\\0"'], ['a\u2028b', "'a\u2028    b'"], ['cr\r', '"cr\\r"'],
    ['two\nlines', '|-\n    two\n    lines'], ['ends\n', '|\n    ends'], ['keep\n\n', '|+\n    keep\n'], [' lead\nx', '|4-\n     lead\n    x'],
    ['space \nbreak', '"space \\nbreak"'], ['a\nb ', '"a\\nb "'],
  ];
  for (const [value, written] of styles) {
    it(`writes ${JSON.stringify(value)} as yaml.v3 does: ${JSON.stringify(written)}`, () => {
      assert.equal(yamlScalar(value), written);
    });
  }

  it('indents a literal block under the cluster uid by eight spaces and folds no long line', () => {
    assert.match(captureTargetYaml({ cluster: { uid: 'a\nb' } }), /\ncluster:\n {4}uid: \|-\n {8}a\n {8}b\n$/);
    const long = 'word '.repeat(40).trim();
    assert.ok(captureTargetYaml({ 'container-name': long }).includes(`\ncontainer-name: ${long}\n`));
  });

  it('builds the metadata from a target and the capture options', () => {
    const target = { name: 'default/web', type: 'pod', netns: 4026532000, cluster: { context: 'kind', uid: 'u-9' } };
    assert.deepEqual(captureTargetMetadata(target, { filter: 'tcp', avoidPromiscuousMode: true }, 'node7'), {
      'container-name': target.name,
      'container-type': target.type,
      'node-name': 'node7',
      cluster: { uid: target.cluster.uid },
      'capture-filter': 'tcp',
      'no-promiscuous-mode': true,
    });
    assert.deepEqual(captureTargetMetadata({ ...target, nodeName: 'own', cluster: undefined }), {
      'container-name': target.name,
      'container-type': target.type,
      'node-name': 'own',
    });
  });
});
