// The local SharkTank: bare targets completed from discovery, the SHB carrying the capture target
// information, and the handler-based openCapture of the SharkTank contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { CaptureEnd } from '../../src/core/capture-source';
import { TargetNotFoundError } from '../../src/core/errors';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import { bedNamespace, requireBed, sendUdp } from '../support/testbed';

const execFileAsync = promisify(execFile);

test('a bare target (name and type only) is completed from discovery and captured; the SHB names it', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-tank-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bare.pcapng');
  const t2 = bedNamespace(bed, 't2');
  const tank = newLocalSharkTank();
  const name = `${t2.name}(${t2.keeperPid})`;
  const capture = tank.capture({ name, type: 'proc' }, { nifs: ['eth0'], filter: 'udp port 9941' });
  const written = pipeline(capture.output, createWriteStream(file));
  await capture.started;
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 2000, size: 16, port: 9941 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(await capture.stop(), { kind: 'stopped' });
  await written;
  const { stdout } = await execFileAsync('/usr/bin/capinfos', ['-c', '-k', file]);
  assert.match(stdout, /Number of packets:\s+10\b/);
  assert.match(stdout, new RegExp(`container-name: "?${name.replace(/[()]/g, '\\$&')}"?`));
  assert.match(stdout, /container-type: proc/);
  assert.ok(stdout.includes(`node-name: ${hostname()}`), stdout);
  assert.match(stdout, /capture-filter: udp port 9941/);
});

test('a bare target that discovery does not know ends with a not-found error', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const capture = tank.capture({ name: 'no-such-target(1)', type: 'proc' });
  const end = await capture.ended;
  assert.equal(end.kind, 'error');
  assert.ok(end.kind === 'error' && end.error instanceof TargetNotFoundError, JSON.stringify(end));
  assert.match(end.error.message, /non-existing target .*no-such-target/);
  assert.equal(capture.pid, undefined);
});

test('openCapture delivers every chunk, then onEnd once, after the last chunk', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const tank = newLocalSharkTank();
  const target = (await tank.targets()).find((x) => x.netns === bedNamespace(bed, 'hub').netns);
  assert.ok(target);
  const chunks: Buffer[] = [];
  const ends: CaptureEnd[] = [];
  let onEnd!: () => void;
  const ended = new Promise<void>((resolve) => (onEnd = resolve));
  let onFirst!: () => void;
  const firstChunk = new Promise<void>((resolve) => (onFirst = resolve));
  const session = tank.openCapture(target, { filter: 'udp port 9951' }, {
    onChunk: (chunk) => {
      chunks.push(chunk);
      onFirst();
    },
    onEnd: (end) => {
      ends.push(end);
      onEnd();
    },
  });
  // The SHB comes first, before any traffic: dumpcap is capturing.
  await firstChunk;
  // t1 to t2 crosses the hub's veth-t1 and veth-t2: each datagram is seen twice.
  await sendUdp({ from: 't1', to: 't2', count: 5, rate: 1000, size: 16, port: 9951 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(await session.stop(), { kind: 'stopped' });
  await ended;
  assert.deepEqual(ends, [{ kind: 'stopped' }]);
  const data = Buffer.concat(chunks);
  assert.equal(data.readUInt32LE(0), 0x0a0d0d0a, 'the stream starts with an SHB');
  let epbs = 0;
  for (let at = 0; at + 8 <= data.length; at += data.readUInt32LE(at + 4)) if (data.readUInt32LE(at) === 6) epbs++;
  assert.equal(epbs, 10);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(Buffer.concat(chunks).length, data.length, 'nothing arrives after onEnd');
});
