// How a csharg capture through the REAL Packetflix (svc1 of the test bed) ends: --stop-after,
// --max-bytes, SIGINT (graceful: what was in flight is written, the file is complete), and the
// reader of stdout going away (`| head -c 1000`, with and without traffic). Each time the command
// exits 0 and the dumpcap the server ran for it is gone afterwards (the server only stops it after
// our graceful Close). UDP ports 43300-43399 are this file's; every capture filters on its port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { packetflixPid, serviceDumpcapStarted, serviceDumpcapsWith, tempDir } from '../support/cli-host';
import { processGone } from '../support/processes';
import { keeperName, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import { binDir, csharg, shell } from '../unit/cli/csharg-process';

test('csharg capture --stop-after through the real Packetflix: exit 0 with every datagram sent, then the server\'s dumpcap is gone', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const file = path.join(tempDir(t), 'stop-after.pcapng');
  const running = csharg(['--host', serviceUrl(bed), 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 43300', '--stop-after', '5s', '-w', file], { killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43300');
  const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 200, size: 32, port: 43300 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(after 5000 ms\): 100 packets/);
  assert.equal((await tsharkFields(file, ['udp.dstport'])).filter((row) => row[0] === '43300').length, sent.sent);
  await processGone(dumpcap.pid);
});

test('csharg capture --max-bytes through the real Packetflix keeps whole blocks within the limit and stops', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const file = path.join(tempDir(t), 'max-bytes.pcapng');
  const running = csharg(['--host', serviceUrl(bed), 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 43301', '--max-bytes', '3000', '-q', '-w', file], { killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43301');
  await sendUdp({ from: 't1', to: 't2', count: 200, rate: 400, size: 8, port: 43301 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '--quiet prints nothing');
  const size = statSync(file).size;
  assert.ok(size <= 3000, `file of ${size} bytes exceeds --max-bytes 3000`);
  const rows = await tsharkFields(file, ['udp.dstport']);
  assert.ok(rows.length > 0 && rows.length < 200 && rows.every((row) => row[0] === '43301'), `${rows.length} packets`);
  t.diagnostic(`--max-bytes 3000: ${size} bytes, ${rows.length} packets`);
  await processGone(dumpcap.pid);
});

test('csharg capture through the real Packetflix: SIGINT stops gracefully, exit 0, the file is complete with every datagram sent', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const file = path.join(tempDir(t), 'sigint.pcapng');
  let pid = 0;
  const running = csharg(['--host', serviceUrl(bed), 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 43302', '-w', file], { onSpawn: (p) => (pid = p), killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43302');
  await sendUdp({ from: 't1', to: 't2', count: 50, rate: 200, size: 16, port: 43302 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  process.kill(pid, 'SIGINT');
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(stopped by SIGINT\): 50 packets/);
  assert.equal((await tsharkFields(file, ['udp.dstport'])).filter((row) => row[0] === '43302').length, 50);
  await processGone(dumpcap.pid);
});

test('csharg capture through the real Packetflix | head -c 1000 exits 0 while traffic flows; the server\'s dumpcap is gone', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const bin = binDir();
  t.after(() => bin.cleanup());
  const running = shell(`csharg --host '${serviceUrl(bed)}' capture '${keeperName(bed, 't2')}' -i eth0 -f 'udp port 43303' -q | head -c 1000 >/dev/null; exit \${PIPESTATUS[0]}`, { env: bin.env, killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43303');
  // Up to 5 s of datagrams; the pipeline ends after the first few.
  const traffic = sendUdp({ from: 't1', to: 't2', count: 500, rate: 100, size: 64, port: 43303 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  await processGone(dumpcap.pid);
  await traffic;
  t.diagnostic(`pipeline took ${r.ms} ms`);
});

test('csharg capture through the real Packetflix exits 0 when the reader goes away while no packet flows', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const pf = packetflixPid(bed);
  const bin = binDir();
  t.after(() => bin.cleanup());
  // A reader that takes the section header and leaves, and one that never reads at all.
  for (const reader of ['head -c 100 >/dev/null', 'sleep 1']) {
    const r = await shell(`csharg --host '${serviceUrl(bed)}' capture '${keeperName(bed, 't2')}' -i eth0 -f 'udp port 43304' | ${reader}; exit \${PIPESTATUS[0]}`, { env: bin.env, killAfterMs: 120_000 });
    assert.equal(r.code, 0, `${reader}: ${r.stderr}`);
    assert.match(r.stderr, /capture stopped \(the reader of the output went away\): 0 packets/);
    for (const d of serviceDumpcapsWith(pf, 'udp port 43304')) await processGone(d.pid);
    t.diagnostic(`| ${reader}: ${r.ms} ms`);
  }
});
