// Our pcapng reader on real dumpcap captures from the test bed, read live from dumpcap's pipe
// (its real chunking), against tshark and capinfos on the same bytes saved to a file.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PcapngReader, encodeBlock, packetOf } from '../../src/core/pcapng';
import type { Block, Packet } from '../../src/core/pcapng';
import { bedNamespace, dumpcapCapture, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const run = promisify(execFile);

interface Captured {
  file: string;
  bytes: Buffer;
  blocks: Block[];
  packets: Packet[];
  chunks: number;
}

async function capture(t: TestContext, host: string, ifaces: string[], filter: string, traffic: () => Promise<unknown>): Promise<Captured | undefined> {
  const bed = await requireBed(t);
  if (!bed) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-pcapng-real-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dumpcap = dumpcapCapture({ ns: bedNamespace(bed, host).name, ifaces, filter });
  const reader = new PcapngReader();
  const blocks: Block[] = [];
  const raw: Buffer[] = [];
  let failure: unknown;
  dumpcap.stdout.on('data', (chunk: Buffer) => {
    raw.push(chunk);
    try {
      reader.feed(chunk, (b) => blocks.push(b));
    } catch (e) {
      failure ??= e;
    }
  });
  await dumpcap.started;
  await traffic();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await dumpcap.stop();
  reader.end();
  assert.equal(failure, undefined);
  const bytes = Buffer.concat(raw);
  const file = path.join(dir, 'capture.pcapng');
  writeFileSync(file, bytes);
  const packets = blocks.map(packetOf).filter((p): p is Packet => p !== undefined);
  return { file, bytes, blocks, packets, chunks: raw.length };
}

function epoch(ns: bigint | null): string {
  assert.ok(ns !== null && ns >= 0n);
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

async function crossCheck(c: Captured): Promise<void> {
  const theirs = await tsharkFields(c.file, ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_name']);
  const ours = c.packets.map((p) => [epoch(p.timestampNs), String(p.originalLength), String(p.capturedLength), p.interfaceName ?? '']);
  assert.deepEqual(ours, theirs);
  const { stdout } = await run('/usr/bin/capinfos', ['-c', '-M', c.file]);
  assert.equal(Number(/Number of packets:\s+(\d+)/.exec(stdout)?.[1]), c.packets.length);
  // Read and written again, dumpcap's output is byte-identical.
  assert.ok(Buffer.concat(c.blocks.map((b) => encodeBlock(b))).equals(c.bytes), 'round trip is byte-identical');
  for (const p of c.packets) assert.equal(p.data.length, p.capturedLength);
}

test('veth and lo together: a UDP burst over eth0 and 60 KB datagrams over lo', async (t) => {
  const c = await capture(t, 't2', ['eth0', 'lo'], 'udp port 9998 or udp port 9999', async () => {
    await sendUdp({ from: 't1', to: 't2', count: 300, rate: 0, size: 200, port: 9999 });
    await sendUdp({ from: 't2', to: 't2', count: 5, rate: 50, size: 60_000, port: 9998 });
  });
  if (!c) return;
  assert.deepEqual(c.blocks.filter((b) => b.kind === 'idb').map((b) => b.name), ['eth0', 'lo']);
  const onEth0 = c.packets.filter((p) => p.interfaceName === 'eth0' && p.originalLength === 200 + 42);
  assert.ok(onEth0.length >= 250, `${onEth0.length} datagrams of the burst on eth0`);
  // dumpcap's -f applies to the last interface only (lo); the 60 KB datagrams arrive whole on lo.
  const big = c.packets.filter((p) => p.interfaceName === 'lo' && p.originalLength === 60_000 + 42);
  assert.equal(big.length, 5);
  assert.ok(big.every((p) => p.capturedLength === p.originalLength));
  await crossCheck(c);
});

test('the any pseudo-interface: Linux cooked capture', async (t) => {
  const c = await capture(t, 't1', ['any'], 'udp port 9999', () => sendUdp({ from: 't2', to: 't1', count: 50, rate: 1000, size: 100, port: 9999 }));
  if (!c) return;
  assert.ok(c.packets.length >= 50, `${c.packets.length} packets`);
  assert.ok(c.packets.every((p) => p.interfaceName === 'any' && (p.linkType === 113 || p.linkType === 276)), 'cooked link type');
  await crossCheck(c);
});
