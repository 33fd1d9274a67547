import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import { MatchCriteriaError, packetMatcher } from '../../../src/core/analysis/match';
import { TcpFlag } from '../../../src/core/decode';
import type { DecodedPacket } from '../../../src/core/decode';
import { matchPackets, ofProtocol, selectPackets } from '../../../src/rx/select';
import { ethernet, ipv4, ipv6, packetsOf, tcp, udp } from '../decode/frames';
import * as dnsPacket from 'dns-packet';

const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'x.test' }] });
const FRAMES = {
  udp: { data: ethernet(0x0800, ipv4({ src: '198.18.1.1', dst: '198.18.2.1', protocol: 17, payload: udp(20001, 20002, Buffer.from('u')) })), iface: 'eth0' },
  tcp: { data: ethernet(0x0800, ipv4({ src: '198.18.2.1', dst: '198.18.1.2', protocol: 6, payload: tcp({ srcPort: 80, dstPort: 20003, flags: TcpFlag.ACK }) })), iface: 'eth1' },
  dns: { data: ethernet(0x0800, ipv4({ src: '198.18.1.2', dst: '198.18.2.1', protocol: 17, payload: udp(20004, 53, query) }), [{ tpid: 0x8100, tci: 42 }]), iface: 'eth0' },
  v6: { data: ethernet(0x86dd, ipv6({ src: 'fd00:1::5', dst: 'fd00:2::6', next: 6, payload: tcp({ srcPort: 20005, dstPort: 443, flags: TcpFlag.SYN }) })), iface: 'eth0' },
  arp: { data: ethernet(0x0806, Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex')), iface: 'eth0' },
  icmp: { data: ethernet(0x0800, ipv4({ src: '198.18.1.1', dst: '198.18.1.2', protocol: 1, payload: Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]) })), iface: 'eth1' },
};
type Name = keyof typeof FRAMES;
const NAMES = Object.keys(FRAMES) as Name[];
const PACKETS = packetsOf(NAMES.map((n) => FRAMES[n]));

function matching(criteria: Parameters<typeof packetMatcher>[0]): Name[] {
  const m = packetMatcher(criteria);
  return NAMES.filter((_, i) => m(PACKETS[i]!));
}

test('each criterion alone', () => {
  assert.deepEqual(matching({}), NAMES);
  assert.deepEqual(matching({ host: '198.18.1.1' }), ['udp', 'icmp']);
  assert.deepEqual(matching({ host: '198.18.1.0/30' }), ['udp', 'tcp', 'dns', 'icmp']);
  assert.deepEqual(matching({ src: '198.18.2.0/24' }), ['tcp']);
  assert.deepEqual(matching({ dst: ['198.18.2.1', '198.18.1.2'] }), ['udp', 'tcp', 'dns', 'icmp']);
  assert.deepEqual(matching({ host: 'fd00::/16' }), ['v6']);
  assert.deepEqual(matching({ src: 'fd00:1::/32' }), ['v6']);
  assert.deepEqual(matching({ dst: 'fd00:1::/32' }), []);
  assert.deepEqual(matching({ host: 'fd00:2::6' }), ['v6']);
  assert.deepEqual(matching({ host: '0.0.0.0/0' }), ['udp', 'tcp', 'dns', 'icmp']);
  assert.deepEqual(matching({ port: 80 }), ['tcp']);
  assert.deepEqual(matching({ port: [53, 443] }), ['dns', 'v6']);
  assert.deepEqual(matching({ srcPort: 80 }), ['tcp']);
  assert.deepEqual(matching({ dstPort: 80 }), []);
  assert.deepEqual(matching({ srcPort: [80, 20001] }), ['udp', 'tcp']);
  assert.deepEqual(matching({ dstPort: 20002 }), ['udp']);
  assert.deepEqual(matching({ protocol: 'udp' }), ['udp', 'dns']);
  assert.deepEqual(matching({ protocol: 'dns' }), ['dns']);
  assert.deepEqual(matching({ protocol: ['arp', 'icmp'] }), ['arp', 'icmp']);
  assert.deepEqual(matching({ protocol: 'ipv6' }), ['v6']);
  assert.deepEqual(matching({ protocol: 'tcp' }), ['tcp', 'v6']);
  assert.deepEqual(matching({ iface: 'eth1' }), ['tcp', 'icmp']);
  assert.deepEqual(matching({ vlan: 42 }), ['dns']);
  assert.deepEqual(matching({ vlan: [1, 2] }), []);
});

test('all given criteria must match', () => {
  assert.deepEqual(matching({ host: '198.18.1.0/30', protocol: 'udp' }), ['udp', 'dns']);
  assert.deepEqual(matching({ host: '198.18.1.0/30', protocol: 'udp', iface: 'eth0', vlan: 42 }), ['dns']);
  assert.deepEqual(matching({ src: '198.18.1.1', dstPort: 20002 }), ['udp']);
  assert.deepEqual(matching({ src: '198.18.1.1', dstPort: 53 }), []);
});

test('bad criteria are typed errors when the matcher is made', () => {
  const bad: unknown[] = [
    { host: '198.18.1.300' }, { src: '10.0.0.0/33' }, { dst: 'fd00::/129' }, { host: 'example.org' }, { port: 70000 },
    { srcPort: 1.5 }, { protocol: 'sctp' }, { vlan: 4096 }, { hots: '1.2.3.4' }, { host: '10.0.0.0/x' },
  ];
  for (const c of bad) {
    assert.throws(() => packetMatcher(c as Parameters<typeof packetMatcher>[0]), (e: unknown) => e instanceof MatchCriteriaError && e.code === 'MATCH_CRITERIA', JSON.stringify(c));
  }
  assert.throws(() => ofProtocol('nope' as 'tcp'), MatchCriteriaError);
});

test('rx: matchPackets and selectPackets emit DecodedPackets; ofProtocol narrows the type', async () => {
  const udpOnes = await lastValueFrom(from(PACKETS).pipe(matchPackets({ protocol: 'udp' }), toArray()));
  assert.deepEqual(udpOnes.map((p) => p.dstPort), [20002, 53]);
  const tcpOnes = await lastValueFrom(from(PACKETS).pipe(ofProtocol('tcp'), toArray()));
  // `p.tcp` is typed as defined: no `?.` needed.
  assert.deepEqual(tcpOnes.map((p) => p.tcp.dstPort), [20003, 443]);
  const dns = await lastValueFrom(from(PACKETS).pipe(ofProtocol('dns'), toArray()));
  assert.deepEqual(dns.map((p) => p.dns.queryNames), [['x.test']]);
  const chained = await lastValueFrom(from(PACKETS).pipe(ofProtocol('ipv4'), matchPackets({ iface: 'eth1' }), toArray()));
  assert.deepEqual(chained.map((p: DecodedPacket) => p.ipv4?.src), ['198.18.2.1', '198.18.1.1']);
  const any = await lastValueFrom(from(PACKETS).pipe(selectPackets((p) => p.protocol === 'arp'), toArray()));
  assert.equal(any[0]?.arp?.opcode, 1);
});
