// Proof that the bed is real: its namespaces are kernel network namespaces kept alive by real
// processes, traffic crosses real veth links, and Debian's dumpcap captures it for tshark to read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bedAddress, bedNamespace, dumpcapCapture, requireBed, requireServices, sendUdp, tcpExchange, tsharkFields } from '../support/testbed';

test('each target namespace is a kernel netns held by its keeper process', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const targets = bed.namespaces.filter((n) => n.role === 'target');
  assert.ok(targets.length >= 2, `expected at least two target namespaces, got ${targets.length}`);
  for (const ns of targets) {
    assert.ok(ns.keeperPid, `${ns.name} has no keeper process`);
    // /proc/PID/ns/net reads as net:[INODE]: the keeper really lives in that namespace.
    assert.equal(readlinkSync(`/proc/${ns.keeperPid}/ns/net`), `net:[${ns.netns}]`);
    assert.equal(statSync(`/run/netns/${ns.name}`).ino, ns.netns);
    const eth0 = ns.interfaces.find((i) => i.name === 'eth0');
    assert.ok(eth0, `${ns.name} has no eth0`);
    assert.match(eth0.addresses.join(' '), /^198\.18\.\d+\.\d+\/30/);
    assert.ok(ns.interfaces.some((i) => i.name === 'lo' && i.up), `${ns.name} has no lo up`);
  }
  const empty = bedNamespace(bed, 'empty');
  assert.equal(empty.keeperPid, null, 'the process-less namespace must have no keeper');
});

test('dumpcap in t2 captures the 100 UDP datagrams the generator sends from t1', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-bed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'udp.pcapng');
  const run = dumpcapCapture({ ns: bedNamespace(bed, 't2').name, ifaces: ['eth0'], filter: 'udp port 9999' });
  const written = pipeline(run.stdout, createWriteStream(file));
  await run.started;
  const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 2000, size: 64, port: 9999 });
  assert.equal(sent.sent, 100);
  // dumpcap flushes on SIGTERM, so every datagram that crossed the link is in the file.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await run.stop();
  await written;
  const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'udp.dstport', 'udp.length']);
  const src = bedAddress(bed, 't1');
  const dst = bedAddress(bed, 't2');
  const ours = rows.filter((r) => r[0] === src && r[1] === dst && r[2] === '9999');
  assert.ok(ours.length >= 100, `tshark saw ${ours.length} of the 100 datagrams`);
  assert.ok(ours.every((r) => r[3] === '72'), 'each datagram carries 64 payload bytes (UDP length 72)');
});

test('a TCP exchange of 1 MB crosses the hub between t1 and t2', async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  const r = await tcpExchange({ from: 't1', to: 't2', bytes: 1_000_000 });
  assert.deepEqual(r, { sent: 1_000_000, received: 1_000_000 });
});

test('the real Packetflix and Gostwire run in both service namespaces and report their versions', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  assert.equal(bed.services.packetflixVersion, 'v0.9.7');
  assert.equal(bed.services.gostwireVersion, 'v2.4.1');
  assert.equal(bed.services.hosts.length, 2);
  for (const host of bed.services.hosts) {
    for (const pid of [host.packetflixPid, host.gostwirePid]) {
      assert.ok(pid, `${host.name}: a service is not running`);
      // Each service lives in its host's namespace, not in this machine's.
      assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${bedNamespace(bed, host.name).netns}]`);
    }
    // What the binaries say of themselves (Packetflix v0.9.7 still reports 0.9.6).
    assert.match(host.packetflixReports ?? '', /^0\.9\.\d+$/);
    assert.match(host.gostwireReports ?? '', /^2\.4\./);
  }
  assert.ok(bed.services.cshargGo.path, 'csharg-go was not built');
});
