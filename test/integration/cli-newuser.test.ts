// What a new user of `csharg` meets (issue 16, items 2, 8), against the bed's REAL Packetflix
// v0.9.7 + Gostwire v2.4.1 and the local source: a process target found by its process name alone
// (`capture csharg-t2` takes `csharg-t2(PID)` and says so), ambiguity listed, an unknown name
// answered with the closest names, no pcapng to a terminal unless `-w -` asks for it, no empty file
// left by a failed capture, and a host that never answers given up within seconds of connecting.
// Ports 51000-51999 are this file's; every capture filters on its own port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { newLocalSharkTank } from '../../src/core/local/local-shark-tank';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { dumpcapWithFilter, keeperTarget, netnsOf, packetflixPid } from '../support/real-packetflix';
import { startRecordingRelay } from '../support/recording-relay';
import { bedAddress, bedNamespace, requireBed, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import { CLI, binDir, csharg, dumpcapsWith, shell, until } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);
const TSX = pathToFileURL(require.resolve('tsx')).href;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-newuser-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Our own namespace (name unique to this run), deleted in t.after. */
async function ownNamespace(t: TestContext, tag: string): Promise<string> {
  const ns = `csharg-h11${tag}-${process.pid}`;
  await execFileAsync('ip', ['netns', 'add', ns]);
  t.after(async () => {
    if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
  });
  await execFileAsync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  return ns;
}

/**
 * A keeper in `ns` whose comm is `comm` (sleep through a symlink of that name, as the bed's own
 * keepers), stopped by its PID in t.after. `ip netns exec` execs it, so the PID is the keeper's.
 */
function keeper(t: TestContext, ns: string, comm: string, dir: string): ChildProcess {
  const sub = mkdtempSync(path.join(dir, 'k-'));
  const link = path.join(sub, comm);
  symlinkSync('/usr/bin/sleep', link);
  const child = spawn('ip', ['netns', 'exec', ns, link, '600'], { stdio: 'ignore' });
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  });
  return child;
}

