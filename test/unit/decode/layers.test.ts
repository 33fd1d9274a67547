import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dnsPacket from 'dns-packet';
import { TcpFlag, decode } from '../../../src/core/decode';
import { decoded, ethernet, ipv4, ipv6, packetsOf, tcp, udp } from './frames';

const UDP_PAYLOAD = Buffer.from('hello');

test('Ethernet + IPv4 + UDP: addresses, ports, protocol, MACs', () => {
  const p = decoded(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(20001, 20002, UDP_PAYLOAD) })));
  assert.equal(p.link.kind, 'ethernet');
  assert.equal(p.link.src, '02:00:00:00:00:01');
  assert.equal(p.link.dst, '02:00:00:00:00:02');
  assert.equal(p.link.etherType, 0x0800);
  assert.equal(p.src, '198.18.1.1');
  assert.equal(p.dst, '198.18.2.1');
  assert.equal(p.srcPort, 20001);
  assert.equal(p.dstPort, 20002);
  assert.equal(p.protocol, 'udp');
  assert.equal(p.udp?.length, 13);
  assert.deepEqual(p.udp?.payload, UDP_PAYLOAD);
  assert.equal(p.tcp, undefined);
  assert.equal(p.ipv4?.ttl, 64);
  assert.equal(p.ipv4?.dontFragment, true);
  assert.equal(p.ipv4?.fragment, false);
  assert.deepEqual(p.vlan, []);
  assert.deepEqual(p.malformed, []);
  assert.equal(p.decoded, p);
});

test('802.1Q and QinQ tags give VLAN ids outer first', () => {
  const inner = ipv4({ protocol: 17, payload: udp(1, 2, UDP_PAYLOAD) });
  const one = decoded(ethernet(0x0800, inner, [{ tpid: 0x8100, tci: 0x2000 | 42 }]));
  assert.deepEqual(one.vlan, [42]);
  assert.equal(one.vlanTags[0]?.priority, 1);
  assert.equal(one.src, '198.18.1.1');
  const qinq = decoded(ethernet(0x0800, inner, [{ tpid: 0x88a8, tci: 100 }, { tpid: 0x8100, tci: 4094 }]));
  assert.deepEqual(qinq.vlan, [100, 4094]);
  assert.deepEqual(qinq.vlanTags.map((t) => t.tpid), [0x88a8, 0x8100]);
  assert.equal(qinq.protocol, 'udp');
  assert.equal(qinq.dstPort, 2);
});

test('TCP: flags, seq/ack, window, options (MSS, WS, SACK-permitted, timestamps, SACK)', () => {
  const options = Buffer.from([2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0, 0, 10, 0, 0, 0, 20, 1, 0]);
  const p = decoded(ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20010, dstPort: 80, seq: 0xfffffff0, ack: 7, flags: TcpFlag.SYN | TcpFlag.ACK, window: 1234, options, payload: Buffer.from('xyz') }) })));
  const t = p.tcp!;
  assert.equal(t.malformed, undefined);
  assert.equal(t.seq, 0xfffffff0);
  assert.equal(t.ack, 7);
  assert.equal(t.syn, true);
  assert.equal(t.ackFlag, true);
  assert.equal(t.fin, false);
  assert.equal(t.flags, 0x12);
  assert.equal(t.window, 1234);
  assert.equal(t.headerLength, 52);
  assert.equal(t.segmentLength, 3);
  assert.equal(t.payload.toString(), 'xyz');
  const o = t.options;
  assert.equal(o.mss, 1460);
  assert.equal(o.windowScale, 7);
  assert.equal(o.sackPermitted, true);
  assert.deepEqual(o.timestamp, { value: 1, echo: 2 });
  assert.deepEqual(o.sack, [[10, 20]]);
  assert.equal(p.protocol, 'tcp');
});

