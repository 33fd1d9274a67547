import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FlowTable } from '../../../src/core/analysis/flows';
import { TcpFlag } from '../../../src/core/decode';
import { flows } from '../../../src/rx/flows';
import { ethernet, ipv4, ipv6, packetsOf, tcp, udp } from '../decode/frames';

const T0 = 1_700_000_000_000;
const C = '198.18.1.1';
const S = '198.18.2.1';

function seg(timeMs: number, fromClient: boolean, flags: number, seq: number, payload = 0) {
  const [src, dst, sp, dp] = fromClient ? [C, S, 20050, 20051] : [S, C, 20051, 20050];
  return { data: ethernet(0x0800, ipv4({ src, dst, protocol: 6, payload: tcp({ srcPort: sp, dstPort: dp, flags, seq, payload: Buffer.alloc(payload) }) })), timeMs };
}

const CONVERSATION = packetsOf([
  seg(T0, true, TcpFlag.SYN, 100),
  seg(T0 + 1, false, TcpFlag.SYN | TcpFlag.ACK, 500),
  seg(T0 + 2, true, TcpFlag.ACK, 101),
  seg(T0 + 3, true, TcpFlag.ACK | TcpFlag.PSH, 101, 50),
  seg(T0 + 4, true, TcpFlag.ACK | TcpFlag.PSH, 101, 50), // retransmission
  seg(T0 + 5, false, TcpFlag.ACK, 501), // a pure ACK with the same seq again is no retransmission
  seg(T0 + 6, false, TcpFlag.ACK, 501),
  seg(T0 + 7, true, TcpFlag.FIN | TcpFlag.ACK, 151),
  seg(T0 + 8, false, TcpFlag.RST, 501),
]);

test('a TCP conversation is one flow: both directions, flags, retransmissions, first/last seen', async () => {
  const updates = await lastValueFrom(from(CONVERSATION).pipe(flows(), toArray()));
  assert.equal(updates.length, CONVERSATION.length);
  assert.deepEqual(updates.map((u) => u.isNew), [true, ...Array<boolean>(CONVERSATION.length - 1).fill(false)]);
  assert.equal(new Set(updates.map((u) => u.flow.id)).size, 1);
  const f = updates.at(-1)!.flow;
  assert.equal(f.id, 'tcp 198.18.1.1:20050 198.18.2.1:20051');
  assert.deepEqual([f.a, f.b], [{ address: C, port: 20050 }, { address: S, port: 20051 }]);
  assert.equal(f.initiator, 'a');
  assert.equal(f.packets, 9);
  assert.equal(f.aToB.packets, 5);
  assert.equal(f.bToA.packets, 4);
  assert.equal(f.bytes, CONVERSATION.reduce((n, p) => n + p.originalLength, 0));
  assert.equal(f.aToB.bytes + f.bToA.bytes, f.bytes);
  assert.deepEqual([f.syn, f.fin, f.rst, f.retransmissions], [2, 1, 1, 1]);
  assert.deepEqual([f.firstSeenMs, f.lastSeenMs], [T0, T0 + 8]);
  // Snapshots: an earlier update still says what it said.
  assert.equal(updates[0]!.flow.packets, 1);
});

test('the server speaking first makes b the initiator; UDP, IPv6 and ICMP flows; non-IP packets are skipped', () => {
  const table = new FlowTable();
  const [reply, v6, icmp, arp] = packetsOf([
    { data: ethernet(0x0800, ipv4({ src: S, dst: C, protocol: 17, payload: udp(53, 20060, Buffer.alloc(3)) })) },
    { data: ethernet(0x86dd, ipv6({ src: 'fd00::2', dst: 'fd00::1', next: 17, payload: udp(20061, 20062, Buffer.alloc(1)) })) },
    { data: ethernet(0x0800, ipv4({ src: C, dst: S, protocol: 1, payload: Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]) })) },
    { data: ethernet(0x0806, Buffer.from('0001080006040001020000000001c6120101000000000000c6120102', 'hex')) },
  ]);
  assert.equal(table.add(reply!)?.flow.initiator, 'b');
  assert.equal(table.add(reply!)?.flow.id, 'udp 198.18.1.1:20060 198.18.2.1:53');
  assert.equal(table.add(v6!)?.flow.id, 'udp [fd00::1]:20062 [fd00::2]:20061');
  assert.equal(table.add(icmp!)?.flow.id, 'icmp 198.18.1.1:0 198.18.2.1:0');
  assert.equal(table.add(arp!), undefined);
  assert.equal(table.size, 3);
});

test('idle flows are forgotten by packet time, and at most maxFlows are kept', () => {
  const table = new FlowTable({ idleTimeoutMs: 1000, maxFlows: 2 });
  const at = (t: number, port: number) => packetsOf([{ data: ethernet(0x0800, ipv4({ protocol: 17, payload: udp(port, 9, Buffer.alloc(1)) })), timeMs: t }])[0]!;
  table.add(at(T0, 20070));
  table.add(at(T0 + 10, 20071));
  table.add(at(T0 + 20, 20072)); // evicts 20070 (least recently seen)
  assert.deepEqual(table.flows().map((f) => f.a.port < 20000 ? f.b.port : f.a.port), [20071, 20072]);
  assert.equal(table.add(at(T0 + 30, 20070))?.isNew, true);
  table.add(at(T0 + 5000, 20073)); // everything else idle for > 1 s
  assert.equal(table.size, 1);
  assert.throws(() => new FlowTable({ maxFlows: 0 }), RangeError);
  assert.throws(() => flows({ idleTimeoutMs: -1 }), RangeError);
});

test('flows() emits as packets arrive and completes with its source (marble)', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const source = cold('a-b--c|', { a: CONVERSATION[0]!, b: CONVERSATION[1]!, c: CONVERSATION[3]! });
    const counts = source.pipe(flows(), map((u) => `${u.flow.packets}${u.isNew ? ' new' : ''}`));
    expectObservable(counts).toBe('a-b--c|', { a: '1 new', b: '2', c: '3' });
  });
});
