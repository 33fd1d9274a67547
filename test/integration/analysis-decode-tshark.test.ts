// Our decoders against tshark, packet by packet, on real dumpcap captures from the test bed (t2's
// eth0, and `any` as Linux cooked v1 and v2) and on hand-built frames written with our writer
// (VLAN and QinQ: this kernel has no 8021q module, so tagged frames cannot be made in the bed).
// Compared: IPv4/IPv6 addresses, TCP/UDP ports, TCP flags, VLAN ids, DNS query names, ARP
// sender addresses, ICMP types.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';
import { PcapngPacketReader, toPcapngBytes } from '../../src/core/pcapng';
import type { Packet } from '../../src/core/pcapng';
import { decode } from '../../src/core/decode';
import { dumpcapCapture, requireBed, sendUdp, tcpExchange, tsharkFields } from '../support/testbed';
import type { DumpcapRun } from '../support/testbed';
import { ethernet, ipv4, ipv6, packetsOf, tcp, udp } from '../unit/decode/frames';

const FIELDS = [
  'frame.number', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport',
  'tcp.flags', 'vlan.id', 'dns.qry.name', 'icmp.type', 'icmpv6.type', 'arp.src.proto_ipv4', 'ieee8021ad.id',
];

const first = (v: string | undefined): string => (v ?? '').split(',')[0] ?? '';

/** Differences between tshark's fields and ours, one line per disagreeing field. */
function compare(packets: Packet[], rows: string[][]): { checked: number; differences: string[]; seen: Set<string> } {
  const differences: string[] = [];
  const seen = new Set<string>();
  assert.equal(rows.length, packets.length, 'tshark and our reader see the same number of packets');
  packets.forEach((packet, i) => {
    const p = decode(packet);
    const f = Object.fromEntries(FIELDS.map((name, j) => [name, rows[i]![j] ?? ''])) as Record<string, string>;
    const diff = (what: string, theirs: string, ours: string): void => {
      if (theirs !== ours) differences.push(`#${i + 1} ${what}: tshark ${JSON.stringify(theirs)}, ours ${JSON.stringify(ours)}`);
    };
    seen.add(`${p.link.kind}/${p.protocol}`);
    diff('src', first(f['ip.src']) || first(f['ipv6.src']), p.src ?? '');
    diff('dst', first(f['ip.dst']) || first(f['ipv6.dst']), p.dst ?? '');
    const icmp = f['icmp.type'] !== '' || f['icmpv6.type'] !== '';
    diff('icmp type', first(f['icmp.type']) || first(f['icmpv6.type']), String(p.icmp?.type ?? p.icmpv6?.type ?? ''));
    // An ICMP error quotes the offending packet: tshark's ports are then the quoted ones.
    if (!icmp) {
      diff('tcp ports', `${first(f['tcp.srcport'])}/${first(f['tcp.dstport'])}`, p.tcp ? `${p.srcPort}/${p.dstPort}` : '/');
      diff('udp ports', `${first(f['udp.srcport'])}/${first(f['udp.dstport'])}`, p.udp ? `${p.srcPort}/${p.dstPort}` : '/');
      diff('tcp flags', f['tcp.flags'] ? String(parseInt(first(f['tcp.flags']), 16) & 0x1ff) : '', p.tcp ? String(p.tcp.flags) : '');
      diff('dns names', f['dns.qry.name'] ?? '', p.dns?.queryNames.join(',') ?? '');
    }
    // tshark names an 802.1ad (0x88a8) outer tag ieee8021ad.id, and 802.1Q tags vlan.id.
    diff('vlan', [f['ieee8021ad.id'], f['vlan.id']].filter((x) => x).join(','), p.vlan.join(','));
    diff('arp sender', f['arp.src.proto_ipv4'] ?? '', p.arp?.senderIp ?? '');
    assert.equal(p.malformed.length, 0, `#${i + 1} decodes without malformed layers: ${p.malformed.join('; ')}`);
  });
  return { checked: packets.length, differences, seen };
}

/** dumpcap inside a bed namespace with an explicit link type (the test bed helper has no -y). */
function dumpcapWithLinkType(ns: string, iface: string, linkType: string, filter: string): DumpcapRun {
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, '/usr/bin/dumpcap', '-w', '-', '-n', '-q', '-i', iface, '-y', linkType, '-f', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'close').then(() => undefined);
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.once('readable', () => resolve());
    child.once('close', (code) => reject(new Error(`dumpcap exited (${String(code)}) before writing`)));
  });
  started.catch(() => undefined);
  return {
    stdout: child.stdout,
    started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}

/** Sends UDP datagrams from inside a bed namespace (node's dgram there; payloads given as base64). */
async function sendDatagrams(ns: string, items: { host: string; port: number; payload: Buffer }[]): Promise<void> {
  const script = `
    const dgram = require('node:dgram');
    const items = JSON.parse(process.argv[1]);
    (async () => {
      for (const it of items) {
        const s = dgram.createSocket(it.host.includes(':') ? 'udp6' : 'udp4');
        await new Promise((res) => s.send(Buffer.from(it.payload, 'base64'), it.port, it.host, () => { s.close(); res(); }));
        await new Promise((res) => setTimeout(res, 2));
      }
    })();`;
  const arg = JSON.stringify(items.map((i) => ({ host: i.host, port: i.port, payload: i.payload.toString('base64') })));
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e', script, arg], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, 'the datagram sender ran');
}

