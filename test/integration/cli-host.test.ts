// The csharg command through a Packetflix service: here the wire-spec stand-in
// (test/support/packetflix-standin.ts, real dumpcap in the bed's namespaces), never the real
// Packetflix. UDP ports 23040-23069 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin } from '../support/packetflix-standin';
import { bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';
import { csharg, dumpcapsWith } from '../unit/cli/csharg-process';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const DUMPCAP_START_MS = 1500;

async function standin(t: TestContext): Promise<PacketflixStandin | undefined> {
  const bed = await requireBed(t);
  if (!bed) return undefined;
  const s = await startPacketflixStandin(bed);
  t.after(() => s.close());
  return s;
}

function tempFile(t: TestContext, name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-cli-host-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

test('stand-in: csharg list -o json through CSHARG_HOST gives the discovery targets with node-name', async (t) => {
  const s = await standin(t);
  if (!s) return;
  const r = await csharg(['list', '-o', 'json'], { env: { ...process.env, CSHARG_HOST: s.url } });
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(r.stdout.toString()) as Record<string, unknown>[];
  assert.equal(listed.length, s.targets.length);
  for (const target of s.targets) {
    const found = listed.find((x) => x.name === target.name);
    assert.equal(found?.netns, target.netns);
    assert.equal(found?.['node-name'], '127.0.0.1');
  }
  const pods = await csharg(['--host', s.url, 'list', 'pods', '-o', 'name']);
  assert.equal(pods.stdout.toString(), 'default/t1-pod\n');
});

test('stand-in: csharg capture of a packetflix: link takes host, target and interfaces from the link; --count 10 is exact; CSHARG_TOKEN is sent', async (t) => {
  const s = await standin(t);
  if (!s) return;
  const bed = (await requireBed(t))!;
  const t2 = s.targets.find((x) => x.netns === bedNamespace(bed, 't2').netns && x.type === 'proc')!;
  const link = `packetflix:${s.url.replace('http:', 'ws:')}/capture?container=${encodeURIComponent(JSON.stringify(t2))}&nif=eth0`;
  const file = tempFile(t, 'link.pcapng');
  const running = csharg(['capture', link, '-f', 'udp port 23040', '--count', '10', '-w', file], { env: { ...process.env, CSHARG_TOKEN: 'secret-token' } });
  await sleep(DUMPCAP_START_MS);
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 400, size: 8, port: 23040 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await tsharkFields(file, ['udp.dstport'])).filter((row) => row[0] === '23040').length, 10);
  assert.equal(s.captures.length, 1);
  assert.equal(s.captures[0]!.params.nif, 'eth0');
  assert.equal(s.captures[0]!.authorization, 'Bearer secret-token');
  await s.captures[0]!.exited;
  assert.deepEqual(dumpcapsWith('udp port 23040'), []);

  const both = await csharg(['--host', s.url, 'capture', link]);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^Error: a packetflix: link names its service \(http:\/\/127\.0\.0\.1:\d+\); leave out --host$/m);
  const broken = await csharg(['capture', 'packetflix:ws://127.0.0.1:1/capture?nif=eth0']);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^Error: packetflix link: the container parameter is missing$/m);
});

test('stand-in: csharg capture pod writes the pod\'s datagrams', async (t) => {
  const s = await standin(t);
  if (!s) return;
  const file = tempFile(t, 'pod.pcapng');
  const running = csharg(['--host', s.url, 'capture', 'pod', 't1-pod', '-i', 'eth0', '-f', 'udp port 23041', '--stop-after', '3s', '-q', '-w', file]);
  await sleep(DUMPCAP_START_MS);
  await sendUdp({ from: 't2', to: 't1', count: 40, rate: 200, size: 8, port: 23041 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await tsharkFields(file, ['udp.dstport'])).length, 40);
});

test('stand-in: csharg errors: ambiguous target, discovery failure, server-reported bad filter', async (t) => {
  const s = await standin(t);
  if (!s) return;
  const web = s.targets.find((x) => x.name === 't2-web')!;
  s.targets.push({ ...web, type: 'containerd' });
  const ambiguous = await csharg(['--host', s.url, 'capture', 't2-web']);
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.stderr, /^Error: ambiguous capture target "t2-web" matches 2 targets/m);

  const badFilter = await csharg(['--host', s.url, 'capture', 'default/t1-pod', '-i', 'eth0', '-f', 'udp port (', '-q', '-w', '/dev/null']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /^Error: .*Invalid capture filter "udp port \("/m);

  s.behaviour.discovery = { status: 502, body: 'Bad Gateway: gostwire is down' };
  const down = await csharg(['--host', s.url, 'list']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^Error: .*502.*gostwire is down/m);
});
