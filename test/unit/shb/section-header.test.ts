// The one SHB reader (core/shb/section-header.ts) and the four parts built on it: the pcapng
// reader, the SHB editor, --follow's block aligner and gap comment read an SHB alike, in both byte
// orders, and turn a bad byte-order magic away alike; the end-of-options rules differ on purpose
// (csharg's editor keeps a code 0 that has a length).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngBlockAligner } from '../../../src/core/follow/block-aligner';
import { withShbComment } from '../../../src/core/follow/gap';
import { ShbEditError } from '../../../src/core/errors';
import { PcapngFormatError, PcapngReader } from '../../../src/core/pcapng';
import type { SectionHeaderBlock } from '../../../src/core/pcapng';
import { ShbEditor } from '../../../src/core/shb/shb-editor';
import { isShbAt, mayStartShb, shbFraming, shbOptions } from '../../../src/core/shb/section-header';
import { epb, idb, shb, str } from '../pcapng/build';

const TARGET = { 'container-name': 'csharg-t2', 'container-type': 'proc', 'node-name': 'bed' } as const;

function firstShb(bytes: Buffer): SectionHeaderBlock {
  const first = new PcapngReader().push(bytes)[0];
  assert.ok(first?.kind === 'shb');
  return first;
}

for (const le of [true, false]) {
  test(`${le ? 'LE' : 'BE'}: reader, editor, aligner and gap comment read the same SHB`, () => {
    const head = shb(le, [str(1, 'from the server'), str(4, 'packetflix')]);
    const stream = Buffer.concat([head, idb(le, 1, 0), epb(le, 0, 1n, Buffer.from('abcd'))]);
    assert.deepEqual(shbFraming(stream), { littleEndian: le, length: head.length });
    assert.ok(isShbAt(stream) && mayStartShb(stream.subarray(0, 2)) && !mayStartShb(Buffer.from('HT')));
    const walked = shbOptions(stream, 0, head.length, le, 0);
    assert.deepEqual([walked.options.map((o) => o.value.toString()), walked.endOfOptions, walked.end], [['from the server', 'packetflix'], true, head.length - 8]);

    const read = firstShb(stream);
    assert.deepEqual([read.littleEndian, read.comments, read.userAppl], [le, ['from the server'], 'packetflix']);
    const edited = Buffer.concat(new ShbEditor(TARGET).write(stream));
    const readEdited = firstShb(edited);
    assert.equal(readEdited.littleEndian, le);
    assert.equal(readEdited.target?.['container-name'], 'csharg-t2');
    assert.equal(readEdited.userAppl, 'packetflix');
    assert.ok(new PcapngBlockAligner().push(edited).equals(edited), 'the aligner frames the edited stream in its byte order');
    const marked = firstShb(withShbComment(edited, 'csharg: gap'));
    assert.deepEqual([marked.littleEndian, marked.comments.at(-1), marked.userAppl], [le, 'csharg: gap', 'packetflix']);
  });
}

test('a bad byte-order magic is turned away by all four, each with its own error', () => {
  const bad = shb(true);
  bad.writeUInt32BE(0x11223344, 8);
  assert.equal(shbFraming(bad), undefined);
  const named = /0x11223344/;
  assert.throws(() => new PcapngReader().push(bad), (e: unknown) => e instanceof PcapngFormatError && named.test(e.message));
  assert.throws(() => new ShbEditor(TARGET).write(bad), (e: unknown) => e instanceof ShbEditError && e.code === 'SHB_MALFORMED' && named.test(e.message));
  assert.throws(() => new PcapngBlockAligner().push(bad), (e: unknown) => e instanceof PcapngFormatError && named.test(e.message));
  assert.throws(() => withShbComment(bad, 'x'), (e: unknown) => e instanceof PcapngFormatError && named.test(e.message));
});

test('end of options: the reader stops at any code 0, the editor (as csharg) only at an empty one', () => {
  // options: comment, code 0 with 4 bytes, shb_userappl, opt_endofopt
  const head = shb(true, [str(1, 'c'), { code: 0, value: Buffer.from('zero') }, str(4, 'after')]);
  const format = shbOptions(head, 0, head.length, true, 0);
  const csharg = shbOptions(head, 0, head.length, true, 0, 'empty');
  assert.deepEqual(format.options.map((o) => o.code), [1]);
  assert.deepEqual(csharg.options.map((o) => o.code), [1, 0, 4]);
  assert.equal(firstShb(head).userAppl, undefined);
  const edited = Buffer.concat(new ShbEditor(TARGET).write(head));
  const kept = shbOptions(edited, 0, edited.length, true, 0, 'empty').options.map((o) => [o.code, o.value.toString().slice(0, 5)]);
  assert.deepEqual(kept.slice(1), [[0, 'zero'], [4, 'after']]);
  // an option that runs past its block is malformed for both rules
  const overrun = Buffer.from(head);
  overrun.writeUInt16LE(200, 26);
  assert.throws(() => shbOptions(overrun, 0, overrun.length, true, 0), PcapngFormatError);
  assert.throws(() => new ShbEditor(TARGET).write(overrun), (e: unknown) => e instanceof ShbEditError && e.code === 'SHB_MALFORMED');
});
