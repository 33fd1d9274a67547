// Our reader against an independent one: Debian's tshark and capinfos on generated files, and on
// files our writer produced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PcapngPacketReader, toPcapngBytes } from '../../../src/core/pcapng';
import type { Packet } from '../../../src/core/pcapng';
import { dsb, epb, idb, isb, nrb, pb, shb, spb, str, u64 } from './build';
import type { Opt } from './build';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'csharg-tshark-'));

async function tshark(file: string): Promise<string[][]> {
  const { stdout } = await run('/usr/bin/tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.interface_name'], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

async function capinfosCount(file: string): Promise<number> {
  const { stdout } = await run('/usr/bin/capinfos', ['-c', '-M', file]);
  const m = /Number of packets:\s+(\d+)/.exec(stdout);
  assert.ok(m, stdout);
  return Number(m[1]);
}

function read(bytes: Buffer): Packet[] {
  const r = new PcapngPacketReader();
  const out = r.push(bytes);
  r.end();
  return out;
}

/** tshark's frame.time_epoch: seconds with 9 decimals (empty without a timestamp). */
function epoch(ns: bigint | null): string {
  if (ns === null) return '';
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  return `${sign}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

function ours(packets: Packet[], names = true): string[][] {
  return packets.map((p) => [epoch(p.timestampNs), String(p.originalLength), String(p.capturedLength), names ? p.interfaceName ?? '' : '']);
}

const RESOLUTIONS: { tsresol: number; offset: bigint; unitsPerSecond: bigint }[] = [
  { tsresol: 9, offset: 0n, unitsPerSecond: 1_000_000_000n },
  { tsresol: 6, offset: 0n, unitsPerSecond: 1_000_000n },
  { tsresol: 3, offset: 7200n, unitsPerSecond: 1_000n },
  { tsresol: 0x80 | 10, offset: 0n, unitsPerSecond: 1024n },
  { tsresol: 0x80 | 20, offset: -60n, unitsPerSecond: 1n << 20n },
  { tsresol: 0, offset: 0n, unitsPerSecond: 1n },
];

/** One section per byte order given: an IDB per resolution, packets of every kind, other blocks. */
function generated(orders: boolean[]): Buffer {
  const parts: Buffer[] = [];
  for (const [s, le] of orders.entries()) {
    parts.push(shb(le, [str(4, `section ${s}`)]));
    for (const [i, r] of RESOLUTIONS.entries()) {
      const opts: Opt[] = [str(2, `if${s}-${i}`), { code: 9, value: Buffer.from([r.tsresol]) }];
      if (r.offset !== 0n) opts.push({ code: 14, value: u64(r.offset, le) });
      parts.push(idb(le, 1, i === 0 ? 96 : 0, opts));
    }
    for (const [i, r] of RESOLUTIONS.entries()) {
      for (let k = 0; k < 3; k++) {
        const units = (1_700_000_000n + BigInt(17 * i + k)) * r.unitsPerSecond + (r.unitsPerSecond * BigInt(k + 1)) / 7n;
        const data = Buffer.alloc(60 + 40 * k + i, k);
        parts.push(epb(le, i, units, data, data.length + k * 100));
      }
    }
    parts.push(spb(le, 200, Buffer.alloc(96, 1)));
    parts.push(pb(le, 1, 0, 1_700_000_123_456_789n, Buffer.alloc(42, 2)));
    parts.push(nrb(le, [{ type: 1, value: Buffer.concat([Buffer.from([10, 1, 2, 3]), Buffer.from('host.example\0')]) }]));
    parts.push(isb(le, 0, 0n, [{ code: 4, value: u64(5n, le) }]));
    parts.push(dsb(le, 0x544c534b, Buffer.from('CLIENT_RANDOM 00 11\n')));
  }
  return Buffer.concat(parts);
}

for (const orders of [[true], [false], [true, false, true]]) {
  const label = orders.map((le) => (le ? 'LE' : 'BE')).join('+');
  test(`generated ${label} file: tshark and capinfos agree on packets, timestamps to the ns, lengths`, async () => {
    const bytes = generated(orders);
    const file = path.join(dir, `generated-${label}.pcapng`);
    writeFileSync(file, bytes);
    const packets = read(bytes);
    assert.equal(await capinfosCount(file), packets.length);
    const theirs = await tshark(file);
    // tshark 4.0 names interfaces of later sections after the first section's: names compared in section 0 only.
    const mine = ours(packets, false);
    assert.deepEqual(theirs.map((row) => row.slice(0, 3)), mine.map((row) => row.slice(0, 3)));
    const firstSection = packets.filter((p) => p.sectionIndex === 0);
    assert.deepEqual(theirs.slice(0, firstSection.length).map((row) => row[3]), firstSection.map((p) => p.interfaceName));
  });
}

test('files our writer produced read the same in tshark, names included', async () => {
  const source = [...read(generated([true, false])), ...read(generated([false]))].filter((_, i) => i % 3 !== 1);
  for (const littleEndian of [true, false]) {
    const file = path.join(dir, `written-${littleEndian ? 'le' : 'be'}.pcapng`);
    writeFileSync(file, toPcapngBytes(source, { littleEndian }));
    assert.equal(await capinfosCount(file), source.length);
    const expected = ours(source).map((row, i) => (source[i]!.timestampNs === null ? ['0.000000000', ...row.slice(1)] : row));
    assert.deepEqual(await tshark(file), expected);
  }
});
