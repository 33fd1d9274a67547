// The csharg command on this machine's local capture source (--local, real dumpcap), against
// the test bed. UDP ports 23010-23039 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { dumpcapCapturing } from '../support/processes';
import { bedAddress, bedNamespace, keeperName, requireBed, sendUdp, tsharkFields } from '../support/testbed';
import { binDir, csharg, dumpcapsWith, shell, until } from '../unit/cli/csharg-process';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the command's dumpcaps (found by their filter) have their capture devices open: on a
 * loaded machine the command can take seconds to start, and traffic sent before that would be
 * missed. A bounded wait, not a speed test.
 */
async function captureStarted(marker: string, dumpcaps = 1): Promise<void> {
  await until(() => dumpcapsWith(marker).filter(dumpcapCapturing).length >= dumpcaps, 60_000, `${dumpcaps} capturing dumpcap(s) with "${marker}"`);
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('csharg --local list -o json lists the bed namespaces by inode, in csharg key order', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const r = await csharg(['--local', 'list', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const targets = JSON.parse(r.stdout.toString()) as Record<string, unknown>[];
  for (const host of ['t1', 't2', 'hub']) {
    const ns = bedNamespace(bed, host);
    const found = targets.find((x) => x.netns === ns.netns);
    assert.ok(found, `${ns.name} (netns ${ns.netns}) missing from the list`);
    assert.equal(found.name, `${ns.name}(${ns.keeperPid})`);
    assert.equal(found.type, 'proc');
    assert.deepEqual(Object.keys(found).slice(0, 5), ['name', 'type', 'netns', 'network-interfaces', 'prefix']);
  }
  const empty = targets.find((x) => x.netns === bedNamespace(bed, 'empty').netns);
  assert.equal(empty?.type, 'bindmount');
  assert.equal(r.stdout.toString().split('\n')[1]?.startsWith('    {'), true, 'json output is indented by 4 spaces');
});

test('csharg --local list in table, wide, name, yaml, custom-columns and jsonpath formats, with --no-headers and --sort-by', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t1 = bedNamespace(bed, 't1');
  const t1Name = `${t1.name}(${t1.keeperPid})`;
  const out = async (args: string[]): Promise<string> => {
    const r = await csharg(['--local', 'list', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString();
  };
  const table = (await out([])).split('\n');
  assert.match(table[0]!, /^TARGET\s+TYPE\s+NODE$/);
  assert.ok(table.some((l) => new RegExp(`^${t1Name.replace(/[()]/g, '\\$&')}\\s+proc`).test(l)));
  assert.match((await out(['-o', 'wide'])).split('\n')[0]!, /^TARGET\s+TYPE\s+NODE\s+SERVICE$/);
  assert.ok((await out(['networks', '-o', 'name'])).split('\n').includes(t1Name));
  // YAML as csharg writes it: keys sorted (name, netns, network-interfaces, …, type).
  assert.match(await out(['-o', 'yaml']), new RegExp(`- name: ${t1Name.replace(/[()]/g, '\\$&')}\\n  netns: ${t1.netns}\\n  network-interfaces:\\n`));

  // custom-columns without headers, sorted by inode: the bed's inodes in ascending order.
  const rows = (await out(['-o', 'custom-columns=NETNS:.netns,NAME:.name,NIFS:.network-interfaces[*]', '--no-headers', '--sort-by', '.netns']))
    .trim().split('\n').map((l) => l.split(/\s+/, 2).concat(l.split(/\s+/).slice(2).join(' ')));
  const inodes = rows.map((r) => Number(r[0]));
  assert.deepEqual(inodes, [...inodes].sort((a, b) => a - b));
  const t1Row = rows.find((r) => r[1] === t1Name);
  assert.equal(Number(t1Row?.[0]), t1.netns);
  // Several values in a cell are joined by ", " (csharg's custom columns).
  assert.deepEqual(t1Row?.[2]?.split(', ').sort(), t1.interfaces.filter((i) => i.up).map((i) => i.name).sort());

  // A jsonpath template starts from the list of targets, as csharg's.
  const lines = (await out(['-o', 'jsonpath={range [*]}{.name}={.NetNS}{"\\n"}{end}'])).split('\n');
  for (const host of ['t1', 't2', 'empty']) {
    const ns = bedNamespace(bed, host);
    assert.ok(lines.some((l) => l.endsWith(`=${ns.netns}`) && l.includes(ns.name)), `${ns.name} missing from ${lines.join(' | ')}`);
  }
  assert.equal((await out(['-o', 'jsonpath={[*].type}'])).split(' ').filter((x) => x === 'bindmount').length >= 1, true);
});

test('csharg --local capture --stop-after writes a pcapng with the datagrams the generator sent', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = path.join(tempDir(t), 'cap.pcapng');
  const running = csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23010', '--stop-after', '10s', '-w', file]);
  await captureStarted('udp port 23010');
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 200, size: 32, port: 23010 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(after 10000 ms\): 100 packets/);
  const rows = await tsharkFields(file, ['ip.src', 'udp.dstport', 'frame.interface_name']);
  assert.equal(rows.length, 100, `expected the 100 datagrams, tshark read ${rows.length} packets`);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === '23010' && row[2] === 'eth0'));
  assert.equal(statSync(file).mode & 0o777, 0o640);
});

