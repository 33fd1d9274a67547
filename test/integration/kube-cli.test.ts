// The csharg command, and Siemens' csharg-go v1.0.2 beside it, through the test bed's REAL
// Kubernetes API server (kube-apiserver v1.37.2): `--host PROXYURL --token TOKEN` where PROXYURL is
// the service-proxy URL of Service edgeshark/packetflix:5001 (svc1's real Packetflix and Gostwire).
// Our command trusts the API server's CA through NODE_EXTRA_CA_CERTS, csharg-go through Go's
// SSL_CERT_FILE (neither has a CA flag). What the server ran is read from the dumpcap it runs (/proc).
// Traffic: UDP 45100-45149 only.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { serviceDumpcapStarted, serviceDumpcapsGone, tempDir } from '../support/cli-host';
import { runCshargGo, startCshargGo } from '../support/csharg-go';
import type { GoRun } from '../support/csharg-go';
import { settle } from '../support/host-transport';
import { requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { packetflixDumpcaps, processGone } from '../support/processes';
import type { ServiceDumpcap } from '../support/processes';
import { dumpcapInterfaces, netnsOf, waitFor } from '../support/real-packetflix';
import { bedAddress, bedNamespace, cshargGoPath, keeperName, packetflixPid, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

const NO_PROXY_ENV = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };

interface Setup {
  bed: BedEnv;
  kube: BedKube;
  go: string;
  pfPid: number;
}

async function setup(t: TestContext): Promise<Setup | undefined> {
  const s = await requireKube(t);
  if (!s) return undefined;
  return { ...s, go: cshargGoPath(s.bed), pfPid: packetflixPid(s.bed) };
}

/** Our csharg, trusting the API server's CA. */
function ours(kube: BedKube, args: string[], killAfterMs = 120_000): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...NO_PROXY_ENV, NODE_EXTRA_CA_CERTS: kube.ca };
  delete env.CSHARG_TOKEN;
  delete env.CSHARG_HOST;
  delete env.KUBECONFIG;
  return csharg(args, { env, killAfterMs });
}

/** Runs `body` with csharg-go (a child of this process) trusting the API server's CA through SSL_CERT_FILE. */
async function withGoCa<T>(kube: BedKube, body: () => Promise<T>): Promise<T> {
  const saved = process.env.SSL_CERT_FILE;
  process.env.SSL_CERT_FILE = kube.ca;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.SSL_CERT_FILE;
    else process.env.SSL_CERT_FILE = saved;
  }
}

/** The list lines of the bed's keepers (t1 … t4, hub), as `NAME TYPE NODE` with single spaces. */
function keeperLines(s: Setup, stdout: Buffer): string[] {
  const names = new Set(['t1', 't2', 't3', 't4', 'hub'].map((h) => keeperName(s.bed, h)));
  return stdout.toString().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).filter((l) => names.has(l.split(' ')[0] ?? '')).sort();
}

