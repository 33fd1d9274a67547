// The csharg command against a REAL Packetflix whose Gostwire is not there: this test runs its own
// instance of the bed's Packetflix v0.9.7 binary (--proxy-discovery, nothing on the discovery
// port) in a namespace of its own (csharg-h3p, loopback only; the command runs inside it too), so
// the bed's services stay untouched. Discovery through it is a real HTTP 502 (with an empty body);
// csharg reports it and exits 1 where Siemens' csharg lists nothing and exits 0 (its defect). A
// packetflix: link needs no discovery: it still captures the bed's t2 through that Packetflix.
// UDP ports 43500-43599 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { gostwireTarget, gostwireUiLink, serviceDumpcapStarted, tempDir } from '../support/cli-host';
import { processGone } from '../support/processes';
import { bedAddress, bedNamespace, cshargGoPath, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { binDir, shell } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);
const NS = 'csharg-h3p';
const OWN_URL = 'http://127.0.0.1:5001';

async function deleteNamespace(): Promise<void> {
  if (existsSync(`/run/netns/${NS}`)) await execFileAsync('ip', ['netns', 'del', NS]);
}

/** Our own Packetflix in our own namespace, without Gostwire; stopped by PID after the test. */
async function ownPacketflix(t: TestContext, bed: BedEnv): Promise<number> {
  const binary = path.join(path.dirname(cshargGoPath(bed)), `packetflix-${bed.services.packetflixVersion}`);
  await deleteNamespace();
  await execFileAsync('ip', ['netns', 'add', NS]);
  t.after(deleteNamespace);
  await execFileAsync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  const child = spawn('nsenter', [`--net=/run/netns/${NS}`, binary, '--port', '5001', '--proxy-discovery', '--discovery-service', 'localhost', '--gw-port', '5000'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('cannot start Packetflix');
  t.after(async () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await processGone(pid);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { stdout } = await execFileAsync('nsenter', [`--net=/run/netns/${NS}`, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `${OWN_URL}/version`]).catch(() => ({ stdout: '' }));
    if (stdout === '200') return pid;
    if (Date.now() > deadline) throw new Error('our Packetflix did not answer /version within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function inNamespace(command: string): string {
  return `exec nsenter --net=/run/netns/${NS} ${command}`;
}

test('csharg through a real Packetflix whose Gostwire is down: discovery is HTTP 502, exit 1 (csharg-go lists nothing, exit 0); a packetflix: link still captures', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const ownPid = await ownPacketflix(t, bed);
  const bin = binDir({ 'csharg-go': `#!/bin/sh\nexec '${cshargGoPath(bed)}' "$@"\n` });
  t.after(() => bin.cleanup());

  const raw = await shell(inNamespace(`curl -s -i ${OWN_URL}/discover/mobyshark`), { env: bin.env });
  assert.match(raw.stdout.toString(), /^HTTP\/1\.1 502 Bad Gateway\r\n/);
  assert.match(raw.stdout.toString(), /Content-Length: 0\r\n/, 'the real 502 has an empty body');

  const list = await shell(inNamespace(`csharg --host ${OWN_URL} list`), { env: bin.env });
  assert.equal(list.code, 1);
  assert.match(list.stderr, /^Error: discovery at http:\/\/127\.0\.0\.1:5001\/discover\/mobyshark failed: HTTP 502 Bad Gateway \(Gostwire behind Packetflix, or the service behind the proxy, is not reachable\)$/m);
  const t2Name = `${bedNamespace(bed, 't2').name}(${bedNamespace(bed, 't2').keeperPid})`;
  const capture = await shell(inNamespace(`csharg --host ${OWN_URL} capture '${t2Name}' -q -w /dev/null`), { env: bin.env });
  assert.equal(capture.code, 1);
  assert.match(capture.stderr, /^Error: discovery at .* failed: HTTP 502 Bad Gateway/m);
  // Siemens' csharg: an empty table and success (it discards discovery's HTTP errors).
  const go = await shell(inNamespace(`csharg-go --host ${OWN_URL} list`), { env: bin.env });
  assert.equal(go.code, 0, go.stderr);
  assert.match(go.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/, 'only the header line');

  // The link (as Gostwire's UI builds it, from the bed's svc1 discovery) names its target itself.
  const t2 = await gostwireTarget(serviceUrl(bed, 'svc1'), t2Name);
  const link = gostwireUiLink(OWN_URL, t2, ['eth0']);
  const file = path.join(tempDir(t, 'csharg-cli-gwdown-'), 'link.pcapng');
  const running = shell(inNamespace(`csharg capture '${link}' -f 'udp port 43500' --count 5 -q -w ${file}`), { env: bin.env, killAfterMs: 120_000 });
  // Our Packetflix (not the bed's) runs the dumpcap.
  const dumpcap = await serviceDumpcapStarted(ownPid, 'udp port 43500');
  await sendUdp({ from: 't1', to: 't2', count: 50, rate: 200, size: 8, port: 43500 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const rows = await tsharkFields(file, ['ip.src', 'udp.dstport']);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === '43500'));
  await processGone(dumpcap.pid);
});