test('csharg --local capture --count 20 writes exactly 20 packets; csharg packets prints them as JSON lines', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = path.join(tempDir(t), 'count.pcapng');
  const running = csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23011', '--count', '20', '-w', file]);
  await captureStarted('udp port 23011');
  // Bursts, so that packets after the 20th are in flight when the stop comes.
  await sendUdp({ from: 't1', to: 't2', count: 200, rate: 400, size: 8, port: 23011 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(20 packets captured\): 20 packets/);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.equal(rows.length, 20);

  const listed = await csharg(['packets', file]);
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { ts: string; iface: string; caplen: number; len: number; linktype: number });
  assert.equal(lines.length, 20);
  assert.ok(lines.every((p) => /^\d{19}$/.test(p.ts) && p.iface === 'eth0' && p.linktype === 1 && p.caplen === p.len));
});

test('csharg --local capture --max-bytes keeps whole blocks within the limit and stops', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = path.join(tempDir(t), 'max.pcapng');
  const running = csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23012', '--max-bytes', '3000', '-q', '-w', file]);
  await captureStarted('udp port 23012');
  await sendUdp({ from: 't1', to: 't2', count: 200, rate: 400, size: 8, port: 23012 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '--quiet prints nothing');
  const size = statSync(file).size;
  assert.ok(size <= 3000, `file of ${size} bytes exceeds --max-bytes 3000`);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.ok(rows.length > 0 && rows.length < 200 && rows.every((row) => row[0] === '23012'), `${rows.length} packets`);
});

test('csharg --local capture | head -c 1000 exits 0 while traffic flows, and its dumpcap is gone', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const bin = binDir();
  t.after(() => bin.cleanup());
  const running = shell(`csharg --local capture '${keeperName(bed, 't2')}' -i eth0 -f 'udp port 23013' -q | head -c 1000 >/dev/null; exit \${PIPESTATUS[0]}`, { env: bin.env, killAfterMs: 90_000 });
  await captureStarted('udp port 23013');
  // Sends for about 5 s; the pipeline ends after the first few packets.
  const traffic = sendUdp({ from: 't1', to: 't2', count: 500, rate: 100, size: 64, port: 23013 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(dumpcapsWith('udp port 23013'), [], 'dumpcap still runs after csharg exited');
  await traffic;
  t.diagnostic(`pipeline took ${r.ms} ms, start included`);
});

test('csharg --local capture exits 0 when the reader goes away while no packet flows', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const bin = binDir();
  t.after(() => bin.cleanup());
  // A reader that takes the section header and leaves, and one that never reads at all.
  for (const reader of ['head -c 100 >/dev/null', 'sleep 1']) {
    const r = await shell(`csharg --local capture '${keeperName(bed, 't2')}' -i eth0 -f 'udp port 23014' | ${reader}; exit \${PIPESTATUS[0]}`, { env: bin.env, killAfterMs: 30_000 });
    assert.equal(r.code, 0, `${reader}: ${r.stderr}`);
    assert.match(r.stderr, /capture stopped \(the reader of the output went away\): 0 packets/);
    assert.deepEqual(dumpcapsWith('udp port 23014'), [], 'dumpcap still runs after csharg exited');
    t.diagnostic(`| ${reader}: ${r.ms} ms`);
  }
});

test('csharg --local capture: SIGINT mid-capture leaves a complete file tshark reads', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = path.join(tempDir(t), 'sigint.pcapng');
  let pid = 0;
  const running = csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23015', '-w', file], { onSpawn: (p) => (pid = p) });
  await captureStarted('udp port 23015');
  await sendUdp({ from: 't1', to: 't2', count: 50, rate: 200, size: 16, port: 23015 });
  await sleep(300);
  process.kill(pid, 'SIGINT');
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(stopped by SIGINT\): 50 packets/);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.equal(rows.length, 50);
  assert.deepEqual(dumpcapsWith('udp port 23015'), []);
});

test('csharg --local capture --wireshark feeds wireshark -k -i - and stops when it exits; a missing Wireshark is a clear error', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = tempDir(t);
  const seen = path.join(dir, 'wireshark-input');
  // A script in Wireshark's place (no display here): records its arguments, reads 300 bytes, quits.
  const bin = binDir({ wireshark: `#!/bin/sh\necho "$@" > '${seen}.args'\nhead -c 300 > '${seen}'\n` });
  t.after(() => bin.cleanup());
  const r = await csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23016', '--wireshark'], { env: bin.env, killAfterMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the reader of the output went away/);
  assert.equal(readFileSync(`${seen}.args`, 'utf8').trim(), '-k -i -');
  const input = readFileSync(seen);
  assert.equal(input.length, 300);
  assert.equal(input.readUInt32LE(0), 0x0a0d0d0a, 'Wireshark got a pcapng stream');
  assert.deepEqual(dumpcapsWith('udp port 23016'), []);

  const missing = await csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '--wireshark'], { env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Error: wireshark is not installed \(Debian package wireshark\)$/m);
});