test('csharg list through the API server\'s proxy URL with --token: the bed\'s targets on node 198.18.255.1; csharg-go lists the same lines', { timeout: 180_000 }, async (t) => {
  const s = await setup(t);
  if (!s) return;
  const node = new URL(s.kube.url).hostname;
  const expected = ['t1', 't2', 't3', 't4', 'hub'].map((h) => `${keeperName(s.bed, h)} proc ${node}`).sort();
  const list = await ours(s.kube, ['--host', s.kube.proxyUrl, '--token', s.kube.token, 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/m);
  assert.deepEqual(keeperLines(s, list.stdout), expected);
  const go = await withGoCa(s.kube, () => runCshargGo(s.go, ['--host', s.kube.proxyUrl, '--token', s.kube.token, 'list']));
  assert.equal(go.code, 0, go.stderr);
  assert.deepEqual(keeperLines(s, go.stdout), expected);
});

test('csharg capture -i eth0 -f FILTER through the proxy: the server\'s dumpcap runs exactly that in t2\'s netns; csharg-go captures through the same URL (without its filter, its known defect)', { timeout: 240_000 }, async (t) => {
  const s = await setup(t);
  if (!s) return;
  const dir = tempDir(t, 'csharg-kube-cli-');
  const target = keeperName(s.bed, 't2');

  // Ours: 5 datagrams to 45101, then it ends by itself (--count).
  const file = path.join(dir, 'ours.pcapng');
  const filter = 'udp port 45101';
  const running = ours(s.kube, ['--host', s.kube.proxyUrl, '--token', s.kube.token, 'capture', target, '-i', 'eth0', '-f', filter, '--count', '5', '-q', '-w', file]);
  const dumpcap = await serviceDumpcapStarted(s.pfPid, filter);
  assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0'], dumpcap.args.join(' '));
  assert.equal(dumpcap.args[dumpcap.args.indexOf('-f') + 1], filter);
  assert.equal(netnsOf(dumpcap.pid), bedNamespace(s.bed, 't2').netns);
  await sendUdp({ from: 't1', to: 't2', count: 40, rate: 200, size: 8, port: 45101 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  await serviceDumpcapsGone(s.pfPid, filter);
  const rows = await tsharkFields(file, ['frame.interface_name', 'ip.src', 'udp.dstport'], ['-Y', 'udp.dstport == 45101 && !icmp']);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row[0] === 'eth0' && row[1] === bedAddress(s.bed, 't1')), JSON.stringify(rows));

  // csharg-go: runs until SIGINT; its dumpcap is the new one in t2's netns without -f.
  const goFile = path.join(dir, 'go.pcapng');
  const before = new Set(packetflixDumpcaps(s.pfPid).map((d) => d.pid));
  const { run, goDumpcap } = await withGoCa(s.kube, async () => {
    const go = startCshargGo(s.go, ['--host', s.kube.proxyUrl, '--token', s.kube.token, 'capture', target, '-i', 'eth0', '-w', goFile]);
    let found: ServiceDumpcap | undefined;
    try {
      found = await waitFor('csharg-go\'s dumpcap (no -f, in t2\'s netns)', () => packetflixDumpcaps(s.pfPid).find((d) => {
        if (before.has(d.pid) || d.args.includes('-f')) return false;
        try {
          return netnsOf(d.pid) === bedNamespace(s.bed, 't2').netns;
        } catch {
          return false;
        }
      }), 45_000);
      await settle(700);
      await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 8, port: 45102 });
      await settle(700);
    } finally {
      go.interrupt();
    }
    return { run: await go.done, goDumpcap: found };
  });
  await processGone(goDumpcap.pid, 15_000);
  assert.deepEqual(dumpcapInterfaces(goDumpcap), ['eth0'], goDumpcap.args.join(' '));
  const goRows = await tsharkFields(goFile, ['udp.dstport'], ['-Y', 'udp.dstport == 45102 && !icmp']);
  assert.equal(goRows.length, 20, `csharg-go captured ${goRows.length} (${run.stderr})`);
});

test('a wrong token (401), a token without permission (403), a Service that does not exist (404), one without endpoints (503): ours exits 1 naming the proxy URL, the status and the API server\'s message; csharg-go prints an empty table and exits 0', { timeout: 180_000 }, async (t) => {
  const s = await setup(t);
  if (!s) return;
  const base = s.kube.proxyUrl;
  const missing = base.replace('http:packetflix:', 'http:csharg-no-such-service:');
  const cases = [
    { url: base, token: `${s.kube.token}-wrong`, status: '401 Unauthorized', says: '"message":"Unauthorized"' },
    { url: base, token: s.kube.forbiddenToken, status: '403 Forbidden', says: 'User \\"nobody\\" cannot get resource \\"services/proxy\\"' },
    { url: missing, token: s.kube.token, status: '404 Not Found', says: 'services \\"csharg-no-such-service\\" not found' },
    { url: s.kube.noEndpointsProxyUrl, token: s.kube.token, status: '503 Service Unavailable', says: 'no endpoints available for service \\"no-endpoints\\"' },
  ];
  for (const c of cases) {
    for (const command of [['list'], ['capture', keeperName(s.bed, 't2'), '-i', 'eth0', '-f', 'udp port 45120', '-q', '-w', '/dev/null']]) {
      const r = await ours(s.kube, ['--host', c.url, '--token', c.token, ...command]);
      assert.equal(r.code, 1, `${c.status} ${command[0]}: ${r.stderr}`);
      const line = r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
      assert.ok(line.startsWith(`Error: discovery at ${c.url}/discover/mobyshark failed: HTTP ${c.status}: `), line);
      assert.ok(line.includes(c.says), line);
    }
    const go: GoRun = await withGoCa(s.kube, () => runCshargGo(s.go, ['--host', c.url, '--token', c.token, 'list']));
    assert.equal(go.code, 0, `csharg-go ${c.status}: ${go.stderr}`);
    assert.match(go.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/, `csharg-go ${c.status}: only the header line`);
    assert.equal(go.stderr, '', `csharg-go ${c.status}: says nothing`);
  }
});
