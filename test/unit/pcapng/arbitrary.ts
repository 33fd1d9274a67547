// fast-check arbitraries: valid pcapng streams built from random block sequences.

import fc from 'fast-check';
import { custom, dsb, epb, idb, isb, nrb, pb, shb, spb, str, u32, u64 } from './build';
import type { Opt } from './build';

type Step =
  | { t: 'shb'; le: boolean }
  | { t: 'idb'; linkType: number; snapLen: number; tsresol: number; name: string }
  | { t: 'epb'; iface: number; units: bigint; data: Uint8Array; extra: number; flags: number | undefined; comment: string | undefined }
  | { t: 'spb'; data: Uint8Array }
  | { t: 'pb'; iface: number; units: bigint; data: Uint8Array }
  | { t: 'isb'; iface: number; recv: bigint }
  | { t: 'nrb'; name: string }
  | { t: 'dsb'; secret: Uint8Array }
  | { t: 'custom'; copyable: boolean; payload: number }
  | { t: 'unknown'; type: number; words: number };

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const smallString = fc.string({ maxLength: 6 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ t: fc.constant('shb' as const), le: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('idb' as const), linkType: fc.constantFrom(1, 113, 276), snapLen: fc.constantFrom(0, 16, 65535), tsresol: fc.constantFrom(6, 9, 0x8a, 3), name: smallString }) },
  { weight: 8, arbitrary: fc.record({ t: fc.constant('epb' as const), iface: fc.nat(3), units: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data: bytes(40), extra: fc.nat(100), flags: fc.option(fc.nat(), { nil: undefined }), comment: fc.option(smallString, { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('spb' as const), data: bytes(20) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('pb' as const), iface: fc.nat(3), units: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data: bytes(20) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('isb' as const), iface: fc.nat(3), recv: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('nrb' as const), name: smallString }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('dsb' as const), secret: bytes(10) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('custom' as const), copyable: fc.boolean(), payload: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unknown' as const), type: fc.constantFrom(0x80000001, 0x0c, 0x1234), words: fc.nat(3) }) },
);

/** Bytes of a valid stream: the steps that would be invalid where they stand are skipped. */
function render(first: boolean, steps: Step[]): Buffer {
  const parts: Buffer[] = [];
  let le = first;
  let interfaces: { snapLen: number }[] = [];
  parts.push(shb(le, [str(4, 'fuzz')]));
  for (const s of steps) {
    switch (s.t) {
      case 'shb':
        le = s.le;
        interfaces = [];
        parts.push(shb(le));
        break;
      case 'idb':
        interfaces.push({ snapLen: s.snapLen });
        parts.push(idb(le, s.linkType, s.snapLen, [str(2, s.name), { code: 9, value: Buffer.from([s.tsresol]) }]));
        break;
      case 'epb': {
        if (s.iface >= interfaces.length) break;
        const opts: Opt[] = [];
        if (s.flags !== undefined) opts.push({ code: 2, value: u32(s.flags, le) });
        if (s.comment !== undefined) opts.push(str(1, s.comment));
        parts.push(epb(le, s.iface, s.units, Buffer.from(s.data), s.data.length + s.extra, opts));
        break;
      }
      case 'spb': {
        const snap = interfaces[0]?.snapLen;
        if (snap === undefined) break;
        const data = Buffer.from(s.data);
        parts.push(spb(le, data.length, snap === 0 || snap >= data.length ? data : data.subarray(0, snap)));
        break;
      }
      case 'pb':
        if (s.iface < interfaces.length) parts.push(pb(le, s.iface, 0, s.units, Buffer.from(s.data)));
        break;
      case 'isb':
        parts.push(isb(le, s.iface, 0n, [{ code: 4, value: u64(s.recv, le) }]));
        break;
      case 'nrb':
        parts.push(nrb(le, [{ type: 1, value: Buffer.concat([Buffer.from([192, 0, 2, 1]), Buffer.from(`${s.name}\0`)]) }]));
        break;
      case 'dsb':
        parts.push(dsb(le, 1, Buffer.from(s.secret)));
        break;
      case 'custom':
        parts.push(custom(le, s.copyable, 32473, Buffer.alloc(4 * s.payload, 0x5a)));
        break;
      case 'unknown':
        parts.push(Buffer.concat([u32(s.type, le), u32(12 + 4 * s.words, le), Buffer.alloc(4 * s.words, 0xa5), u32(12 + 4 * s.words, le)]));
        break;
    }
  }
  return Buffer.concat(parts);
}

export function pcapngStream(maxSteps = 12): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.boolean(), fc.array(step, { maxLength: maxSteps })).map(([le, steps]) => render(le, steps));
}

/** Chunk sizes (cycled) for splitting a stream. */
export const chunkSizes = fc.array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 8 });
