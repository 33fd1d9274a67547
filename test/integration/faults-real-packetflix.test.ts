// Faults of the REAL services, each with its outcome stated before it runs. Each test starts a
// Packetflix v0.9.7 (+ Gostwire v2.4.1) of its own from the bed's binaries, in a namespace of its
// own reached over a veth pair (test/support/own-edgeshark.ts), and kills, freezes, stops or
// restarts THAT instance; the bed's svc1/svc2 are never signalled. Every test also proves that
// nothing is left behind: no socket and no timer in this process (Node's active resources back to
// where they were), and no dumpcap on the server side (each one the instance ran, by PID).
// Already covered elsewhere: the server's dumpcap killed (host-capture-socket), a namespace
// deleted mid-capture (faults-local, host-captures). UDP ports 50200-50299 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { CaptureConnectionLostError, DiscoveryError } from '../../src/core/capture-errors';
import { CshargError } from '../../src/core/errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { CaptureEnd } from '../../src/core/capture-source';
import { tempDir } from '../support/cli-host';
import { Collector } from '../support/collector';
import { countUdpDatagrams, findBedTarget, settle } from '../support/host-transport';
import { OwnEdgeshark } from '../support/own-edgeshark';
import { processGone } from '../support/processes';
import { requireServices, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg, until } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);

/** Node's active handles by kind (sockets: TCPSocketWrap, timers: Timeout …). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Waits until no more sockets and timers are active than at `before` (a hang guard, not a speed test). */
async function nothingLeft(before: Map<string, number>): Promise<void> {
  const over = (): string[] => ['TCPSocketWrap', 'TLSWrap', 'Timeout'].filter((k) => (resources().get(k) ?? 0) > (before.get(k) ?? 0));
  await until(() => over().length === 0, 20_000, `no socket or timer left (still more: ${over().join(', ')})`).catch((err: Error) => {
    throw new Error(`${err.message}: ${over().map((k) => `${k} ${resources().get(k) ?? 0} > ${before.get(k) ?? 0}`).join(', ')}`);
  });
}

