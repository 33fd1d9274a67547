// RotatingPcapngFile (src/nodes/lib/pcapng-file.ts): the pcapng-write node's files. Each file is a
// valid pcapng of its own, read back here by the library's reader; rotation by size keeps each
// file within its limit, by age starts a new file; files are numbered when they rotate.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PcapngPacketReader, PcapngReader } from '../../../src/core/pcapng';
import type { PacketRecord } from '../../../src/core/pcapng';
import { RotatingPcapngFile, numberedFile } from '../../../src/nodes/lib/pcapng-file';
import type { ClosedFile } from '../../../src/nodes/lib/pcapng-file';

const NS = 1_700_000_000_000_000_001n;

function record(i: number, iface: string | null = 'eth0', size = 100): PacketRecord {
  return { interface: iface, linkType: 1, timestampNs: NS + BigInt(i) * 1_000_000n, data: Buffer.alloc(size, i & 0xff), originalLength: size + 10 };
}

function readBack(file: string): { names: (string | null)[]; ns: (bigint | null)[]; sizes: number[]; idbs: number; userAppl: string | undefined } {
  const bytes = readFileSync(file);
  const blocks = new PcapngReader().push(bytes);
  const shb = blocks[0];
  assert.equal(shb?.kind, 'shb');
  const packets = new PcapngPacketReader().push(bytes);
  return {
    names: packets.map((p) => p.interfaceName ?? null),
    ns: packets.map((p) => p.timestampNs),
    sizes: packets.map((p) => p.capturedLength),
    idbs: blocks.filter((b) => b.kind === 'idb').length,
    userAppl: shb?.kind === 'shb' ? shb.userAppl : undefined,
  };
}

let dir: string;
beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'csharg-nodes-pcapng-file-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('numberedFile', () => {
  it('numbers before the extension, from 1, four digits', () => {
    assert.equal(numberedFile('/d/cap.pcapng', 3), '/d/cap-0003.pcapng');
    assert.equal(numberedFile('/d/cap', 12), '/d/cap-0012.pcapng');
    assert.equal(numberedFile('/d/a.b.pcap', 1), '/d/a.b-0001.pcap');
  });
});

describe('RotatingPcapngFile', () => {
  it('one file: every packet with its interface and ns time, one IDB per interface', () => {
    const file = path.join(dir, 'one.pcapng');
    const closed: ClosedFile[] = [];
    const w = new RotatingPcapngFile(file, { maxBytes: 0, maxAgeMs: 0 }, (c) => closed.push(c));
    const records = [record(0), record(1, 'eth1'), record(2), record(3, null)];
    for (const r of records) w.write(r);
    assert.equal(w.currentFile, file);
    w.close();
    assert.equal(w.currentFile, undefined);
    const back = readBack(file);
    assert.deepEqual(back.names, ['eth0', 'eth1', 'eth0', null]);
    assert.deepEqual(back.ns, records.map((r) => r.timestampNs));
    assert.equal(back.idbs, 3);
    assert.equal(back.userAppl, 'csharg node-red');
    assert.deepEqual(closed, [{ file, packets: 4, bytes: statSync(file).size }]);
  });

  it('rotation by size: numbered files, each within the limit and valid, no packet lost', () => {
    const file = path.join(dir, 'rot.pcapng');
    const closed: ClosedFile[] = [];
    const maxBytes = 1000;
    const w = new RotatingPcapngFile(file, { maxBytes, maxAgeMs: 0 }, (c) => closed.push(c));
    for (let i = 0; i < 30; i++) w.write(record(i));
    w.close();
    const files = readdirSync(dir).sort();
    assert.ok(files.length > 3, files.join());
    assert.deepEqual(files, files.map((_, i) => path.basename(numberedFile(file, i + 1))));
    let total = 0;
    for (const f of files) {
      const full = path.join(dir, f);
      assert.ok(statSync(full).size <= maxBytes, `${f}: ${statSync(full).size} bytes`);
      const back = readBack(full);
      assert.equal(back.idbs, 1, 'each file has its own IDB');
      total += back.ns.length;
    }
    assert.equal(total, 30);
    assert.deepEqual(closed.map((c) => path.basename(c.file)), files);
  });

  it('rotation by age: the next packet after the age goes to a new file', async () => {
    const file = path.join(dir, 'age.pcapng');
    const w = new RotatingPcapngFile(file, { maxBytes: 0, maxAgeMs: 5 }, () => undefined);
    w.write(record(0));
    w.write(record(1));
    await new Promise((r) => setTimeout(r, 20));
    w.write(record(2));
    w.close();
    assert.deepEqual(readdirSync(dir).sort(), ['age-0001.pcapng', 'age-0002.pcapng']);
    assert.equal(readBack(path.join(dir, 'age-0001.pcapng')).ns.length, 2);
    assert.equal(readBack(path.join(dir, 'age-0002.pcapng')).ns.length, 1);
  });

  it('a file is valid pcapng (its SHB) as soon as it is opened; close twice is once', () => {
    const file = path.join(dir, 'open.pcapng');
    const closed: ClosedFile[] = [];
    const w = new RotatingPcapngFile(file, { maxBytes: 0, maxAgeMs: 0 }, (c) => closed.push(c));
    w.write(record(0));
    const blocks = new PcapngReader().push(readFileSync(file));
    assert.deepEqual(blocks.map((b) => b.kind), ['shb', 'idb', 'epb']);
    w.close();
    w.close();
    assert.equal(closed.length, 1);
  });
});
