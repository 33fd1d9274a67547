import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngPacketReader } from '../../../src/core/pcapng';
import { epb, idb, shb, u64 } from './build';
import type { Opt } from './build';

const SECONDS = 1_712_345_678n;

const RESOLUTIONS: { tsresol: number | undefined; unitsPerSecond: bigint; label: string }[] = [
  { tsresol: undefined, unitsPerSecond: 1_000_000n, label: 'default 10^-6' },
  { tsresol: 0, unitsPerSecond: 1n, label: '10^0' },
  { tsresol: 3, unitsPerSecond: 1_000n, label: '10^-3' },
  { tsresol: 6, unitsPerSecond: 1_000_000n, label: '10^-6' },
  { tsresol: 9, unitsPerSecond: 1_000_000_000n, label: '10^-9' },
  { tsresol: 12, unitsPerSecond: 1_000_000_000_000n, label: '10^-12' },
  { tsresol: 0x80 | 10, unitsPerSecond: 1024n, label: '2^-10' },
  { tsresol: 0x80 | 20, unitsPerSecond: 1n << 20n, label: '2^-20' },
  { tsresol: 0x80 | 30, unitsPerSecond: 1n << 30n, label: '2^-30' },
];

for (const le of [true, false]) {
  for (const { tsresol, unitsPerSecond, label } of RESOLUTIONS) {
    for (const offset of [0n, 3600n, -1_000_000_000n]) {
      test(`${le ? 'LE' : 'BE'} if_tsresol ${label}, if_tsoffset ${offset}: exact nanoseconds`, () => {
        const opts: Opt[] = [{ code: 2, value: Buffer.from('eth0') }];
        if (tsresol !== undefined) opts.push({ code: 9, value: Buffer.from([tsresol]) });
        if (offset !== 0n) opts.push({ code: 14, value: u64(offset, le) });
        // A fraction every resolution can represent exactly: 3/4 s, plus one unit.
        // Units must fit into 64 bits: picoseconds only reach about 1970-08.
        const seconds = SECONDS * unitsPerSecond < 1n << 63n ? SECONDS : (1n << 63n) / unitsPerSecond - 1n;
        const units = seconds * unitsPerSecond + (3n * unitsPerSecond) / 4n + 1n;
        const bytes = Buffer.concat([shb(le), idb(le, 1, 0, opts), epb(le, 0, units, Buffer.alloc(4))]);
        const [p] = new PcapngPacketReader().push(bytes);
        assert.ok(p);
        const expected = (units * 1_000_000_000n) / unitsPerSecond + offset * 1_000_000_000n;
        assert.equal(p.timestampNs, expected);
        assert.ok(Math.abs(p.timestampMs! - Number(expected) / 1e6) < 1e-3, `${p.timestampMs} vs ${expected}`);
      });
    }
  }
}