test('csharg --local capture shows a live progress line on a terminal (script -qfc), and a summary', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const file = path.join(tempDir(t), 'tty.pcapng');
  const bin = binDir();
  t.after(() => bin.cleanup());
  const running = shell(`script -qfec "csharg --local capture '${keeperName(bed, 't2')}' -i eth0 -f 'udp port 23017' --stop-after 8s -w ${file}" /dev/null`, { env: bin.env, killAfterMs: 90_000 });
  await captureStarted('udp port 23017');
  await sendUdp({ from: 't1', to: 't2', count: 30, rate: 100, size: 16, port: 23017 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const screen = r.stdout.toString();
  // \r and ESC [K (erase line) redraw the line in place.
  assert.match(screen, new RegExp(`\r${String.fromCharCode(27)}\\[K${/30 packets {2}[\d.]+ (B|KiB) {2}[\d.]+ (B|KiB)\/s {2}0:0\d/.source}`), 'progress line with packets, bytes, rate and elapsed time');
  assert.match(screen, /capture stopped \(after 8000 ms\): 30 packets, [\d.]+ (B|KiB) in 8\.\d s/);
});

test('csharg --local merge captures two targets into one time-ordered pcapng with node/target/interface names', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t1 = bedNamespace(bed, 't1');
  const t1Name = `${t1.name}(${t1.keeperPid})`;
  const file = path.join(tempDir(t), 'merged.pcapng');
  const running = csharg(['--local', 'merge', t1Name, keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 23018', '--stop-after', '10s', '-w', file]);
  await captureStarted('udp port 23018', 2);
  await sendUdp({ from: 't1', to: 't2', count: 40, rate: 100, size: 16, port: 23018 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(after 10000 ms\): 80 packets/);
  // Every datagram twice: leaving t1's eth0 and arriving on t2's.
  const rows = await tsharkFields(file, ['frame.interface_name', 'frame.time_epoch']);
  assert.equal(rows.filter((row) => row[0]!.endsWith(`/${t1Name}/eth0`)).length, 40);
  assert.equal(rows.filter((row) => row[0]!.endsWith(`/${keeperName(bed, 't2')}/eth0`)).length, 40);
  const times = rows.map((row) => Number(row[1]));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'packets in time order');
});

test('csharg completion: bash completes commands and live target names, zsh gets a compdef script', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const bin = binDir();
  t.after(() => bin.cleanup());
  const complete = async (words: string): Promise<string[]> => {
    const r = await shell(`source <(csharg completion bash); COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _csharg; printf '%s\\n' "\${COMPREPLY[@]}"`, { env: bin.env });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString().trim().split('\n');
  };
  assert.deepEqual((await complete("csharg ca")), ['capture']);
  assert.ok((await complete("csharg --local capture ''")).includes(keeperName(bed, 't2').replace(/[()]/g, '\\$&')));
  assert.ok((await complete("csharg capture --st")).includes('--stop-after'));
  assert.deepEqual(await complete("csharg list -o ya"), ['yaml']);
  const zsh = await csharg(['completion', 'zsh']);
  assert.match(zsh.stdout.toString(), /^#compdef csharg\n[\s\S]*compdef _csharg csharg\n$/);
});

test('csharg errors: unknown target, bad filter, bad --host, unreachable service, --local with --host give Error: ... and exit 1', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const unknown = await csharg(['--local', 'capture', 'no-such-target']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^Error: capture target "no-such-target" not found/m);
  const bad = await csharg(['--local', 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port (', '-w', '/dev/null', '-q']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: .*Invalid capture filter "udp port \("/m);
  const badHost = await csharg(['--host', 'http://user@x:1', 'list']);
  assert.equal(badHost.code, 1);
  assert.match(badHost.stderr, /^Error: .*only host name and optional port number allowed/m);
  const unreachable = await csharg(['list'], { env: { ...process.env, CSHARG_HOST: 'http://127.0.0.1:1' } });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^Error: .*127\.0\.0\.1:1.*(refused|ECONNREFUSED)/m);
  const both = await csharg(['--local', '--host', 'http://x', 'list']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^Error: --local and --host exclude each other/m);
  const badPath = await csharg(['--local', 'list', '-o', 'jsonpath={[0]']);
  assert.equal(badPath.code, 1);
  assert.match(badPath.stderr, /^Error: bad JSON path "\{\[0\]": "\{" at position 0 is never closed$/m);
});

test('csharg --local merge into a file that cannot be written (/dev/full) exits 1 saying so, never with an uncaught error', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const t1 = bedNamespace(bed, 't1');
  const r = await csharg(['--local', 'merge', `${t1.name}(${t1.keeperPid})`, keeperName(bed, 't2'), '-i', 'lo', '--stop-after', '2s', '-w', '/dev/full']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /Error: cannot write the packet capture file \/dev\/full: ENOSPC/);
  assert.doesNotMatch(r.stderr, /Uncaught|node:internal|at .*\(/);
});