test('IPv4 options are listed; fragments are flagged and later fragments have no transport', () => {
  const opts = Buffer.from([0x94, 4, 0, 0]); // router alert
  const p = decoded(ethernet(0x0800, ipv4({ protocol: 17, options: opts, payload: udp(1, 2, UDP_PAYLOAD) })));
  assert.deepEqual(p.ipv4?.options.map((o) => [o.type, o.length]), [[0x94, 4]]);
  assert.equal(p.ipv4?.headerLength, 24);
  assert.equal(p.srcPort, 1);
  const first = decoded(ethernet(0x0800, ipv4({ protocol: 17, flagsAndOffset: 0x2000, payload: udp(1, 2, UDP_PAYLOAD) })));
  assert.equal(first.ipv4?.fragment, true);
  assert.equal(first.ipv4?.moreFragments, true);
  assert.equal(first.protocol, 'udp');
  const later = decoded(ethernet(0x0800, ipv4({ protocol: 17, flagsAndOffset: 0x0003, payload: Buffer.alloc(16) })));
  assert.equal(later.ipv4?.fragment, true);
  assert.equal(later.ipv4?.fragmentOffset, 24);
  assert.equal(later.udp, undefined);
  assert.equal(later.protocol, 'ipv4');
});

test('IPv6 extension headers are walked (hop-by-hop, routing, destination options, AH, fragment)', () => {
  const hbh = Buffer.from([43, 0, 5, 2, 0, 0, 1, 0]);
  const routing = Buffer.from([60, 0, 0, 0, 0, 0, 0, 0]);
  const dstopts = Buffer.from([51, 0, 1, 4, 0, 0, 0, 0]);
  const ah = Buffer.concat([Buffer.from([44, 1, 0, 0]), Buffer.alloc(8)]); // (1+2)*4 = 12 bytes
  const frag = Buffer.from([17, 0, 0, 1, 0, 0, 0, 9]); // offset 0, M set
  const payload = Buffer.concat([hbh, routing, dstopts, ah, frag, udp(5353, 5353, Buffer.alloc(4))]);
  const p = decoded(ethernet(0x86dd, ipv6({ next: 0, payload, src: 'fe80::1', dst: 'ff02::fb' })));
  assert.equal(p.ipv6?.malformed, undefined);
  assert.deepEqual(p.ipv6?.extensionHeaders.map((h) => [h.name, h.length]), [['hop-by-hop', 8], ['routing', 8], ['destination-options', 8], ['ah', 12], ['fragment', 8]]);
  assert.deepEqual(p.ipv6?.fragmentHeader, { offset: 0, more: true, identification: 9 });
  assert.equal(p.ipv6?.protocol, 17);
  assert.equal(p.src, 'fe80::1');
  assert.equal(p.dst, 'ff02::fb');
  assert.equal(p.srcPort, 5353);
  const later = decoded(ethernet(0x86dd, ipv6({ next: 44, payload: Buffer.concat([Buffer.from([17, 0, 0, 0x10, 0, 0, 0, 9]), Buffer.alloc(8)]) })));
  assert.equal(later.udp, undefined);
  assert.equal(later.ipv6?.fragment, true);
  assert.equal(later.protocol, 'ipv6');
});

test('IPv6 addresses are printed as RFC 5952 (like tshark)', () => {
  const cases = ['2001:db8::1', '::', '::1', '2001:db8:0:1:1:1:1:1', '2001:0:0:1::1', 'fe80::a:0:0:b', '::ffff:198.18.1.1'];
  for (const c of cases) {
    const src = c === '::ffff:198.18.1.1' ? Buffer.from('00000000000000000000ffffc6120101', 'hex') : undefined;
    const frame = ipv6({ next: 59, payload: Buffer.alloc(0), src: src ? '::' : c });
    if (src) src.copy(frame, 8);
    assert.equal(decoded(frame, 229).src, c);
  }
});

test('ICMP echo and ICMPv6', () => {
  const echo = Buffer.from([8, 0, 0, 0, 0, 7, 0, 3, 1, 2, 3]);
  const p = decoded(ethernet(0x0800, ipv4({ protocol: 1, payload: echo })));
  assert.equal(p.protocol, 'icmp');
  assert.equal(p.icmp?.type, 8);
  assert.equal(p.icmp?.identifier, 7);
  assert.equal(p.icmp?.sequence, 3);
  assert.equal(p.srcPort, undefined);
  const v6 = decoded(ipv6({ next: 58, payload: Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]) }), 229);
  assert.equal(v6.protocol, 'icmpv6');
  assert.equal(v6.icmpv6?.type, 135);
  assert.equal(v6.icmp, undefined);
});

