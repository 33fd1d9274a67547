// A pcapng stream with every block type, two sections in opposite byte orders, and the values the
// tests expect to read back.

import { custom, dsb, epb, idb, isb, nrb, pb, shb, spb, str, u32, u64 } from './build';
import type { Opt } from './build';

export const TARGET_COMMENT = 'captured by a test\n---\n# capture target information\ncontainer-name: "default/nginx \\"x\\""\n'
  + 'container-type: pod\nnode-name: node-1\ncluster:\n    uid: abc-123\ncapture-filter: tcp port 80\nno-promiscuous-mode: true\n';

export const EPOCH_S = 1_700_000_000n;

export interface Sample {
  bytes: Buffer;
  /** expected packets: ns timestamp (or null), interface name, caplen, len, link type */
  packets: { ts: bigint | null; iface: string | undefined; caplen: number; len: number; linktype: number }[];
  kinds: string[];
}

function customOpt(le: boolean): Opt {
  return { code: 2989, value: Buffer.concat([u32(32473, le), Buffer.from([1, 2, 3])]) };
}

export function sample(le: boolean): Sample {
  const data = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));
  const ns = EPOCH_S * 1_000_000_000n + 123_456_789n;
  const us = EPOCH_S * 1_000_000n + 654_321n;
  const other = !le;
  const parts = [
    shb(le, [str(1, TARGET_COMMENT), str(2, 'hw'), str(3, 'os'), str(4, 'app')]),
    idb(le, 1, 100, [str(2, 'eth0'), str(3, 'first'), { code: 9, value: Buffer.from([9]) }, { code: 14, value: u64(-5n, le) },
      { code: 11, value: Buffer.from('\0tcp') }, str(12, 'Linux'), { code: 13, value: Buffer.from([4]) }, { code: 8, value: u64(10_000_000_000n, le) }]),
    idb(le, 113, 100, [str(2, 'any')]),
    epb(le, 0, ns, data(60, 1), 1514, [
      { code: 2, value: u32(0x01, le) }, { code: 3, value: Buffer.from([2, 0xde, 0xad, 0xbe, 0xef]) }, { code: 4, value: u64(7n, le) },
      { code: 5, value: u64(99n, le) }, { code: 6, value: u32(3, le) }, { code: 7, value: Buffer.concat([Buffer.from([2]), u64(1n, le)]) },
      str(1, 'a comment'), customOpt(le),
    ]),
    spb(le, 300, data(100, 2)),
    spb(le, 50, data(50, 3)),
    pb(le, 1, 4, us, data(33, 4), [{ code: 2, value: u32(2, le) }]),
    nrb(le, [
      { type: 1, value: Buffer.concat([Buffer.from([10, 0, 0, 1]), Buffer.from('a.example\0b.example\0')]) },
      { type: 2, value: Buffer.concat([Buffer.from('fe800000000000000000000000000001', 'hex'), Buffer.from('c.example\0')]) },
    ], [str(2, 'dns.example')]),
    isb(le, 0, ns, [{ code: 2, value: Buffer.concat([u32(1, le), u32(2, le)]) }, { code: 4, value: u64(1000n, le) }, { code: 5, value: u64(3n, le) }]),
    dsb(le, 0x544c534b, Buffer.from('CLIENT_RANDOM x y\n')),
    custom(le, true, 32473, Buffer.from('copy me!')),
    custom(le, false, 32473, Buffer.from('keep')),
    Buffer.concat([u32(0x80000001, le), u32(16, le), Buffer.from('ABCD'), u32(16, le)]),
    // Second section, the other byte order: interfaces start again at 0.
    shb(other, [str(4, 'second')]),
    idb(other, 1, 65535, [str(2, 'lo'), { code: 9, value: Buffer.from([0x8a]) }]),
    epb(other, 0, (EPOCH_S << 10n) + 512n, data(70, 5)),
  ];
  return {
    bytes: Buffer.concat(parts),
    packets: [
      { ts: ns - 5_000_000_000n, iface: 'eth0', caplen: 60, len: 1514, linktype: 1 },
      { ts: null, iface: 'eth0', caplen: 100, len: 300, linktype: 1 },
      { ts: null, iface: 'eth0', caplen: 50, len: 50, linktype: 1 },
      { ts: us * 1000n, iface: 'any', caplen: 33, len: 33, linktype: 113 },
      { ts: EPOCH_S * 1_000_000_000n + 500_000_000n, iface: 'lo', caplen: 70, len: 70, linktype: 1 },
    ],
    kinds: ['shb', 'idb', 'idb', 'epb', 'spb', 'spb', 'pb', 'nrb', 'isb', 'dsb', 'custom', 'custom', 'unknown', 'shb', 'idb', 'epb'],
  };
}
