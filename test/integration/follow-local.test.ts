// Continuous capture with the local source (real dumpcap): a process-less namespace this test
// creates, deleted and re-created under the same name (same bind mount path, new inode) while
// followed. Expected in advance: the follow capture survives, the file holds both parts as two
// pcapng sections, the second section's SHB carries the gap comment, tshark and capinfos read it,
// and no dumpcap is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Subject } from 'rxjs';
import { PcapngPacketReader } from '../../src/core/pcapng';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import { captureFollow } from '../../src/rx/follow';
import type { FollowEvent } from '../../src/rx/follow';
import { requireBed, tsharkFields } from '../support/testbed';
import { childDumpcaps } from '../support/processes';

const execFileAsync = promisify(execFile);
const NS = 'csharg-follow-test';
const PORT = 26001;

async function createNamespace(): Promise<void> {
  await execFileAsync('ip', ['netns', 'add', NS]);
  await execFileAsync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
}

async function deleteNamespace(): Promise<void> {
  if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
}

/** Sends one UDP datagram per payload to 127.0.0.1:PORT inside the namespace (bounded). */
async function sendInNamespace(payloads: string[]): Promise<void> {
  const script = `const s=require('dgram').createSocket('udp4');const p=JSON.parse(process.argv[1]);let i=0;const next=()=>{if(i>=p.length)return s.close();s.send(p[i++],${PORT},'127.0.0.1',next)};next()`;
  await execFileAsync('ip', ['netns', 'exec', NS, process.execPath, '-e', script, JSON.stringify(payloads)], { timeout: 10_000 });
}

async function until(what: string, condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a followed local capture survives its namespace being deleted and re-created, gap comment in a new section', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  await deleteNamespace();
  await createNamespace();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csharg-follow-'));
  t.after(async () => {
    await deleteNamespace();
    await rm(dir, { recursive: true, force: true });
  });

  const tank = newLocalSharkTank({ dockerSocket: false });
  const events: FollowEvent[] = [];
  const chunks: Buffer[] = [];
  const reader = new PcapngPacketReader();
  let packets = 0;
  const stop = new Subject<void>();
  let end: string | undefined;
  const started = Date.now();
  captureFollow(tank, { name: `/run/netns/${NS}`, type: 'bindmount' }, { nifs: ['lo'], filter: `udp port ${PORT}` }, {
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    watchIntervalMs: 250,
    maxAttempts: 30,
    onEvent: (e) => events.push(e),
  })
    .stopWhen(stop)
    .subscribe({
      next: (chunk) => {
        chunks.push(chunk);
        packets += reader.push(chunk).length;
      },
      error: (e: unknown) => (end = `error: ${String(e)}`),
      complete: () => (end = 'complete'),
    });

  await until('the first capture', () => events.some((e) => e.type === 'capturing'));
  await sendInNamespace(['before-1', 'before-2', 'before-3']);
  await until('3 packets', () => packets >= 3);
  const firstNetns = events.find((e) => e.type === 'capturing')?.target.netns;

  const recreatedAt = Date.now();
  await execFileAsync('ip', ['netns', 'del', NS]);
  await createNamespace();
  await until('the resumed capture', () => events.some((e) => e.type === 'resumed'));
  const resumedAfterMs = Date.now() - recreatedAt;
  await sendInNamespace(['after-1', 'after-2', 'after-3']);
  await until('6 packets', () => packets >= 6);
  stop.next();
  await until('the end', () => end !== undefined);
  assert.equal(end, 'complete');
  assert.deepEqual(childDumpcaps(), [], 'no dumpcap left');

  const resumed = events.find((e) => e.type === 'resumed');
  assert.ok(resumed && resumed.type === 'resumed');
  assert.notEqual(resumed.target.netns, firstNetns, 'the capture moved to the new namespace');
  const file = path.join(dir, 'follow.pcapng');
  await writeFile(file, Buffer.concat(chunks));
  const rows = await tsharkFields(file, ['frame.section_number', 'data.text'], ['-o', 'data.show_as_text:TRUE']);
  assert.deepEqual(rows, [
    ['1', 'before-1'], ['1', 'before-2'], ['1', 'before-3'],
    ['2', 'after-1'], ['2', 'after-2'], ['2', 'after-3'],
  ]);
  const { stdout: info } = await execFileAsync('capinfos', [file]);
  const sectionTwo = info.slice(info.indexOf('Section 1:'));
  assert.ok(info.includes('Section 1:'), 'capinfos sees a second section');
  assert.doesNotMatch(info.slice(0, info.indexOf('Section 1:')), /csharg: capture resumed/);
  assert.match(sectionTwo, /\n\s*Capture comment: +csharg: capture resumed after a gap of \d+ ms \(target went away at [^ ]+Z: capture target left: bindmount "\/run\/netns\/csharg-follow-test"[^\n]*now belongs to network namespace \d+, not \d+\)/);
  t.diagnostic(`follow: resumed ${resumedAfterMs} ms after the re-creation (gap ${resumed.gapMs} ms, ${events.filter((e) => e.type === 'retrying').length} retries), whole run ${Date.now() - started} ms`);
});