/** Resolves with the capture's end, or fails after `ms` (a bound on how long the fault takes to surface). */
async function endWithin(wait: Promise<CaptureEnd>, ms: number, what: string): Promise<CaptureEnd> {
  let guard: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    guard = setTimeout(() => reject(new Error(`${what}: the capture did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([wait, timeout]);
  } finally {
    clearTimeout(guard);
  }
}

async function ownServices(t: TestContext, subnet: number): Promise<{ bed: BedEnv; own: OwnEdgeshark } | undefined> {
  const bed = await requireServices(t);
  if (!bed) return undefined;
  const own = await OwnEdgeshark.start(t, bed, { name: `csharg-h10f${subnet - 240}`, subnet });
  return { bed, own };
}

test('Packetflix SIGKILLed mid-stream: the capture ends with a typed capture error within 30 s (the kernel closes the TCP connection without a Close frame: a CaptureConnectionLostError), the file so far is readable (all 10 datagrams); the orphaned dumpcap exits at its next write; no socket or timer left', async (t) => {
  const s = await ownServices(t, 250);
  if (!s) return;
  const { bed, own } = s;
  const port = 50200;
  const filter = `udp port ${port}`;
  const dir = tempDir(t, 'csharg-faults-real-');
  const file = path.join(dir, 'killed.pcapng');
  const before = resources();
  const tank = newSharkTankOnHost(own.url, { proxy: false });
  const target = findBedTarget(await tank.targets(), bed, 't2');
  const out = createWriteStream(file);
  const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
  const dumpcap = await own.dumpcapWithFilter(filter);
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 8, port });
  await settle(1000);

  process.kill(own.packetflixPid, 'SIGKILL');
  const killedAt = Date.now();
  const end = await endWithin(streamer.wait(), 30_000, 'Packetflix killed');
  const ms = Date.now() - killedAt;
  assert.equal(end.kind, 'error');
  const error = end.error;
  // A killed Packetflix sends no Close frame; its kernel closes the TCP connection (FIN). Once the
  // capture ran, that is the server going away (a reason over 123 bytes comes before any data).
  assert.ok(error instanceof CaptureConnectionLostError, `${error.name}: ${error.message}`);
  assert.match(error.message, /closed the connection in the middle of the capture without a Close frame \(Packetflix stopped or crashed/);
  assert.ok(error instanceof CshargError);
  assert.match(error.message, /^capture of proc "csharg-t2\(\d+\)" on node "198\.18\.250\.2" \(netns \d+\) at ws:\/\/198\.18\.250\.2:5001\/capture\b/);
  t.diagnostic(`error after ${ms} ms: ${error.message}`);
  await new Promise<void>((resolve) => out.end(resolve));
  const rows = await tsharkFields(file, ['udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]);
  assert.equal(rows.length, 10, 'everything captured before the kill is in the file, and tshark reads it');

  // Packetflix starts dumpcap without a parent-death signal: its dumpcap outlives it (orphaned),
  // until it next writes into the broken pipe.
  const orphanStillRuns = (() => {
    try {
      process.kill(dumpcap.pid, 0);
      return true;
    } catch {
      return false;
    }
  })();
  t.diagnostic(`dumpcap ${dumpcap.pid} ${orphanStillRuns ? 'outlived' : 'died with'} Packetflix`);
  if (orphanStillRuns) await sendUdp({ from: 't1', to: 't2', count: 3, rate: 50, size: 8, port });
  await processGone(dumpcap.pid, 15_000);
  await nothingLeft(before);
});

test('Packetflix frozen (SIGSTOP) mid-stream: the heartbeat (2 s) ends the capture with a CaptureConnectionLostError saying the service stopped answering; after SIGCONT the server stops its dumpcap; no socket or timer left', async (t) => {
  const s = await ownServices(t, 251);
  if (!s) return;
  const { bed, own } = s;
  const port = 50210;
  const filter = `udp port ${port}`;
  const dir = tempDir(t, 'csharg-faults-real-');
  const before = resources();
  const tank = newSharkTankOnHost(own.url, { proxy: false, heartbeatMs: 2_000 });
  const target = findBedTarget(await tank.targets(), bed, 't2');
  const out = new Collector();
  const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
  const dumpcap = await own.dumpcapWithFilter(filter);
  // The heartbeat starts with the first message (the SHB): wait for it, then for some packets.
  await out.started;
  await sendUdp({ from: 't1', to: 't2', count: 5, rate: 200, size: 8, port });
  await settle(1000);

  const pid = own.packetflixPid;
  process.kill(pid, 'SIGSTOP');
  const frozenAt = Date.now();
  let end: CaptureEnd;
  try {
    // One interval to the ping, one more for its pong: the end comes after 2-4 s; 30 s bounds it.
    end = await endWithin(streamer.wait(), 30_000, 'Packetflix frozen');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const ms = Date.now() - frozenAt;
  assert.equal(end.kind, 'error');
  const error = end.error;
  assert.ok(error instanceof CaptureConnectionLostError, `${error.name}: ${error.message}`);
  assert.match(error.message, /connection lost: the service stopped answering: no pong and no data within 2000 ms of a ping \(Packetflix frozen/);
  assert.ok(ms >= 2_000, `not before one heartbeat interval (${ms} ms)`);
  t.diagnostic(`heartbeat ended the capture ${ms} ms after SIGSTOP`);
  assert.equal(await countUdpDatagrams(out.chunks, dir, 'frozen', port), 5, 'what came before the freeze is kept');
  // Continued, the server finds the connection gone and stops its dumpcap.
  await processGone(dumpcap.pid, 20_000);
  await nothingLeft(before);
  // And it still serves: a fresh capture works.
  const again = new Collector();
  const second = tank.capture(again, target, { nifs: ['eth0'], filter: 'udp port 50211' });
  await again.started;
  assert.deepEqual(await second.stop(), { kind: 'stopped' });
});

test('Gostwire stopped: discovery fails with a DiscoveryError naming HTTP 502, while a capture of an already known target still works (10 of 10); no dumpcap or socket left', async (t) => {
  const s = await ownServices(t, 252);
  if (!s) return;
  const { bed, own } = s;
  const port = 50220;
  const filter = `udp port ${port}`;
  const dir = tempDir(t, 'csharg-faults-real-');
  const before = resources();
  const known = findBedTarget(await newSharkTankOnHost(own.url, { proxy: false }).targets(), bed, 't2');

  process.kill(own.gostwirePid, 'SIGTERM');
  await processGone(own.gostwirePid, 15_000);
  own.gostwirePid = 0;
  const tank = newSharkTankOnHost(own.url, { proxy: false });
  const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
  assert.ok(discovery instanceof DiscoveryError, String(discovery));
  assert.equal(discovery.status, 502);
  assert.match(discovery.message, /^discovery at http:\/\/198\.18\.252\.2:5001\/discover\/mobyshark failed: HTTP 502 Bad Gateway.*\(Gostwire behind Packetflix, or the service behind the proxy, is not reachable\)$/);

  const out = new Collector();
  const streamer = tank.capture(out, known, { nifs: ['eth0'], filter });
  const dumpcap = await own.dumpcapWithFilter(filter);
  await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 8, port });
  await settle(700);
  assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
  assert.equal(await countUdpDatagrams(out.chunks, dir, 'gostwire-down', port), 10);
  await processGone(dumpcap.pid, 15_000);
  await nothingLeft(before);
});

test('Packetflix restarted while csharg capture --follow runs: the capture is lost, resumed against the new Packetflix, and the second section carries the gap comment (3 + 4 datagrams); no dumpcap left', async (t) => {
  const s = await ownServices(t, 253);
  if (!s) return;
  const { bed, own } = s;
  const port = 50230;
  const filter = `udp port ${port}`;
  const file = path.join(tempDir(t, 'csharg-faults-real-'), 'restarted.pcapng');
  const name = findBedTarget(await newSharkTankOnHost(own.url, { proxy: false }).targets(), bed, 't2').name;
  let cliPid = 0;
  const run = csharg(
    ['--host', own.url, 'capture', name, '-i', 'eth0', '-f', filter, '--follow', '--follow-max-delay', '1s', '--stop-after', '150s', '-w', file],
    { onSpawn: (p) => (cliPid = p), killAfterMs: 200_000, env: { ...process.env, HTTP_PROXY: '', http_proxy: '' } },
  );
  const first = await own.dumpcapWithFilter(filter);
  await sendUdp({ from: 't1', to: 't2', count: 3, rate: 100, size: 8, port });
  await settle(1000);

  // Restart: SIGTERM to our Packetflix, then the same binary again on the same address.
  const oldPid = own.packetflixPid;
  process.kill(oldPid, 'SIGTERM');
  await processGone(oldPid, 15_000);
  await own.startPacketflix();
  const second = await own.dumpcapWithFilter(filter, 60_000);
  assert.notEqual(second.pid, first.pid);
  await sendUdp({ from: 't1', to: 't2', count: 4, rate: 100, size: 8, port });
  await settle(1000);
  process.kill(cliPid, 'SIGINT');
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /csharg: capture lost \(.*\); following/);
  assert.match(r.stderr, /csharg: resumed after a gap of \d+ ms/);
  t.diagnostic(r.stderr.split('\n').filter((l) => l.startsWith('csharg:')).join(' | '));
  const rows = await tsharkFields(file, ['frame.section_number', 'udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]);
  const perSection = new Map<string, number>();
  for (const [section] of rows) perSection.set(section!, (perSection.get(section!) ?? 0) + 1);
  assert.deepEqual([...perSection.entries()].sort(), [['1', 3], ['2', 4]]);
  const { stdout: info } = await execFileAsync('/usr/bin/capinfos', ['-k', file]);
  assert.match(info, /csharg: capture resumed after a gap of \d+ ms/);
  // Nothing left on the server side: the new Packetflix's dumpcap ended with the command; the old
  // one's (orphaned by the restart, if it outlived it) ended at its first write after it.
  await processGone(second.pid, 15_000);
  await processGone(first.pid, 15_000);
  assert.deepEqual(own.dumpcaps(), []);
});
