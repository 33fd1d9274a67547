// csharg capture --follow through the REAL Packetflix (svc1) on a namespace of this test's own
// (csharg-h3f, loopback only) with a keeper process that the test restarts.
//
// How --follow finds a target again (src/core/follow/match.ts): by name, type, prefix and node,
// the parts that survive a re-created container or namespace. Gostwire names a process target
// `comm(PID)`, so a restarted keeper is a target with another name: by design --follow cannot
// take a restarted process for the one it followed. What it does do, asserted here:
// - A keeper restarted in the same namespace changes nothing for the running capture: the server's
//   dumpcap stays in the same network stack (the namespace lives on, also through its bind mount),
//   the follow's discovery watch still finds the captured namespace inode, so the capture goes on:
//   one section, both parts, no gap and no reconnection.
// - If that capture is lost afterwards (here: the server's dumpcap for this capture is killed), the
//   reconnection looks for the old name, finds no target of that name, and following gives up at
//   --follow-give-up-after with exit 1 and the reason; the file keeps what was captured.
// - With the keeper unchanged, a lost capture is resumed under the same name: the file has two
//   sections, the second's SHB carries the gap comment (tshark and capinfos read it).
// - A namespace deleted and made anew with a new keeper is another target too (new inode, new
//   name). The old namespace lives on: the server's dumpcap is still in it, and Gostwire lists it
//   as `dumpcap(PID)`. The follow's watch sees the captured inode still discovered and no other
//   namespace under the followed name, so the capture goes on in the orphaned namespace (nothing
//   more arrives) until it is stopped; it never switches to the new one.
// UDP ports 43200-43299 are this file's (inside csharg-h3f's own loopback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { OwnNamespace, gostwireTargets, packetflixPid, serviceDumpcapStarted, serviceDumpcapsWith, tempDir } from '../support/cli-host';
import { processGone } from '../support/processes';
import { requireServices, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg, until } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);
const NS = 'csharg-h3f';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The follow's discovery watch runs every 5 s (DEFAULT_FOLLOW_WATCH_INTERVAL_MS); wait past one. */
const PAST_ONE_WATCH_MS = 7000;

interface FollowRun {
  pid: () => number;
  done: Promise<CliRun>;
}

/** Starts `csharg capture --follow` of the namespace's current keeper target, lo only. */
function startFollow(bed: BedEnv, ns: OwnNamespace, port: number, file: string, extra: string[] = []): FollowRun {
  let pid = 0;
  const done = csharg(
    ['--host', serviceUrl(bed), 'capture', `${NS}(${ns.keeperPid})`, '-i', 'lo', '-f', `udp port ${port}`, '--follow', '--stop-after', '150s', ...extra, '-w', file],
    { onSpawn: (p) => (pid = p), killAfterMs: 200_000 },
  );
  return { pid: () => pid, done };
}

/** Datagrams of our port per pcapng section, as tshark reads the file. */
async function perSection(file: string, port: number): Promise<[string, number][]> {
  const rows = await tsharkFields(file, ['frame.section_number', 'udp.dstport']);
  const counts = new Map<string, number>();
  for (const [section, p] of rows) if (p === String(port)) counts.set(section!, (counts.get(section!) ?? 0) + 1);
  return [...counts.entries()].sort();
}

async function ownNamespace(t: TestContext): Promise<{ bed: BedEnv; ns: OwnNamespace } | undefined> {
  const bed = await requireServices(t);
  if (!bed) return undefined;
  const ns = await OwnNamespace.create(t, NS);
  const name = `${NS}(${ns.keeperPid})`;
  const seen = (await gostwireTargets(serviceUrl(bed))).find((x) => x.name === name);
  assert.equal(seen?.type, 'proc', `discovery names the keeper ${name}`);
  return { bed, ns };
}

test('csharg capture --follow through the real Packetflix: a keeper restarted in the same namespace (new name) does not interrupt the capture: both parts, one section, no gap', async (t) => {
  const own = await ownNamespace(t);
  if (!own) return;
  const { bed, ns } = own;
  const pf = packetflixPid(bed);
  const port = 43200;
  const file = path.join(tempDir(t, 'csharg-cli-follow-'), 'restart.pcapng');
  const oldName = `${NS}(${ns.keeperPid})`;
  const run = startFollow(bed, ns, port, file);
  const dumpcap = await serviceDumpcapStarted(pf, `udp port ${port}`);
  await ns.sendUdp(3, port);

  await ns.stopKeeper();
  await ns.startKeeper();
  const newName = `${NS}(${ns.keeperPid})`;
  const discovered = await gostwireTargets(serviceUrl(bed));
  const inode = discovered.find((x) => x.name === newName)?.netns;
  assert.ok(inode, `discovery names the new keeper ${newName}`);
  assert.equal(discovered.some((x) => x.name === oldName), false, `${oldName} is gone from discovery`);
  // The server's own dumpcap is a process of the same namespace, and Gostwire lists it too.
  assert.ok(discovered.some((x) => x.name === `dumpcap(${dumpcap.pid})` && x.netns === inode), 'the server\'s dumpcap is in the same network namespace');

  await sleep(PAST_ONE_WATCH_MS);
  await ns.sendUdp(4, port);
  await sleep(500);
  assert.deepEqual(serviceDumpcapsWith(pf, `udp port ${port}`).map((d) => d.pid), [dumpcap.pid], 'the same dumpcap: no reconnection');
  process.kill(run.pid(), 'SIGINT');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /capture lost|reconnecting|resumed/);
  assert.match(r.stderr, /capture stopped \(stopped by SIGINT\): 7 packets/);
  assert.deepEqual(await perSection(file, port), [['1', 7]]);
  const { stdout: info } = await execFileAsync('/usr/bin/capinfos', ['-k', file]);
  assert.ok(info.includes(`container-name: ${oldName}`), info);
  assert.doesNotMatch(info, /resumed after a gap/);
  await processGone(dumpcap.pid);
});

