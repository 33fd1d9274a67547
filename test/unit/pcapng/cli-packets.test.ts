import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runPackets } from '../../../src/cli/packets';
import { sample } from './sample';

async function run(files: string[], stdin: Buffer = Buffer.alloc(0)): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => { text += d.toString(); });
  await runPackets(files, out, Readable.from([stdin]));
  return text.split('\n').filter((l) => l !== '');
}

const dir = mkdtempSync(path.join(tmpdir(), 'csharg-packets-'));
const s = sample(false);
const file = path.join(dir, 'sample.pcapng');
writeFileSync(file, s.bytes);

test('one JSON line per packet: ts as exact decimal string or null, iface, caplen, len, linktype', async () => {
  const lines = await run([file, '-'], sample(true).bytes);
  const expected = [...s.packets, ...sample(true).packets].map((p) => ({
    ts: p.ts === null ? null : p.ts.toString(), iface: p.iface ?? null, caplen: p.caplen, len: p.len, linktype: p.linktype,
  }));
  assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), expected);
});

test('failures name the file and the byte offset', async () => {
  const broken = path.join(dir, 'broken.pcapng');
  const bytes = Buffer.from(s.bytes);
  bytes.writeUInt32BE(3, 4 + 200); // inside some block after the first: harmless or detected
  const truncated = path.join(dir, 'truncated.pcapng');
  writeFileSync(truncated, s.bytes.subarray(0, s.bytes.length - 3));
  writeFileSync(broken, Buffer.concat([Buffer.from('not pcapng at all')]));
  await assert.rejects(run([broken]), (e: unknown) => e instanceof Error && e.message.startsWith(`${broken}: `) && /offset 0\b/.test(e.message));
  await assert.rejects(run([truncated]), (e: unknown) => e instanceof Error && e.message.includes(truncated) && /ends inside a block .*offset \d+/.test(e.message));
  await assert.rejects(run(['-'], Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), /^Error: stdin: .*offset 0/);
  await assert.rejects(run([path.join(dir, 'missing')]), /missing: ENOENT/);
});
