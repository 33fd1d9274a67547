// What a person sees from console.log(packet): one line with time, interface, what it is and length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { DecodedPacket } from '../../../src/core/decode/decoded-packet';
import { isoTimeNs } from '../../../src/core/pcapng/timestamp';
import { ethernet, ipv4, ipv6, packetsOf, tcp, udp } from '../decode/frames';

const T = 1_764_496_424_652.72; // 2025-11-30T09:53:44.652720Z

test('a plain Packet prints its time to the nanosecond, interface, link type and length', () => {
  const [p] = packetsOf([{ data: ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, Buffer.alloc(4)) })), iface: 'eth0', timeMs: T }]);
  assert.equal(inspect(p), 'Packet 2025-11-30T09:53:44.652720000Z eth0 linktype 1 46 bytes');
  assert.equal(`${p!.summary()}`, '2025-11-30T09:53:44.652720000Z eth0 linktype 1 46 bytes');
});

test('a DecodedPacket prints protocol and source → destination with ports; IPv6 in brackets; a cut snapshot says so', () => {
  const frame = ethernet(0x0800, ipv4({ src: '198.18.1.1', dst: '198.18.2.1', protocol: 17, payload: udp(41000, 41001, Buffer.alloc(64)) }));
  const [p] = packetsOf([{ data: frame, iface: 'eth0', timeMs: T }]);
  const d = new DecodedPacket(p!.block, p!.iface);
  assert.equal(inspect(d), 'DecodedPacket 2025-11-30T09:53:44.652720000Z eth0 udp 198.18.1.1:41000 → 198.18.2.1:41001 106 bytes');
  // console.log goes through inspect too, nested in objects and arrays.
  assert.match(inspect({ packets: [d] }), /^\{\s+packets: \[\s+DecodedPacket 2025-11-30T09:53:44\.652720000Z eth0 udp 198\.18\.1\.1:41000 → 198\.18\.2\.1:41001 106 bytes\s+\]\s+\}$/);

  const v6 = ethernet(0x86dd, ipv6({ src: 'fd00::1', dst: 'fd00::2', next: 6, payload: tcp({ srcPort: 443, dstPort: 50000, flags: 0x12 }) }));
  const [q] = packetsOf([{ data: v6, iface: 'lo', timeMs: T, originalLength: v6.length + 100 }]);
  assert.equal(new DecodedPacket(q!.block, q!.iface).summary(), `2025-11-30T09:53:44.652720000Z lo tcp [fd00::1]:443 → [fd00::2]:50000 ${v6.length + 100} bytes (${v6.length} captured)`);
});

test('isoTimeNs keeps all nine fraction digits, before 1970 too', () => {
  assert.equal(isoTimeNs(1_764_496_424_652_720_275n), '2025-11-30T09:53:44.652720275Z');
  assert.equal(isoTimeNs(0n), '1970-01-01T00:00:00.000000000Z');
  assert.equal(isoTimeNs(-1n), '1969-12-31T23:59:59.999999999Z');
});
