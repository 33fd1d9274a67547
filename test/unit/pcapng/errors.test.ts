import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { PcapngBlockStream, PcapngFormatError, PcapngReader } from '../../../src/core/pcapng';
import { block, chunked, epb, idb, shb, u32 } from './build';

function failure(bytes: Buffer, sizes: number[] = [bytes.length], maxBlockLength?: number): PcapngFormatError {
  const reader = new PcapngReader(maxBlockLength === undefined ? {} : { maxBlockLength });
  try {
    for (const c of chunked(bytes, sizes)) reader.push(c);
    reader.end();
  } catch (e) {
    assert.ok(e instanceof PcapngFormatError, `not a PcapngFormatError: ${String(e)}`);
    return e;
  }
  assert.fail('no error');
}

function expectFailure(bytes: Buffer, offset: number, pattern: RegExp, maxBlockLength?: number): void {
  for (const sizes of [[bytes.length], [1], [7]]) {
    const e = failure(bytes, sizes, maxBlockLength);
    assert.equal(e.offset, offset, `${e.message} (chunks ${sizes[0]})`);
    assert.match(e.message, pattern);
    assert.match(e.message, new RegExp(`offset ${offset}\\b`));
    assert.equal(e.code, 'PCAPNG_FORMAT');
  }
}

const le = true;
const head = Buffer.concat([shb(le), idb(le, 1, 0)]);
const at = head.length;

test('a stream that does not start with an SHB', () => {
  expectFailure(Buffer.concat([idb(le, 1, 0), shb(le)]), 0, /does not start with a section header block/);
});

test('a bad byte-order magic', () => {
  const bad = shb(le);
  bad.writeUInt32LE(0x12345678, 8);
  expectFailure(Buffer.concat([head, bad]), at, /byte-order magic/);
});

test('block length not a multiple of 4, under 12, over the cap', () => {
  const e = epb(le, 0, 1n, Buffer.alloc(8));
  for (const [length, why] of [[e.length + 2, /multiple of 4/], [8, /under 12/], [0, /under 12/]] as const) {
    const bad = Buffer.from(e);
    bad.writeUInt32LE(length, 4);
    expectFailure(Buffer.concat([head, bad]), at, why);
  }
  expectFailure(Buffer.concat([head, e]), at, /over the cap of 32/, 32);
});

test('block length disagreeing with the trailing length', () => {
  const bad = epb(le, 0, 1n, Buffer.alloc(8));
  bad.writeUInt32LE(bad.length + 4, bad.length - 4);
  expectFailure(Buffer.concat([head, bad, epb(le, 0, 1n, Buffer.alloc(8))]), at, /trailing length/);
});

test('captured length beyond the block, option overrunning the block, undefined interface', () => {
  const tooLong = epb(le, 0, 1n, Buffer.alloc(8));
  tooLong.writeUInt32LE(200, 20);
  expectFailure(Buffer.concat([head, tooLong]), at, /cannot hold 200 captured bytes/);
  const optionBody = Buffer.concat([u32(0, le), u32(0, le), u32(0, le), u32(0, le), u32(0, le), Buffer.from([1, 0, 40, 0])]);
  expectFailure(Buffer.concat([head, block(6, optionBody, le)]), at + 28, /option 1 of 40 bytes overruns/);
  expectFailure(Buffer.concat([head, epb(le, 3, 1n, Buffer.alloc(4))]), at, /interface 3, but section 0 has 1/);
});

test('a stream ending inside a block', () => {
  const full = Buffer.concat([head, epb(le, 0, 1n, Buffer.alloc(40))]);
  expectFailure(full.subarray(0, full.length - 5), at, /ends inside a block \(\d+ of 72 bytes\)/);
  expectFailure(full.subarray(0, at + 3), at, /ends inside a block \(3 of at least 12 bytes\)/);
});

test('the reader stays failed', () => {
  const reader = new PcapngReader();
  assert.throws(() => reader.push(idb(le, 1, 0)), PcapngFormatError);
  assert.throws(() => reader.push(shb(le)), PcapngFormatError);
  assert.throws(() => reader.end(), PcapngFormatError);
});

test('the Transform form reports format errors as stream errors', async () => {
  const input = new PassThrough();
  const stream = new PcapngBlockStream();
  const kinds: string[] = [];
  stream.on('data', (b: { kind: string }) => kinds.push(b.kind));
  const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
  input.pipe(stream);
  input.end(Buffer.concat([head, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]));
  const error = await failed;
  assert.ok(error instanceof PcapngFormatError);
  assert.equal(error.offset, at);
  assert.deepEqual(kinds, ['shb', 'idb']);
});
