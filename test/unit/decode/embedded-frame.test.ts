// The decoder reads frames in place inside capture chunks (no copy, no view per packet). A frame
// embedded between other bytes must dissect exactly as the same frame on its own: no read may
// reach past the frame into the neighbouring blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dissection } from '../../../src/core/decode/dissection';
import { ethernet, ipv4, ipv6, tcp, udp } from './frames';

const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276];

function fields(d: Dissection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) if (k !== 'buffer') out[k] = v;
  return out;
}

test('a frame inside a larger buffer dissects as the frame alone (200,000 cases)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...LINK_TYPES),
      fc.uint8Array({ maxLength: 120 }),
      fc.uint8Array({ maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (linkType, frame, before, after) => {
        const alone = new Dissection(Buffer.from(frame), linkType);
        const chunk = Buffer.concat([before, frame, after]);
        const embedded = new Dissection(chunk, linkType, before.length, frame.length);
        assert.deepEqual(fields(embedded), fields(alone));
        assert.deepEqual(embedded.bytes, alone.bytes);
      },
    ),
    { numRuns: 200_000 },
  );
});

test('valid frames, mutated and cut, dissect the same embedded as alone (100,000 cases)', () => {
  const valid = [
    ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20001, dstPort: 53, flags: 0x18, options: Buffer.from([2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]), payload: Buffer.from('hello') }) })),
    ethernet(0x8100, Buffer.concat([Buffer.from([0, 42, 0x86, 0xdd]), ipv6({ next: 0, payload: Buffer.concat([Buffer.from([44, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([17, 0, 0, 1, 0, 0, 0, 1]), udp(5353, 5353, Buffer.from('q'))]) })])),
    ethernet(0x0800, ipv4({ protocol: 17, options: Buffer.from([1, 1, 0x94, 4, 0, 0, 0, 0]), payload: udp(20002, 53, Buffer.alloc(12)) })),
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...valid),
      fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      (frame, mutations, cut, after) => {
        const b = Buffer.from(frame);
        for (const m of mutations) b[m.at % b.length] = m.value;
        const f = b.subarray(0, cut % (b.length + 1));
        const alone = new Dissection(Buffer.from(f), 1);
        const embedded = new Dissection(Buffer.concat([Buffer.from([9, 9, 9, 9]), f, after]), 1, 4, f.length);
        assert.deepEqual(fields(embedded), fields(alone));
      },
    ),
    { numRuns: 100_000 },
  );
});
