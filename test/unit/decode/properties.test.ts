import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from '../../../src/core/decode';
import { decoded, ethernet, ipv4, ipv6, tcp, udp } from './frames';

const LINK_TYPES = [0, 1, 101, 108, 113, 228, 229, 276, 147];

/** Reads every layer and field a user could read; returns how many layers were present. */
function readEverything(p: DecodedPacket): number {
  const values: unknown[] = [p.protocol, p.src, p.dst, p.srcPort, p.dstPort, p.vlan, p.vlanTags, p.malformed, JSON.stringify(p.toJSON())];
  const l = p.link;
  values.push(l.kind, l.src, l.dst, l.etherType, l.packetType, l.hardwareType, l.interfaceIndex, l.malformed);
  const layers = [p.ip, p.ipv4, p.ipv6, p.arp, p.tcp, p.udp, p.icmp, p.icmpv6, p.dns];
  const v4 = p.ipv4;
  if (v4) values.push(v4.options, v4.src, v4.dst, v4.fragmentOffset, v4.truncated, v4.totalLength);
  const v6 = p.ipv6;
  if (v6) values.push(v6.extensionHeaders, v6.fragmentHeader, v6.src, v6.flowLabel);
  const t = p.tcp;
  if (t) values.push(t.options, t.payload, t.segmentLength, t.seq, t.flags, t.malformed);
  const u = p.udp;
  if (u) values.push(u.payload, u.malformed);
  const a = p.arp;
  if (a) values.push(a.senderIp, a.senderMac, a.targetIp, a.targetMac, a.malformed);
  for (const i of [p.icmp, p.icmpv6]) if (i) values.push(i.identifier, i.sequence, i.body, i.malformed);
  const d = p.dns;
  if (d) values.push(d.queryNames, d.isResponse, d.malformed);
  for (const s of [p.src, p.dst]) if (s !== undefined) assert.doesNotMatch(s, /undefined|NaN/);
  assert.ok(values.length > 0);
  return layers.filter((x) => x !== undefined).length;
}

test('random bytes on every link type never throw', () => {
  fc.assert(fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200 }), (linkType, bytes) => {
    const n = readEverything(decoded(Buffer.from(bytes), linkType));
    assert.ok(n >= 0);
  }), { numRuns: 20_000 });
});

const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'AAAA', name: 'a.example' }] });
const VALID = [
  ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20001, dstPort: 53, flags: 0x18, options: Buffer.from([2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]), payload: Buffer.concat([Buffer.from([0, query.length]), query]) }) })),
  ethernet(0x8100, Buffer.concat([Buffer.from([0, 42, 0x86, 0xdd]), ipv6({ next: 0, payload: Buffer.concat([Buffer.from([44, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([17, 0, 0, 1, 0, 0, 0, 1]), udp(5353, 5353, query)]) })])),
  ethernet(0x0806, Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex')),
  ethernet(0x0800, ipv4({ protocol: 1, options: Buffer.from([1, 1, 0x94, 4, 0, 0, 0, 0]), payload: Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]) })),
];

test('mutated and cut valid frames never throw, and decode to some layers', () => {
  fc.assert(fc.property(
    fc.constantFrom(...VALID),
    fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
    fc.nat(),
    (frame, mutations, cut) => {
      const b = Buffer.from(frame);
      for (const m of mutations) b[m.at % b.length] = m.value;
      const p = decoded(b.subarray(0, cut % (b.length + 1)));
      assert.ok(readEverything(p) >= 0);
      assert.ok(p.link.kind === 'ethernet');
    },
  ), { numRuns: 20_000 });
});
