import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeFrameAtEnd, ReceivedTail } from '../../../src/core/host/close-frame-tail';

function closeFrame(code: number, reason: string): Buffer {
  const r = Buffer.from(reason, 'utf8');
  const head = Buffer.from([0x88, r.length + 2, code >> 8, code & 0xff]);
  return Buffer.concat([head, r]);
}

describe('close frame recovery (Packetflix 1006 reasons)', () => {
  it('finds a 1006 Close frame that ends the received bytes, after binary data', () => {
    const data = Buffer.concat([Buffer.from([0x82, 0x03, 1, 2, 3]), closeFrame(1006, 'Invalid capture filter "x(" for interface \'eth0\'.')]);
    assert.deepEqual(closeFrameAtEnd(data), { code: 1006, reason: 'Invalid capture filter "x(" for interface \'eth0\'.' });
  });

  it('handles empty and maximal (123-byte) reasons and non-ASCII text', () => {
    assert.deepEqual(closeFrameAtEnd(closeFrame(1006, '')), { code: 1006, reason: '' });
    const longest = 'r'.repeat(123);
    assert.deepEqual(closeFrameAtEnd(closeFrame(1006, longest)), { code: 1006, reason: longest });
    assert.deepEqual(closeFrameAtEnd(closeFrame(1006, 'Gerät «eth0» fehlt')), { code: 1006, reason: 'Gerät «eth0» fehlt' });
  });

  it('finds nothing when no such frame ends the bytes', () => {
    assert.equal(closeFrameAtEnd(Buffer.alloc(0)), undefined);
    assert.equal(closeFrameAtEnd(closeFrame(1000, 'ciao')), undefined);
    assert.equal(closeFrameAtEnd(Buffer.concat([closeFrame(1006, 'x'), Buffer.from([0])])), undefined);
  });

  it('keeps a bounded tail across any chunking', () => {
    const stream = Buffer.concat([Buffer.alloc(5000, 0x55), closeFrame(1006, 'cannot lock target network stack')]);
    for (const size of [1, 7, 100, 5000, stream.length]) {
      const tail = new ReceivedTail();
      for (let i = 0; i < stream.length; i += size) tail.push(stream.subarray(i, i + size));
      assert.ok(tail.bytes().length <= 384);
      assert.equal(closeFrameAtEnd(tail.bytes())?.reason, 'cannot lock target network stack', `chunk size ${size}`);
    }
  });
});
