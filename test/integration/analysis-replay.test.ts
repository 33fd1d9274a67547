// replayPcapng of a real capture (Debian's dumpcap on t2's eth0, bed traffic): the same packets as
// reading the file, and paced by their timestamps on a virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { VirtualTimeScheduler, lastValueFrom, toArray } from 'rxjs';
import { PcapngPacketReader } from '../../src/index';
import type { Packet } from '../../src/index';
import { replayPcapng } from '../../src/rx/replay';
import { dumpcapCapture, requireBed, sendUdp } from '../support/testbed';

test('replayPcapng of a real capture yields the packets reading it gives, paced by their timestamps (virtual time)', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csharg-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'real.pcapng');
  const run = dumpcapCapture({ ns: 'csharg-t2', ifaces: ['eth0', 'lo'], filter: 'udp port 21800' });
  const written = finished(run.stdout.pipe(createWriteStream(file)));
  await run.started;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await sendUdp({ from: 't1', to: 't2', count: 400, rate: 2000, size: 60, port: 21800 });
  // dumpcap writes in its own time: give it a moment before the stop
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await run.stop();
  await written;

  const reader = new PcapngPacketReader();
  const read = reader.push(readFileSync(file));
  reader.end();
  // the 400 datagrams, and any ICMP port unreachable t2 sent back (nothing listens there)
  assert.ok(read.length >= 400, `captured ${read.length} packets`);

  const replayed = await lastValueFrom(replayPcapng(file, { speed: 'max' }).pipe(toArray()));
  const summary = (p: Packet): unknown[] => [p.timestampNs, p.interfaceName, p.linkType, p.originalLength, p.data, p.target];
  assert.deepEqual(replayed.map(summary), read.map(summary));

  // Paced at 4x on a virtual clock: each packet at (its timestamp - the first's) / 4.
  const clock = new VirtualTimeScheduler();
  const emitted: [number, bigint][] = [];
  let done = false;
  replayPcapng(file, { speed: 4, scheduler: clock }).subscribe({ next: (p) => emitted.push([clock.now(), p.timestampNs!]), complete: () => { done = true; } });
  for (let i = 0; i < 10_000 && !done; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.flush();
  }
  assert.ok(done, 'the replay completed');
  assert.equal(emitted.length, read.length);
  const first = emitted[0]![1];
  let latest = 0;
  for (const [at, ns] of emitted) {
    // A packet whose time has passed (out of order in the file) comes right after the one before.
    const due = Math.max(Number(ns - first) / 1e6 / 4, latest);
    assert.ok(Math.abs(at - due) < 1e-6, `emitted at ${at}, due at ${due}`);
    latest = at;
  }
  assert.ok(latest > 0, 'the replay took virtual time');
});