test('csharg capture --follow through the real Packetflix: a capture lost after the keeper restarted is looked up by its old name, not found, and following gives up (exit 1); the file keeps the first part', async (t) => {
  const own = await ownNamespace(t);
  if (!own) return;
  const { bed, ns } = own;
  const pf = packetflixPid(bed);
  const port = 43201;
  const file = path.join(tempDir(t, 'csharg-cli-follow-'), 'lost.pcapng');
  const oldName = `${NS}(${ns.keeperPid})`;
  const run = startFollow(bed, ns, port, file, ['--follow-max-delay', '1s', '--follow-give-up-after', '5s']);
  const dumpcap = await serviceDumpcapStarted(pf, `udp port ${port}`);
  await ns.sendUdp(3, port);
  await ns.stopKeeper();
  await ns.startKeeper();
  await sleep(1000);
  // The capture breaks: the server's dumpcap for this capture (ours alone: our port) is killed.
  process.kill(dumpcap.pid, 'SIGKILL');
  const r = await run.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /csharg: capture lost \(.*\); following/);
  assert.match(r.stderr, /csharg: reconnecting in 1000 ms \(attempt 2\)/);
  const escaped = oldName.replace(/[()]/g, '\\$&');
  assert.match(r.stderr, new RegExp(`^Error: following the capture of proc "${escaped}".* stopped: the capture has been down for \\d+ ms \\(the limit is 5000 ms\\); last error: non-existing target \\{"name":"${escaped}"`, 'm'));
  assert.deepEqual(await perSection(file, port), [['1', 3]]);
  assert.deepEqual(serviceDumpcapsWith(pf, `udp port ${port}`), [], 'no new capture was started');
});

test('csharg capture --follow through the real Packetflix: a lost capture of an unchanged keeper is resumed under the same name; the second section carries the gap comment', async (t) => {
  const own = await ownNamespace(t);
  if (!own) return;
  const { bed, ns } = own;
  const pf = packetflixPid(bed);
  const port = 43202;
  const file = path.join(tempDir(t, 'csharg-cli-follow-'), 'gap.pcapng');
  const run = startFollow(bed, ns, port, file);
  const first = await serviceDumpcapStarted(pf, `udp port ${port}`);
  await ns.sendUdp(3, port);
  await sleep(500);
  process.kill(first.pid, 'SIGKILL');
  // Reconnection after 1 s: a new dumpcap of the server for the same target.
  await until(() => serviceDumpcapsWith(pf, `udp port ${port}`).some((d) => d.pid !== first.pid), 60_000, 'a new dumpcap for the resumed capture');
  await serviceDumpcapStarted(pf, `udp port ${port}`);
  await ns.sendUdp(4, port);
  await sleep(1000);
  process.kill(run.pid(), 'SIGINT');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /csharg: capture lost \(.*\); following/);
  assert.match(r.stderr, /csharg: resumed after a gap of \d+ ms/);
  assert.deepEqual(await perSection(file, port), [['1', 3], ['2', 4]]);
  const { stdout: info } = await execFileAsync('/usr/bin/capinfos', ['-k', file]);
  assert.match(info, /csharg: capture resumed after a gap of \d+ ms/);
  t.diagnostic(r.stderr.split('\n').filter((l) => l.startsWith('csharg:')).join(' | '));
});

test('csharg capture --follow through the real Packetflix: a namespace re-created with a new keeper is not followed; the old one lives on through the server\'s dumpcap and the capture stays there', async (t) => {
  const own = await ownNamespace(t);
  if (!own) return;
  const { bed, ns } = own;
  const pf = packetflixPid(bed);
  const port = 43203;
  const file = path.join(tempDir(t, 'csharg-cli-follow-'), 'recreated.pcapng');
  const oldName = `${NS}(${ns.keeperPid})`;
  const run = startFollow(bed, ns, port, file);
  const dumpcap = await serviceDumpcapStarted(pf, `udp port ${port}`);
  await ns.sendUdp(3, port);
  const oldInode = (await gostwireTargets(serviceUrl(bed))).find((x) => x.name === oldName)?.netns;
  assert.ok(oldInode);

  await ns.recreate();
  const newName = `${NS}(${ns.keeperPid})`;
  const discovered = await gostwireTargets(serviceUrl(bed));
  const newInode = discovered.find((x) => x.name === newName)?.netns;
  assert.ok(newInode !== undefined && newInode !== oldInode, `${newName} has a namespace of its own`);
  assert.equal(discovered.some((x) => x.name === oldName), false);
  assert.ok(discovered.some((x) => x.name === `dumpcap(${dumpcap.pid})` && x.netns === oldInode), 'the old namespace lives on, held by the server\'s dumpcap');

  await sleep(PAST_ONE_WATCH_MS);
  await ns.sendUdp(4, port);
  await sleep(1000);
  assert.deepEqual(serviceDumpcapsWith(pf, `udp port ${port}`).map((d) => d.pid), [dumpcap.pid], 'still the first capture: no reconnection to the new namespace');
  process.kill(run.pid(), 'SIGINT');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /capture lost|reconnecting|resumed/);
  assert.deepEqual(await perSection(file, port), [['1', 3]], 'the datagrams sent in the new namespace are not captured');
  await processGone(dumpcap.pid);
});