test('ARP request', () => {
  const arp = Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex');
  const p = decoded(ethernet(0x0806, arp));
  assert.equal(p.protocol, 'arp');
  assert.equal(p.arp?.opcode, 1);
  assert.equal(p.arp?.senderMac, '02:00:00:00:00:01');
  assert.equal(p.arp?.senderIp, '198.18.1.1');
  assert.equal(p.arp?.targetIp, '198.18.1.2');
  assert.equal(p.arp?.malformed, undefined);
  assert.equal(p.src, undefined);
  assert.equal(p.ip, undefined);
});

test('DNS over UDP (53 and 5353) and over TCP with the length prefix', () => {
  const query = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'example.test' }] });
  const p = decoded(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(20100, 53, query) })));
  assert.equal(p.protocol, 'dns');
  assert.equal(p.has('udp'), true);
  assert.equal(p.dns?.id, 4242);
  assert.equal(p.dns?.isResponse, false);
  assert.deepEqual(p.dns?.queryNames, ['example.test']);
  const mdns = decoded(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(5353, 5353, query) })));
  assert.deepEqual(mdns.dns?.queryNames, ['example.test']);
  const prefixed = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
  const overTcp = decoded(ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20101, dstPort: 53, flags: TcpFlag.PSH | TcpFlag.ACK, payload: prefixed }) })));
  assert.equal(overTcp.dns?.transport, 'tcp');
  assert.deepEqual(overTcp.dns?.queryNames, ['example.test']);
  const split = decoded(ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20101, dstPort: 53, flags: TcpFlag.ACK, payload: prefixed.subarray(0, 10) }) })));
  assert.match(split.dns?.malformed ?? '', /split across TCP segments/);
  const pureAck = decoded(ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20101, dstPort: 53, flags: TcpFlag.ACK }) })));
  assert.equal(pureAck.protocol, 'tcp');
  assert.equal(pureAck.dns, undefined);
  const garbage = decoded(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(20100, 53, Buffer.from([1, 2, 3])) })));
  assert.equal(garbage.protocol, 'dns');
  assert.match(garbage.dns?.malformed ?? '', /^DNS: /);
  assert.equal(garbage.dns?.message, undefined);
});

test('Linux cooked captures v1 and v2 (the any interface)', () => {
  const ip = ipv4({ protocol: 17, payload: udp(20001, 20002, UDP_PAYLOAD) });
  const sll = Buffer.concat([Buffer.from([0, 4, 0, 1, 0, 6]), Buffer.from('020000000001', 'hex'), Buffer.from([0, 0, 0x08, 0x00]), ip]);
  const v1 = decoded(sll, 113, 'any');
  assert.equal(v1.link.kind, 'sll');
  assert.equal(v1.link.packetType, 4);
  assert.equal(v1.link.src, '02:00:00:00:00:01');
  assert.equal(v1.src, '198.18.1.1');
  assert.equal(v1.dstPort, 20002);
  const sll2 = Buffer.concat([Buffer.from([0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6]), Buffer.from('0200000000010000', 'hex'), ip]);
  const v2 = decoded(sll2, 276, 'any');
  assert.equal(v2.link.kind, 'sll2');
  assert.equal(v2.link.interfaceIndex, 3);
  assert.equal(v2.link.hardwareType, 1);
  assert.equal(v2.link.src, '02:00:00:00:00:01');
  assert.equal(v2.protocol, 'udp');
  assert.equal(v2.dst, '198.18.2.1');
});

test('raw IP (101, 228, 229) and BSD loopback (0, both byte orders) and OpenBSD loop (108)', () => {
  const ip4 = ipv4({ protocol: 17, payload: udp(1, 2, UDP_PAYLOAD) });
  const ip6 = ipv6({ next: 17, payload: udp(3, 4, UDP_PAYLOAD) });
  assert.equal(decoded(ip4, 101).src, '198.18.1.1');
  assert.equal(decoded(ip6, 101).src, 'fd00::1');
  assert.equal(decoded(ip4, 228).srcPort, 1);
  assert.equal(decoded(ip6, 229).dstPort, 4);
  assert.equal(decoded(Buffer.concat([Buffer.from([2, 0, 0, 0]), ip4]), 0).protocol, 'udp');
  assert.equal(decoded(Buffer.concat([Buffer.from([0, 0, 0, 30]), ip6]), 0).src, 'fd00::1');
  assert.equal(decoded(Buffer.concat([Buffer.from([24, 0, 0, 0]), ip6]), 0).src, 'fd00::1');
  assert.equal(decoded(Buffer.concat([Buffer.from([0, 0, 0, 2]), ip4]), 108).link.kind, 'loop');
  assert.match(decoded(Buffer.concat([Buffer.from([7, 0, 0, 0]), ip4]), 0).link.malformed ?? '', /address family 7/);
});