async function commOf(pid: number): Promise<string> {
  await until(() => {
    try {
      return !readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('ip');
    } catch {
      return false;
    }
  }, 10_000, `process ${pid} to exec its keeper`);
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

test('capture csharg-t2 through the real Packetflix takes the one process target csharg-t2(PID), says so on stderr, and captures t2', { timeout: 180_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const t2 = keeperTarget(await newSharkTankOnHost(url).targets(), bed, 't2');
  const file = path.join(tempDir(t), 'bare.pcapng');
  const filter = 'udp port 51001';
  const running = csharg(['--host', url, 'capture', 'csharg-t2', '-i', 'eth0', '-f', filter, '--count', '5', '-w', file], { killAfterMs: 150_000 });
  const dumpcap = await dumpcapWithFilter(pf, filter, 60_000);
  // The server's dumpcap really runs in t2's network namespace.
  assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns);
  await sendUdp({ from: 't1', to: 't2', count: 40, rate: 100, size: 8, port: 51001 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^csharg: capture target "csharg-t2": taking the process target "${escape(t2.name)}"$`, 'm'));
  const rows = await tsharkFields(file, ['ip.dst', 'udp.dstport']);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't2') && row[1] === '51001'));
  // --quiet keeps stderr silent about it (errors only).
  const quiet = await csharg(['--host', url, 'capture', 'csharg-t2', '-i', 'eth0', '-f', 'udp port 51002', '--stop-after', '2s', '-q', '-w', path.join(tempDir(t), 'q.pcapng')], { killAfterMs: 150_000 });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});

test('capture by process name: two process targets of that name are an error listing both (real Gostwire and the local source); an exact full name always wins', { timeout: 240_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const dir = tempDir(t);
  const base = `u${process.pid % 10000}`;
  const nsA = await ownNamespace(t, 'a');
  const nsB = await ownNamespace(t, 'b');
  const nsC = await ownNamespace(t, 'c');
  const a = keeper(t, nsA, base, dir);
  const b = keeper(t, nsB, base, dir);
  assert.equal(await commOf(a.pid!), base);
  assert.equal(await commOf(b.pid!), base);
  const nameA = `${base}(${a.pid})`;
  const nameB = `${base}(${b.pid})`;
  // A third process whose own name is A's full target name: its target is `u123(A)(C)`.
  const c = keeper(t, nsC, nameA, dir);
  assert.equal(await commOf(c.pid!), nameA);
  const nameC = `${nameA}(${c.pid})`;

  const hosts: [string, string[]][] = [
    ['the real Gostwire', ['--host', url]],
    ['the local source', ['--local']],
  ];
  for (const [what, flags] of hosts) {
    const listed = (await (flags[0] === '--local' ? newLocalSharkTank({ dockerSocket: false }) : newSharkTankOnHost(url)).targets()).map((x: Target) => x.name);
    for (const name of [nameA, nameB, nameC]) assert.ok(listed.includes(name), `${what} lists ${name}`);
    const file = path.join(dir, 'ambiguous.pcapng');
    const ambiguous = await csharg([...flags, 'capture', base, '-w', file], { killAfterMs: 120_000 });
    assert.equal(ambiguous.code, 1, what);
    const [first, second] = [nameA, nameB].sort();
    assert.match(
      ambiguous.stderr,
      new RegExp(`^Error: ambiguous capture target "${base}": 2 process targets have that process name: "${escape(first!)}", "${escape(second!)}"; give the full name$`, 'm'),
      what,
    );
    assert.equal(existsSync(file), false, 'nothing was created for an ambiguous name');
  }

  // `u123(A)` is A's exact name and also C's process name: the exact name wins, silently; the
  // real Packetflix's dumpcap runs in A's namespace.
  const filter = 'udp port 51011';
  const exact = csharg(['--host', url, 'capture', nameA, '-i', 'lo', '-f', filter, '--stop-after', '3s', '-w', path.join(dir, 'a.pcapng')], { killAfterMs: 150_000 });
  const dumpcap = await dumpcapWithFilter(pf, filter, 60_000);
  assert.equal(netnsOf(dumpcap.pid), netnsOf(a.pid!));
  const r = await exact;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /taking the process target/);
  // The same through the local source: A's dumpcap, no notice.
  const local = csharg(['--local', 'capture', nameA, '-i', 'lo', '-f', 'udp port 51012', '--stop-after', '3s', '-w', path.join(dir, 'local-a.pcapng')], { killAfterMs: 120_000 });
  const localPid = await until(() => dumpcapsWith('udp port 51012').length === 1, 60_000, 'the local dumpcap').then(() => dumpcapsWith('udp port 51012')[0]!);
  assert.equal(netnsOf(localPid), netnsOf(a.pid!));
  const lr = await local;
  assert.equal(lr.code, 0, lr.stderr);
  assert.doesNotMatch(lr.stderr, /taking the process target/);
  assert.deepEqual(dumpcapsWith('udp port 5101'), [], 'no dumpcap left');
});

test('an unknown name is answered with the closest names the real discovery has; a name near nothing keeps the plain hint (csharg-go says only "not found")', { timeout: 120_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const targets = await newSharkTankOnHost(url).targets();
  const keepers = ['t1', 't2', 't3', 't4'].map((h) => keeperTarget(targets, bed, h).name);
  const r = await csharg(['--host', url, 'capture', 'csharg-t9', '-w', path.join(tempDir(t), 'x.pcapng')]);
  assert.equal(r.code, 1);
  const line = r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
  assert.ok(line.startsWith('Error: capture target "csharg-t9" not found; the closest names: '), line);
  for (const name of keepers) assert.ok(line.includes(JSON.stringify(name)), `${line} names ${name}`);
  const far = await csharg(['--host', url, 'capture', `zz-no-such-target-${process.pid}`]);
  assert.equal(far.code, 1);
  assert.match(far.stderr, new RegExp(`^Error: capture target "zz-no-such-target-${process.pid}" not found \\(csharg list shows the targets there are\\)$`, 'm'));
});

test('at a terminal (script -qfec), capture without -w refuses to write pcapng and says how to write a file or a pipe, before anything reaches the server; -w - writes it anyway', { timeout: 180_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const t2 = keeperTarget(await newSharkTankOnHost(url).targets(), bed, 't2');
  const relay = await startRecordingRelay(url);
  t.after(() => relay.close());
  const bin = binDir();
  t.after(() => bin.cleanup());
  const refused = await shell(`script -qfec "csharg --host ${relay.url} capture '${t2.name}' -i eth0 -f 'udp port 51021' --count 1" /dev/null`, { env: bin.env, killAfterMs: 90_000 });
  assert.equal(refused.code, 1, refused.stderr);
  const screen = refused.stdout.toString();
  assert.match(screen, /^Error: not writing a binary pcapng capture to a terminal: write a file \(-w FILE\), pipe it \(\| tshark -r -, > FILE\), feed Wireshark \(--wireshark\), or give -w - to write to the terminal anyway\r?$/m);
  assert.equal(relay.connections, 0, 'no discovery, no capture request');

  // The same command writing to a pipe is fine (stdout is no terminal there).
  const piped = await shell(`csharg --host ${url} capture '${t2.name}' -i eth0 -f 'udp port 51022' --stop-after 2s -q | wc -c`, { env: bin.env, killAfterMs: 90_000 });
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(Number(piped.stdout.toString().trim()) > 0, 'pcapng went into the pipe');

  // -w - at the terminal: written as asked (dumpcap -w - and tshark -w - do the same).
  const filter = 'udp port 51023';
  const asked = shell(`script -qfec "csharg --host ${url} capture '${t2.name}' -i eth0 -f '${filter}' --count 3 -w -" /dev/null`, { env: bin.env, killAfterMs: 150_000 });
  await dumpcapWithFilter(pf, filter, 60_000);
  await sendUdp({ from: 't1', to: 't2', count: 30, rate: 100, size: 8, port: 51023 });
  const w = await asked;
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout.toString('latin1'), /# capture target information/, 'the SHB comment reached the terminal');
});

test('a capture the real Packetflix fails before any packet leaves no file behind (missing interface, bad filter, process-less target); one that ends well without a packet keeps its file', { timeout: 180_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const targets = await newSharkTankOnHost(url).targets();
  const t2 = keeperTarget(targets, bed, 't2');
  const empty = targets.find((x) => x.netns === bedNamespace(bed, 'empty').netns);
  assert.ok(empty);
  const dir = tempDir(t);
  const cases: [string, string[], RegExp][] = [
    ['missing interface', [t2.name, '-i', 'eth9', '-f', 'udp port 51031'], /failed: There is no device named "eth9"\.$/m],
    ['bad filter', [t2.name, '-i', 'eth0', '-f', 'udp port 51032 and ('], /failed: Invalid capture filter "udp port 51032 and \(" for interface 'eth0'\.$/m],
    ['process-less target', [empty.name, '-f', 'udp port 51033'], /failed: cannot lock target network stack$/m],
  ];
  for (const [what, args, reason] of cases) {
    const file = path.join(dir, `${what.replace(/ /g, '-')}.pcapng`);
    const r = await csharg(['--host', url, 'capture', ...args, '-q', '-w', file], { killAfterMs: 120_000 });
    assert.equal(r.code, 1, what);
    assert.match(r.stderr, reason, what);
    assert.equal(existsSync(file), false, `${what}: no file left`);
  }
  // -d says why the file went.
  const debugFile = path.join(dir, 'debug.pcapng');
  const d = await csharg(['-d', '--host', url, 'capture', t2.name, '-i', 'eth9', '-f', 'udp port 51034', '-q', '-w', debugFile], { killAfterMs: 120_000 });
  assert.equal(d.code, 1);
  assert.ok(d.stderr.includes(`csharg: removed ${debugFile}: the capture failed before its first packet`), d.stderr);
  // A capture that ends well with no packet keeps its (valid, empty) file.
  const quietFile = path.join(dir, 'no-packets.pcapng');
  const ok = await csharg(['--host', url, 'capture', t2.name, '-i', 'eth0', '-f', 'udp port 51035', '--stop-after', '2s', '-q', '-w', quietFile], { killAfterMs: 120_000 });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await tsharkFields(quietFile, ['frame.number'])).length, 0);
});

test('list and capture against a host that never answers (a black hole in our own namespace) give up after 5 s without a connection, not after the 30 s request timeout', { timeout: 180_000 }, async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const ns = await ownNamespace(t, 'bh');
  // A veth pair inside our namespace; 198.18.254.2 is "reached" through a permanent neighbour
  // entry on one end, and the other end, with no address, drops every packet: no answer ever.
  await execFileAsync('ip', ['-n', ns, 'link', 'add', 'h11bh0', 'type', 'veth', 'peer', 'name', 'h11bh1']);
  await execFileAsync('ip', ['-n', ns, 'addr', 'add', '198.18.254.1/30', 'dev', 'h11bh0']);
  await execFileAsync('ip', ['-n', ns, 'link', 'set', 'h11bh0', 'up']);
  await execFileAsync('ip', ['-n', ns, 'link', 'set', 'h11bh1', 'up']);
  await execFileAsync('ip', ['-n', ns, 'neigh', 'replace', '198.18.254.2', 'lladdr', '02:00:00:00:00:02', 'nud', 'permanent', 'dev', 'h11bh0']);
  const inNs = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      // Killed after 25 s: a command still waiting for the 30 s request timeout fails the test.
      execFile('ip', ['netns', 'exec', ns, process.execPath, '--import', TSX, CLI, ...args], { timeout: 25_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
        if (err && (err as { killed?: boolean }).killed) reject(new Error(`still waiting after 25 s: ${stderr}`));
        else resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr });
      });
    });
  const host = 'http://198.18.254.2:5001';
  const list = await inNs(['--host', host, 'list']);
  assert.equal(list.code, 1);
  assert.match(list.stderr, /^Error: discovery at http:\/\/198\.18\.254\.2:5001\/discover\/mobyshark failed: no connection within 5000 ms \(is the host reachable\? is the address right\?\)$/m);
  const capture = await inNs(['--host', host, 'capture', 'csharg-t2', '-w', '/dev/null']);
  assert.equal(capture.code, 1);
  assert.match(capture.stderr, /failed: no connection within 5000 ms/);
  // A shorter --request-timeout bounds the whole request, connection included.
  const short = await inNs(['--host', host, '--request-timeout', '2s', 'list']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /failed: no answer within 2000 ms/);
});

test('csharg --local list and capture while processes and namespaces come and go in a tight loop: every run ends normally (no uncaught exception), the bed keepers always listed', { timeout: 400_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t2 = bedNamespace(bed, 't2');
  const t2Name = `${t2.name}(${t2.keeperPid})`;
  const dir = tempDir(t);
  // Churn, for as long as the runs take: short-lived processes in new network namespaces of their
  // own (unshare -n), and namespaces of ours (csharg-h11ch-PID-N) added and deleted.
  let churning = true;
  const churnNs = (i: number): string => `csharg-h11ch-${process.pid}-${i % 3}`;
  const churn = (async () => {
    let i = 0;
    while (churning) {
      const quick = spawn('unshare', ['-n', 'sleep', `0.0${(i % 9) + 1}`], { stdio: 'ignore' });
      quick.on('error', () => undefined);
      const ns = churnNs(i++);
      await execFileAsync('ip', ['netns', 'add', ns]).catch(() => undefined);
      await execFileAsync('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
  })();
  t.after(async () => {
    churning = false;
    await churn;
    for (let i = 0; i < 3; i++) if (existsSync(`/run/netns/${churnNs(i)}`)) await execFileAsync('ip', ['netns', 'del', churnNs(i)]);
  });
  for (let run = 0; run < 6; run++) {
    const list = await csharg(['--local', 'list', '-o', 'name'], { killAfterMs: 120_000 });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stderr, '');
    assert.ok(list.stdout.toString().split('\n').includes(t2Name), `run ${run}: ${t2Name} listed`);
    const file = path.join(dir, `churn-${run}.pcapng`);
    const r = await csharg(['--local', 'capture', t2Name, '-i', 'lo', '-f', 'udp port 51060', '--stop-after', '1s', '-q', '-w', file], { killAfterMs: 120_000 });
    assert.equal(r.code, 0, `run ${run}: ${r.stderr}`);
    assert.equal(r.stderr, '', `run ${run}`);
    assert.deepEqual(await tsharkFields(file, ['frame.number']), []);
  }
  assert.deepEqual(dumpcapsWith('udp port 51060'), [], 'no dumpcap left');
});

