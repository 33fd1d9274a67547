// More host-client captures against the bed's REAL Edgeshark services (Packetflix v0.9.7 with
// Gostwire v2.4.1 on svc1 and svc2): captures at once on two targets and two hosts, capture by
// name (what the real server does with a stale target), a subset of interfaces, and
// avoidPromiscuousMode. What the server made of each request is read from the dumpcap it runs
// (/proc: -i, -f, -p, its network namespace); the stream is read back with tshark.
// Traffic: UDP 41030-41049 only; every capture filter is one no other test uses, so the dumpcap
// found by its filter is this file's.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CaptureFailedError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { HostSharkTank } from '../../src/core/host/host-shark-tank';
import type { CaptureEnd } from '../../src/core/capture-source';
import type { Target } from '../../src/core/target';
import { Collector } from '../support/collector';
import { processGone } from '../support/processes';
import { dumpcapInterfaces, dumpcapWithFilter, keeperTarget, netnsOf, packetflixPid, shbComment, waitFor } from '../support/real-packetflix';
import { startRecordingRelay } from '../support/recording-relay';
import { bedNamespace, REPO_ROOT, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';

const execFileAsync = promisify(execFile);

/** UDP datagrams to 127.0.0.1 inside a bed namespace: traffic on its loopback only. */
async function sendLoopbackUdp(ns: string, port: number, count: number): Promise<void> {
  await execFileAsync('ip', ['netns', 'exec', ns, process.execPath, path.join(REPO_ROOT, 'scripts', 'traffic.mjs'), 'udp-send', '--to', '127.0.0.1', '--port', String(port), '--count', String(count), '--rate', '500'], { timeout: 60_000 });
}

describe('host client captures against the REAL Packetflix and Gostwire of the test bed', () => {
  let tmp: string;
  let fileNo = 0;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-captures-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const saved = (out: Collector): string => {
    const file = path.join(tmp, `c${fileNo++}.pcapng`);
    writeFileSync(file, Buffer.concat(out.chunks));
    return file;
  };
  // ICMP port-unreachable errors quote the datagram's UDP header; only the datagrams count.
  const ports = async (file: string): Promise<number[]> => (await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp && !icmp'])).map(([p]) => Number(p));
  const countOf = (list: number[], port: number): number => list.filter((p) => p === port).length;
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));

  it('three captures at once (t1 and t2 on svc1, t2 on svc2) each get their own datagrams', { timeout: 180_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const tank1 = newSharkTankOnHost(serviceUrl(bed, 'svc1'));
    const tank2 = newSharkTankOnHost(serviceUrl(bed, 'svc2'));
    const [all1, all2] = await Promise.all([tank1.targets(), tank2.targets()]);
    const runs = [
      { tank: tank1, pf: packetflixPid(bed, 'svc1'), target: keeperTarget(all1, bed, 't1'), filter: 'udp portrange 41030-41031', ns: 't1' },
      { tank: tank1, pf: packetflixPid(bed, 'svc1'), target: keeperTarget(all1, bed, 't2'), filter: 'udp port 41030 or udp port 41031', ns: 't2' },
      { tank: tank2, pf: packetflixPid(bed, 'svc2'), target: keeperTarget(all2, bed, 't2'), filter: 'udp port 41031 or udp port 41030', ns: 't2' },
    ].map((r) => ({ ...r, out: new Collector() }));
    const streamers = runs.map((r) => r.tank.capture(r.out, r.target, { nifs: ['eth0'], filter: r.filter }));
    await Promise.all(runs.map((r) => r.out.started));
    const dumpcaps = await Promise.all(runs.map((r) => dumpcapWithFilter(r.pf, r.filter)));
    dumpcaps.forEach((d, i) => assert.equal(netnsOf(d.pid), bedNamespace(bed, runs[i]!.ns).netns));
    // From the hub: each flow crosses only its own target's eth0.
    await Promise.all([
      sendUdp({ from: 'hub', to: 't1', count: 30, rate: 300, size: 64, port: 41030 }),
      sendUdp({ from: 'hub', to: 't2', count: 40, rate: 300, size: 64, port: 41031 }),
    ]);
    await settle();
    assert.deepEqual(await Promise.all(streamers.map((s) => s.stop())), [{ kind: 'stopped' }, { kind: 'stopped' }, { kind: 'stopped' }]);
    await Promise.all(dumpcaps.map((d) => processGone(d.pid, 20_000)));
    const [p1, p2a, p2b] = await Promise.all(runs.map((r) => ports(saved(r.out))));
    assert.equal(countOf(p1!, 41030), 30);
    assert.equal(countOf(p1!, 41031), 0);
    for (const p2 of [p2a!, p2b!]) {
      assert.equal(countOf(p2, 41031), 40);
      assert.equal(countOf(p2, 41030), 0);
    }
    // Each stream names its own host as node.
    assert.match(shbComment(Buffer.concat(runs[2]!.out.chunks)), /\nnode-name: "?198\.18\.255\.6"?\n/);
  });

  it('capture by name: the real server looks a stale target (start time no longer matching) up again by name', { timeout: 180_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const relay = await startRecordingRelay(serviceUrl(bed, 'svc1'));
    t.after(() => relay.close());
    const tank = newSharkTankOnHost(relay.url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    assert.ok(t2.starttime !== undefined && t2.pid !== undefined);
    // A wrong netns (t1's) and a start time that does not match t2's keeper: only the name can find t2.
    const stale: Target = { ...t2, netns: bedNamespace(bed, 't1').netns, starttime: t2.starttime + 1 };
    const filter = 'udp port 41032';
    const out = new Collector();
    const streamer = tank.capture(out, stale, { nifs: ['eth0'], filter });
    await out.started;
    const request = relay.requests.filter((r) => r.requestLine.startsWith('GET /capture?')).at(-1);
    const sent = JSON.parse(request?.headers['clustershark-container'] ?? '{}') as Target;
    assert.equal(sent.starttime, stale.starttime, 'the client sends the target as given');
    assert.equal(sent.netns, bedNamespace(bed, 't1').netns);
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns, 'the real server found t2 by name');
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0']);
    await sendUdp({ from: 't1', to: 't2', count: 25, rate: 300, size: 64, port: 41032 });
    await settle();
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    assert.equal(countOf(await ports(saved(out)), 41032), 25);

    // A stale target whose name discovery does not know: the real server cannot place it.
    const unknown = await tank.capture(new Collector(), { ...stale, name: 'csharg-no-such(1)' }, { nifs: ['eth0'], filter: 'udp port 41037' }).wait();
    assert.equal(unknown.kind, 'error');
    const error = (unknown as { error: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, 'could not locate network namespace for container');
  });

  it('a process target whose process restarted: the real server cannot find it by its old name (comm(PID)); discovery again can', { timeout: 240_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    // This test's own namespace (not csharg-*, so the bed's env does not list it) with a keeper
    // that it restarts; both cleaned up by PID and by name in t.after.
    const ns = `h1-restart-${process.pid}`;
    const keepers: number[] = [];
    t.after(async () => {
      for (const pid of keepers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await Promise.all(keepers.map((pid) => processGone(pid, 10_000).catch(() => undefined)));
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
    });
    await execFileAsync('ip', ['netns', 'add', ns]);
    await execFileAsync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const inode = statSync(`/run/netns/${ns}`).ino;
    const startKeeper = async (): Promise<number> => {
      const child = spawn('nsenter', [`--net=/run/netns/${ns}`, 'sleep', 'infinity'], { stdio: 'ignore' });
      const pid = child.pid;
      assert.ok(pid !== undefined);
      keepers.push(pid);
      // nsenter enters the namespace, then execs sleep: until then discovery would name it nsenter(PID).
      await waitFor(`${pid} to exec sleep`, () => (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep' ? true : undefined));
      return pid;
    };
    /** The keeper as the real discovery lists it (a fresh scan each time until it shows up). */
    const discovered = async (tank: HostSharkTank, pid: number): Promise<Target> => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
        tank.clear();
        const found = (await tank.targets()).find((x) => x.netns === inode && x.pid === pid);
        if (found) return found;
      }
      throw new Error(`discovery never listed the keeper ${pid} of ${ns}`);
    };
    const captureOnce = async (tank: HostSharkTank, target: Target, filter: string): Promise<CaptureEnd> => {
      const out = new Collector();
      const streamer = tank.capture(out, target, { nifs: ['lo'], filter });
      const end = await Promise.race([out.started.then(() => undefined), streamer.wait()]);
      if (end) return end;
      const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
      assert.equal(netnsOf(dumpcap.pid), inode);
      const stopped = await streamer.stop();
      await processGone(dumpcap.pid, 20_000);
      return stopped;
    };

    const tank = newSharkTankOnHost(serviceUrl(bed, 'svc1'));
    const firstPid = await startKeeper();
    const first = await discovered(tank, firstPid);
    assert.equal(first.type, 'proc');
    assert.equal(first.name, `sleep(${firstPid})`, 'Gostwire names a process comm(PID)');
    assert.deepEqual(await captureOnce(tank, first, 'udp port 41040'), { kind: 'stopped' });

    // The process restarts in the same namespace: a new PID, so a new name.
    process.kill(firstPid, 'SIGTERM');
    await processGone(firstPid, 10_000);
    const secondPid = await startKeeper();
    const second = await discovered(tank, secondPid);
    assert.equal(second.netns, first.netns);
    assert.equal(second.name, `sleep(${secondPid})`);
    // The old target: its PID is gone, so the server looks it up by name, and no target has that name.
    const stale = await captureOnce(tank, first, 'udp port 41041');
    assert.equal(stale.kind, 'error');
    const error = (stale as { error: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, 'could not locate network namespace for container');
    // The re-discovered target captures again.
    assert.deepEqual(await captureOnce(tank, second, 'udp port 41042'), { kind: 'stopped' });
  });

  it('an interface deleted during the capture: the real server reports dumpcap\'s exit as a normal end (completed)', { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    // This test's own namespace with a keeper and a veth pair inside it, cleaned up by PID and name.
    const ns = `h1-ifgone-${process.pid}`;
    const keepers: number[] = [];
    t.after(async () => {
      for (const pid of keepers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await processGone(pid, 10_000).catch(() => undefined);
      }
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
    });
    await execFileAsync('ip', ['netns', 'add', ns]);
    await execFileAsync('ip', ['-n', ns, 'link', 'add', 'h1a', 'type', 'veth', 'peer', 'name', 'h1b']);
    await execFileAsync('ip', ['-n', ns, 'link', 'set', 'h1a', 'up']);
    await execFileAsync('ip', ['-n', ns, 'link', 'set', 'h1b', 'up']);
    const keeper = spawn('nsenter', [`--net=/run/netns/${ns}`, 'sleep', 'infinity'], { stdio: 'ignore' }).pid;
    assert.ok(keeper !== undefined);
    keepers.push(keeper);
    const inode = statSync(`/run/netns/${ns}`).ino;
    const tank = newSharkTankOnHost(serviceUrl(bed, 'svc1'));
    let target: Target | undefined;
    for (const deadline = Date.now() + 60_000; !target && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      tank.clear();
      target = (await tank.targets()).find((x) => x.netns === inode && x.pid === keeper);
    }
    assert.ok(target, `discovery never listed ${ns}`);
    const filter = 'udp port 41043';
    const out = new Collector();
    const streamer = tank.capture(out, target, { nifs: ['h1a'], filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    assert.equal(netnsOf(dumpcap.pid), inode);
    await execFileAsync('ip', ['-n', ns, 'link', 'del', 'h1a']);
    // dumpcap exits 0 when its interface goes away; Packetflix then sends Close 1000 `capture
    // process terminated`, exactly as for a capture that ended by itself: the client cannot tell.
    assert.deepEqual(await streamer.wait(), { kind: 'completed' });
    await processGone(dumpcap.pid, 20_000);
    assert.equal(Buffer.concat(out.chunks).readUInt32LE(0), 0x0a0d0d0a);
  });

  it('a subset of interfaces: eth0 of eth0+lo sees the eth0 flow and none of the loopback flow', { timeout: 240_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const tank = newSharkTankOnHost(serviceUrl(bed, 'svc1'));
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    assert.deepEqual([...(t2.networkInterfaces ?? [])].sort(), ['eth0', 'lo']);
    const run = async (nifs: string[], filter: string): Promise<{ ports: number[]; ifaces: string[] }> => {
      const out = new Collector();
      const streamer = tank.capture(out, t2, { nifs, filter });
      await out.started;
      const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
      assert.deepEqual(dumpcapInterfaces(dumpcap), nifs);
      await Promise.all([
        sendUdp({ from: 't1', to: 't2', count: 20, rate: 300, size: 64, port: 41033 }),
        sendLoopbackUdp(bedNamespace(bed, 't2').name, 41034, 20),
      ]);
      await settle();
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      await processGone(dumpcap.pid, 20_000);
      const rows = await tsharkFields(saved(out), ['frame.interface_name', 'udp.dstport'], ['-Y', '(udp.dstport == 41033 || udp.dstport == 41034) && !icmp']);
      return { ports: rows.map((r) => Number(r[1])), ifaces: [...new Set(rows.map((r) => r[0] ?? ''))].sort() };
    };
    const eth0Only = await run(['eth0'], 'udp port 41033 or udp port 41034');
    assert.equal(countOf(eth0Only.ports, 41033), 20);
    assert.equal(countOf(eth0Only.ports, 41034), 0);
    assert.deepEqual(eth0Only.ifaces, ['eth0']);
    // The control: both interfaces see both flows (loopback datagrams appear once on lo). The
    // filter applies to lo only (dumpcap's -f follows the last -i); eth0 runs unfiltered.
    const both = await run(['eth0', 'lo'], 'udp port 41034 or udp port 41033');
    assert.equal(countOf(both.ports, 41033), 20);
    assert.equal(countOf(both.ports, 41034), 20);
    assert.deepEqual(both.ifaces, ['eth0', 'lo']);
  });

  it('avoidPromiscuousMode reaches the real server (dumpcap -p) and shows in the SHB metadata', { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const url = serviceUrl(bed, 'svc1');
    const tank = newSharkTankOnHost(url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    const chaste = async (avoidPromiscuousMode: boolean, filter: string): Promise<{ args: string[]; comment: string }> => {
      const out = new Collector();
      const streamer = tank.captureContainer(out, new URL(url).hostname, t2.name, { avoidPromiscuousMode, nifs: ['eth0'], filter });
      await out.started;
      const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      await processGone(dumpcap.pid, 20_000);
      return { args: dumpcap.args, comment: shbComment(Buffer.concat(out.chunks)) };
    };
    const on = await chaste(true, 'udp port 41035');
    assert.ok(on.args.includes('-p'), on.args.join(' '));
    // -p comes before the interfaces, so it applies to all of them.
    assert.ok(on.args.indexOf('-p') < on.args.indexOf('-i'));
    assert.ok(on.comment.includes(`\ncontainer-name: ${t2.name}\n`), on.comment);
    assert.match(on.comment, /\nno-promiscuous-mode: true\n/);
    // Without the option there is no -p and no such key.
    const off = await chaste(false, 'udp port 41036');
    assert.ok(!off.args.includes('-p'), off.args.join(' '));
    assert.doesNotMatch(off.comment, /no-promiscuous-mode/);
  });
});