test('truncated and garbage layers are marked malformed with a reason, never thrown', () => {
  const full = ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20010, dstPort: 20011, flags: TcpFlag.SYN }) }));
  assert.match(decoded(full.subarray(0, 10)).link.malformed ?? '', /truncated: ethernet header needs 14/);
  const shortIp = decoded(full.subarray(0, 14 + 12));
  assert.equal(shortIp.protocol, 'ipv4');
  assert.match(shortIp.ipv4?.malformed ?? '', /truncated: IPv4 header needs 20 bytes, 12 captured/);
  assert.equal(shortIp.src, undefined);
  assert.equal(shortIp.ipv4?.src, undefined);
  const shortTcp = decoded(full.subarray(0, 14 + 20 + 10));
  assert.equal(shortTcp.protocol, 'tcp');
  assert.equal(shortTcp.srcPort, 20010);
  assert.match(shortTcp.tcp?.malformed ?? '', /truncated: TCP header needs 20 bytes, 10 captured/);
  assert.equal(shortTcp.ipv4?.truncated, true);
  assert.deepEqual(shortTcp.malformed, ['truncated: TCP header needs 20 bytes, 10 captured']);
  const badIhl = Buffer.from(full);
  badIhl[14] = 0x43;
  assert.match(decoded(badIhl).ipv4?.malformed ?? '', /header length 12 < 20/);
  const badVersion = Buffer.from(full);
  badVersion[14] = 0x55;
  assert.match(decoded(badVersion).ip?.malformed ?? '', /version 5/);
  const badOffset = Buffer.from(full);
  badOffset[14 + 20 + 12] = 0x20;
  assert.match(decoded(badOffset).tcp?.malformed ?? '', /data offset 8 < 20/);
  assert.match(decoded(Buffer.alloc(3), 9999).link.malformed ?? '', /unsupported link type 9999/);
  assert.equal(decoded(Buffer.alloc(3), 9999).protocol, 'other');
  assert.match(decoded(ethernet(0x8100, Buffer.from([0, 1]))).link.malformed ?? '', /VLAN tag/);
  assert.match(decoded(ethernet(0x0806, Buffer.alloc(4))).arp?.malformed ?? '', /ARP header needs 8/);
  assert.match(decoded(ipv6({ next: 0, payload: Buffer.from([17, 5]) }), 229).ipv6?.malformed ?? '', /extension header/);
  assert.match(decoded(ethernet(0x0800, ipv4({ protocol: 1, payload: Buffer.from([8]) }))).icmp?.malformed ?? '', /ICMP header needs 4/);
  assert.match(decoded(ethernet(0x0800, ipv4({ protocol: 17, payload: Buffer.from([0, 1, 0, 2, 0, 3, 0, 0]) }))).udp?.malformed ?? '', /UDP length 3 < 8/);
});

test('Ethernet padding after the IP length is not payload', () => {
  const frame = Buffer.concat([ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, Buffer.from('a')) })), Buffer.alloc(17)]);
  assert.equal(decoded(frame).udp?.payload.toString(), 'a');
});

test('decode() returns a DecodedPacket that is still the same Packet, and is idempotent', () => {
  const [packet] = packetsOf([{ data: ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, UDP_PAYLOAD) })), iface: 'veth' }]);
  const d = decode(packet!);
  assert.equal(d.block, packet!.block);
  assert.equal(d.interfaceName, 'veth');
  assert.equal(d.timestampMs, packet!.timestampMs);
  assert.equal(decode(d), d);
  assert.equal(d.udp, d.udp);
  assert.deepEqual(d.toJSON().src, '198.18.1.1');
});