function dnsQuery(id: number, name: string, type: 'A' | 'AAAA' | 'PTR'): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
}

const FILTER = 'udp portrange 20000-20999 or tcp portrange 20000-20999 or udp port 53 or udp port 5353 or icmp or icmp6';

test('decoders agree with tshark on real captures from the bed (eth0, any as SLL and SLL2)', { timeout: 180_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-decode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runs: [string, DumpcapRun][] = [
    ['eth0', dumpcapCapture({ ns: 'csharg-t2', ifaces: ['eth0'], filter: FILTER })],
    ['any-sll', dumpcapWithLinkType('csharg-t2', 'any', 'LINUX_SLL', FILTER)],
    ['any-sll2', dumpcapWithLinkType('csharg-t2', 'any', 'LINUX_SLL2', FILTER)],
  ];
  const files = runs.map(([name, run]) => {
    const file = path.join(dir, `${name}.pcapng`);
    run.stdout.pipe(createWriteStream(file));
    return file;
  });
  try {
    await Promise.all(runs.map(([, r]) => r.started));
    await sendUdp({ from: 't1', to: 't2', count: 500, rate: 0, size: 200, port: 20200 });
    await tcpExchange({ from: 't1', to: 't2', bytes: 100_000, rate: 0, port: 20201 });
    const names = ['alpha.example', 'b.csharg.test', 'xn--bcher-kva.example', 'very.long.name.with.many.labels.example.org'];
    const dns: { host: string; port: number; payload: Buffer }[] = [];
    for (let i = 0; i < 40; i++) dns.push({ host: '198.18.2.1', port: i % 2 === 0 ? 53 : 5353, payload: dnsQuery(i, names[i % names.length]!, i % 3 === 0 ? 'AAAA' : 'A') });
    await sendDatagrams('csharg-t1', dns);
    // IPv6 on t2's loopback: only the any captures see it.
    // (DNS only to DNS ports: tshark may take DNS-looking datagrams on other ports for DNS too.)
    await sendDatagrams('csharg-t2', Array.from({ length: 30 }, (_, i) => (i % 3 === 0
      ? { host: '::1', port: 20202, payload: Buffer.from(`plain datagram ${i}`) }
      : { host: '::1', port: i % 3 === 1 ? 53 : 5353, payload: dnsQuery(100 + i, 'v6.csharg.test', 'PTR') })));
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    for (const [, r] of runs) await r.stop();
  }
  let total = 0;
  const seen = new Set<string>();
  for (const file of files) {
    const packets = new PcapngPacketReader().push(readFileSync(file));
    const rows = await tsharkFields(file, FIELDS);
    const result = compare(packets, rows);
    assert.deepEqual(result.differences.slice(0, 20), [], `${path.basename(file)}: ${result.differences.length} differences`);
    total += result.checked;
    for (const s of result.seen) seen.add(s);
  }
  t.diagnostic(`compared ${total} packets with tshark; kinds: ${[...seen].sort().join(', ')}`);
  assert.ok(total >= 1000, `at least 1,000 packets compared (got ${total})`);
  for (const kind of ['ethernet/udp', 'ethernet/tcp', 'ethernet/dns', 'sll/dns', 'sll2/dns', 'sll/tcp', 'sll2/udp']) assert.ok(seen.has(kind), `saw ${kind} (saw ${[...seen].join(', ')})`);
  assert.ok([...seen].some((s) => s.startsWith('sll') && s.endsWith('icmp')), 'ICMP unreachables for the DNS queries');
});

test('decoders agree with tshark on hand-built VLAN, QinQ, IPv6 extension, ARP and cooked frames written by our writer', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-decode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const query = dnsQuery(7, 'tagged.example', 'A');
  const frames = [
    ethernet(0x0800, ipv4({ protocol: 17, payload: udp(20300, 53, query) }), [{ tpid: 0x8100, tci: 42 }]),
    ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 20301, dstPort: 20302, flags: 0x12, options: Buffer.from([2, 4, 5, 0xb4]) }) }), [{ tpid: 0x88a8, tci: 100 }, { tpid: 0x8100, tci: 0x3000 | 7 }]),
    ethernet(0x86dd, ipv6({ src: '2001:db8::1', dst: 'ff02::fb', next: 0, payload: Buffer.concat([Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]), Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]), udp(5353, 5353, query)]) }), [{ tpid: 0x8100, tci: 3 }]),
    ethernet(0x0806, Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex'), [{ tpid: 0x8100, tci: 9 }]),
    ethernet(0x0800, ipv4({ protocol: 1, payload: Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]) })),
  ];
  const sll2 = Buffer.concat([Buffer.from([0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6]), Buffer.alloc(8), ipv6({ next: 6, payload: tcp({ srcPort: 20303, dstPort: 20304, flags: 0x11 }) })]);
  const packets = packetsOf([...frames.map((data) => ({ data })), { data: sll2, linkType: 276, iface: 'any' }]);
  const file = path.join(dir, 'frames.pcapng');
  writeFileSync(file, toPcapngBytes(packets));
  const rows = await tsharkFields(file, FIELDS);
  const result = compare(new PcapngPacketReader().push(readFileSync(file)), rows);
  assert.deepEqual(result.differences, []);
  assert.equal(result.checked, 6);
  assert.deepEqual(rows.map((r) => [r[15], r[10]]), [['', '42'], ['100', '7'], ['', '3'], ['', '9'], ['', ''], ['', '']]);
});
