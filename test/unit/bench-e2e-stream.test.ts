// The e2e benchmark's own arithmetic: its pcapng stream counter (EPBs by IPv4 protocol, the ISB
// dumpcap writes last) gives the same counts however the stream is cut into chunks, the ISB at a
// stream's end is found from its tail alone, and the percentile is the nearest rank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamCounter, Tail, isbAtEnd, parseIsb, percentile, ratio } from '../../bench/e2e-stream';

function block(type: number, body: Buffer): Buffer {
  const length = 12 + body.length;
  const b = Buffer.alloc(length);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(length, 4);
  body.copy(b, 8);
  b.writeUInt32LE(length, length - 4);
  return b;
}

function shb(): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeBigInt64LE(-1n, 8);
  return block(0x0a0d0d0a, body);
}

function idb(): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(1, 0);
  body.writeUInt32LE(262144, 4);
  return block(1, body);
}

/** An Ethernet/IPv4 frame of IP protocol `proto` with `payload` bytes after the IPv4 header. */
function frame(proto: number, payload: number): Buffer {
  const f = Buffer.alloc(14 + 20 + payload);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f[14 + 9] = proto;
  return f;
}

function epb(data: Buffer): Buffer {
  const body = Buffer.alloc(20 + Math.ceil(data.length / 4) * 4);
  body.writeUInt32LE(data.length, 12);
  body.writeUInt32LE(data.length, 16);
  data.copy(body, 20);
  return block(6, body);
}

function isb(recv: bigint, ifDrop: bigint, osDrop: bigint): Buffer {
  const opt = (code: number, v: bigint) => {
    const o = Buffer.alloc(12);
    o.writeUInt16LE(code, 0);
    o.writeUInt16LE(8, 2);
    o.writeBigUInt64LE(v, 4);
    return o;
  };
  const head = Buffer.alloc(12);
  return block(5, Buffer.concat([head, opt(4, recv), opt(5, ifDrop), opt(7, osDrop), Buffer.alloc(4)]));
}

const frames = [frame(17, 16), frame(6, 1400), frame(17, 100), frame(1, 8), frame(6, 0)];
const arp = Buffer.alloc(42);
arp.writeUInt16BE(0x0806, 12);
const stream = Buffer.concat([shb(), idb(), ...frames.map(epb), epb(arp), epb(Buffer.alloc(10)), isb(123n, 4n, 56n)]);

test('StreamCounter: the same counts for every chunk size from 1 byte to the whole stream, and the ISB options', () => {
  for (let size = 1; size <= stream.length; size++) {
    const c = new StreamCounter();
    for (let at = 0; at < stream.length; at += size) c.feed(stream.subarray(at, at + size));
    assert.deepEqual(c.counts(), { bytes: stream.length, packets: 7, udp: 2, tcp: 2, other: 3, isb: { ifRecv: 123, ifDrop: 4, osDrop: 56 } }, `chunks of ${size} bytes`);
  }
});

test('StreamCounter: uneven chunks cut at every offset pair', () => {
  for (let a = 1; a < stream.length; a += 7) {
    for (let b = a + 1; b < stream.length; b += 13) {
      const c = new StreamCounter();
      c.feed(stream.subarray(0, a));
      c.feed(stream.subarray(a, b));
      c.feed(stream.subarray(b));
      assert.equal(c.packets, 7);
      assert.equal(c.udp + c.tcp + c.other, 7);
      assert.deepEqual(c.isb, { ifRecv: 123, ifDrop: 4, osDrop: 56 });
    }
  }
});

test('isbAtEnd reads the last block from a tail (however the tail starts); none when the stream does not end with an ISB', () => {
  assert.deepEqual(isbAtEnd(stream), { ifRecv: 123, ifDrop: 4, osDrop: 56 });
  assert.deepEqual(isbAtEnd(stream.subarray(stream.length - 70)), { ifRecv: 123, ifDrop: 4, osDrop: 56 });
  assert.equal(isbAtEnd(Buffer.concat([shb(), idb(), epb(frame(17, 16))])), undefined);
  const tail = new Tail(64);
  for (let at = 0; at < stream.length; at += 10) tail.push(stream.subarray(at, at + 10));
  assert.ok(tail.buffer().length < stream.length && tail.buffer().length >= 64);
  assert.deepEqual(isbAtEnd(tail.buffer()), { ifRecv: 123, ifDrop: 4, osDrop: 56 });
  assert.deepEqual(parseIsb(isb(1n, 2n, 3n)), { ifRecv: 1, ifDrop: 2, osDrop: 3 });
});

test('percentile is the nearest rank; ratio is null when the base is 0', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(ratio(3, 4), 0.75);
  assert.equal(ratio(3, 0), null);
});
