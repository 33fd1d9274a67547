// csharg merge across BOTH real Edgeshark hosts of the test bed (svc1 and svc2: two Packetflix
// v0.9.7 with their own Gostwire v2.4.1, both seeing this machine's namespaces): every target is
// captured on every host, and the merged file has one interface per host, target and interface,
// named node/target/interface, in time order, holding each datagram sent once per interface.
// tshark and capinfos read it. UDP ports 43100-43199 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { packetflixPid, serviceDumpcapsWith, tempDir } from '../support/cli-host';
import { processGone } from '../support/processes';
import { bedAddress, keeperName, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import { csharg, until } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);

test('csharg merge with --host svc1 --host svc2 captures t1 and t2 on both real hosts into one time-ordered pcapng named node/target/interface', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const hosts = [serviceUrl(bed, 'svc1'), serviceUrl(bed, 'svc2')];
  const pids = [packetflixPid(bed, 'svc1'), packetflixPid(bed, 'svc2')];
  const names = [keeperName(bed, 't1'), keeperName(bed, 't2')];
  const filter = 'udp port 43100';
  const file = path.join(tempDir(t, 'csharg-cli-merge-'), 'merged.pcapng');
  let cli = 0;
  const running = csharg(
    ['--host', hosts[0]!, '--host', hosts[1]!, 'merge', ...names, '-i', 'eth0', '-f', filter, '--stop-after', '90s', '-w', file],
    { onSpawn: (p) => (cli = p), killAfterMs: 180_000 },
  );
  // Each real Packetflix runs one dumpcap per target: two each.
  await until(() => pids.every((pid) => serviceDumpcapsWith(pid, filter).length === 2), 60_000, 'two dumpcaps on each Packetflix');
  const dumpcaps = pids.flatMap((pid) => serviceDumpcapsWith(pid, filter));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const sent = await sendUdp({ from: 't1', to: 't2', count: 40, rate: 40, size: 16, port: 43100 });
  // Let the last datagrams pass the merge's reordering window, then stop it like a user would.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  process.kill(cli, 'SIGINT');
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(stopped by SIGINT\): 160 packets/);
  for (const d of dumpcaps) await processGone(d.pid);

  const rows = await tsharkFields(file, ['frame.interface_name', 'frame.time_epoch', 'ip.src', 'ip.dst', 'udp.dstport', 'data.data']);
  assert.equal(rows.length, 4 * sent.sent, 'each datagram on t1\'s and t2\'s eth0, on both hosts');
  const perInterface = new Map<string, string[]>();
  for (const row of rows) {
    assert.equal(row[2], bedAddress(bed, 't1'));
    assert.equal(row[3], bedAddress(bed, 't2'));
    assert.equal(row[4], '43100');
    perInterface.set(row[0]!, [...(perInterface.get(row[0]!) ?? []), row[5]!.slice(0, 8)]);
  }
  const expected = hosts.flatMap((h) => names.map((n) => `${new URL(h).hostname}/${n}/eth0`)).sort();
  assert.deepEqual([...perInterface.keys()].sort(), expected);
  // The same sequence numbers (the first 4 payload bytes), in order, on every interface.
  const sequence = Array.from({ length: sent.sent }, (_, i) => i.toString(16).padStart(8, '0'));
  for (const [iface, seqs] of perInterface) assert.deepEqual(seqs, sequence, iface);
  const times = rows.map((row) => Number(row[1]));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'packets in time order');

  const { stdout: info } = await execFileAsync('/usr/bin/capinfos', ['-c', '-I', file]);
  assert.match(info, /Number of packets:\s+160\b/);
  for (const name of expected) assert.ok(info.includes(name), `capinfos lists interface ${name}: ${info}`);
});

test('csharg merge refuses a name no host has, naming both hosts', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const hosts = [serviceUrl(bed, 'svc1'), serviceUrl(bed, 'svc2')];
  const r = await csharg(['--host', hosts[0]!, '--host', hosts[1]!, 'merge', keeperName(bed, 't1'), 'csharg-t1', '-q', '-w', '/dev/null']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: capture target "csharg-t1" not found on http:\/\/198\.18\.255\.2:5001, http:\/\/198\.18\.255\.6:5001$/m);
});
