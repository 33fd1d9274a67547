// The csharg command on this machine's local capture source (--local), against the test bed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, bedAddress, bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const execFileAsync = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

async function csharg(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('csharg --local list -o json lists the bed namespaces by inode, in csharg key order', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const r = await csharg(['--local', 'list', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const targets = JSON.parse(r.stdout) as Record<string, unknown>[];
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
  assert.equal(r.stdout.split('\n')[1]?.startsWith('    {'), true, 'json output is indented by 4 spaces');
});

test('csharg --local capture --stop-after writes a pcapng with the datagrams the generator sent', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'cap.pcapng');
  const t2 = bedNamespace(bed, 't2');
  const running = csharg(['--local', 'capture', `${t2.name}(${t2.keeperPid})`, '-i', 'eth0', '-f', 'udp port 9997', '--stop-after', '4s', '-w', file]);
  // dumpcap needs a moment to start; the generator waits a little, then sends for about a second.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 200, size: 32, port: 9997 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped/);
  const rows = await tsharkFields(file, ['ip.src', 'udp.dstport', 'frame.interface_name']);
  assert.equal(rows.length, 100, `expected the 100 datagrams, tshark read ${rows.length} packets`);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === '9997' && row[2] === 'eth0'));
});

test('csharg capture errors: unknown target and bad filter give Error: ... and exit 1', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const unknown = await csharg(['--local', 'capture', 'no-such-target']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^Error: capture target "no-such-target" not found/m);
  const t2 = bedNamespace(bed, 't2');
  const bad = await csharg(['--local', 'capture', `${t2.name}(${t2.keeperPid})`, '-i', 'eth0', '-f', 'udp port (', '-w', '/dev/null', '-q']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Error: .*Invalid capture filter "udp port \("/m);
  const badHost = await csharg(['--host', 'http://user@x:1', 'list']);
  assert.equal(badHost.code, 1);
  assert.match(badHost.stderr, /^Error: .*only host name and optional port number allowed/m);
});

test('csharg --local capture --count stops after N packets; csharg packets prints them as JSON lines', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'count.pcapng');
  const t2 = bedNamespace(bed, 't2');
  const running = csharg(['--local', 'capture', `${t2.name}(${t2.keeperPid})`, '-i', 'eth0', '-f', 'udp port 9995', '--count', '20', '-q', '-w', file]);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Paced so that the stop lands long before the generator is done: 200 datagrams over 4 s.
  await sendUdp({ from: 't1', to: 't2', count: 200, rate: 50, size: 8, port: 9995 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.ok(rows.length >= 20 && rows.length < 200, `expected the capture to stop soon after 20 packets, got ${rows.length}`);

  const listed = await csharg(['packets', file]);
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ts: string; iface: string; caplen: number; len: number; linktype: number });
  assert.equal(lines.length, rows.length);
  assert.ok(lines.every((p) => /^\d{19}$/.test(p.ts) && p.iface === 'eth0' && p.linktype === 1 && p.caplen === p.len));
});
