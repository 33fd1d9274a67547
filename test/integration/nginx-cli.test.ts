// The csharg command, and Siemens' csharg-go v1.0.2 beside it, through the test bed's nginx (TLS
// with a certificate from the bed's CA, a bearer token, the /edgeshark prefix, and a location that
// drops the query string) in front of svc1's REAL Packetflix and Gostwire. Our command trusts the
// bed's CA through Node's NODE_EXTRA_CA_CERTS, csharg-go through Go's SSL_CERT_FILE (neither has a
// CA flag); both have -k. UDP ports 50100-50199 are this file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { serviceDumpcapStarted, serviceDumpcapsGone, tempDir } from '../support/cli-host';
import { runCshargGo, startCshargGo } from '../support/csharg-go';
import type { GoRun } from '../support/csharg-go';
import { bedServiceHost, bedTargetName, settle } from '../support/host-transport';
import { processGone, packetflixDumpcaps } from '../support/processes';
import type { ServiceDumpcap } from '../support/processes';
import { netnsOf, waitFor } from '../support/real-packetflix';
import { bedAddress, bedNamespace, cshargGoPath, requireNginx, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv, BedNginx } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

const NO_PROXY_ENV = { HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };

/** Our csharg, trusting the bed's CA (or not). */
function ours(nginx: BedNginx, args: string[], trustCa = true, killAfterMs = 120_000): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...NO_PROXY_ENV };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.CSHARG_TOKEN;
  delete env.CSHARG_HOST;
  if (trustCa) env.NODE_EXTRA_CA_CERTS = nginx.caFile;
  return csharg(args, { env, killAfterMs });
}

/** Runs `body` with csharg-go (a child of this process) trusting the bed's CA through SSL_CERT_FILE, or no CA at all. */
async function withGoCa<T>(nginx: BedNginx | undefined, body: () => Promise<T>): Promise<T> {
  const saved = process.env.SSL_CERT_FILE;
  // An empty file: Go then trusts nothing (not even the system's CAs), like a wrong CA.
  process.env.SSL_CERT_FILE = nginx ? nginx.caFile : '/dev/null';
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.SSL_CERT_FILE;
    else process.env.SSL_CERT_FILE = saved;
  }
}

/** The list line of bed target `host`: name, type proc, node = the proxy's host name. */
function listLine(bed: BedEnv, nginx: BedNginx, host: string): RegExp {
  const name = bedTargetName(bed, host).replace(/[()]/g, '\\$&');
  return new RegExp(`^${name}\\s+proc\\s+${new URL(nginx.url).hostname.replace(/\./g, '\\.')}\\s*$`, 'm');
}

async function setup(t: TestContext): Promise<{ bed: BedEnv; nginx: BedNginx; go: string; pfPid: number } | undefined> {
  const s = await requireNginx(t);
  if (!s) return undefined;
  const pfPid = bedServiceHost(s.bed, 'svc1').packetflixPid;
  assert.ok(pfPid, 'svc1 runs Packetflix');
  return { ...s, go: cshargGoPath(s.bed), pfPid };
}

/** Our `csharg capture` of t2 through `url` until 5 datagrams to `port` arrived; returns the rows tshark reads. */
async function oursCaptures(s: { bed: BedEnv; nginx: BedNginx; pfPid: number }, t: TestContext, url: string, port: number): Promise<string[][]> {
  const file = path.join(tempDir(t, 'csharg-nginx-cli-'), `ours-${port}.pcapng`);
  const filter = `udp port ${port}`;
  const running = ours(s.nginx, ['--host', url, '--token', s.nginx.token, 'capture', bedTargetName(s.bed, 't2'), '-i', 'eth0', '-f', filter, '--count', '5', '-q', '-w', file]);
  const dumpcap = await serviceDumpcapStarted(s.pfPid, filter);
  await sendUdp({ from: 't1', to: 't2', count: 40, rate: 200, size: 8, port });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  await serviceDumpcapsGone(s.pfPid, filter);
  assert.ok(dumpcap.pid > 0);
  return tsharkFields(file, ['ip.src', 'udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]);
}

/**
 * The new dumpcap (not in `before`) that svc1's Packetflix runs without a capture filter in t2's
 * network namespace: csharg-go's, which never sends its --filter (its known defect), so it cannot be
 * found by filter. Only for timing (traffic after dumpcap runs); counts are by port.
 */
async function goDumpcapStarted(pfPid: number, t2Netns: number, before: Set<number>): Promise<ServiceDumpcap> {
  const found = await waitFor('csharg-go\'s dumpcap (no -f, in t2\'s netns)', () => packetflixDumpcaps(pfPid).find((d) => {
    if (before.has(d.pid) || d.args.includes('-f')) return false;
    try {
      return netnsOf(d.pid) === t2Netns;
    } catch {
      return false;
    }
  }), 45_000);
  await settle(700);
  return found;
}

/** csharg-go's capture of t2 through `url`: 20 datagrams to `port`, then SIGINT; returns its run and the rows tshark reads. */
async function goCaptures(s: { bed: BedEnv; nginx: BedNginx; go: string; pfPid: number }, t: TestContext, url: string, port: number, extra: string[] = []): Promise<{ run: GoRun; rows: string[][] }> {
  const file = path.join(tempDir(t, 'csharg-nginx-go-'), `go-${port}.pcapng`);
  const before = new Set(packetflixDumpcaps(s.pfPid).map((d) => d.pid));
  const go = startCshargGo(s.go, ['--host', url, '--token', s.nginx.token, ...extra, 'capture', bedTargetName(s.bed, 't2'), '-i', 'eth0', '-w', file]);
  let dumpcap: ServiceDumpcap;
  try {
    dumpcap = await goDumpcapStarted(s.pfPid, bedNamespace(s.bed, 't2').netns, before);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 8, port });
    await settle(700);
  } finally {
    go.interrupt();
  }
  const run = await go.done;
  await processGone(dumpcap.pid, 15_000);
  return { run, rows: await tsharkFields(file, ['ip.src', 'udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]) };
}

test('csharg list and capture through nginx with the bed\'s CA, --token and the /edgeshark prefix; csharg-go the same, side by side', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const list = await ours(s.nginx, ['--host', s.nginx.url, '--token', s.nginx.token, 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/m);
  assert.match(list.stdout.toString(), listLine(s.bed, s.nginx, 't2'));
  const goList = await withGoCa(s.nginx, () => runCshargGo(s.go, ['--host', s.nginx.url, '--token', s.nginx.token, 'list']));
  assert.equal(goList.code, 0, goList.stderr);
  assert.match(goList.stdout.toString(), listLine(s.bed, s.nginx, 't2'));

  const rows = await oursCaptures(s, t, s.nginx.url, 50100);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((r) => r[0] === bedAddress(s.bed, 't1')), JSON.stringify(rows));
  const go = await withGoCa(s.nginx, () => goCaptures(s, t, s.nginx.url, 50101));
  assert.equal(go.rows.length, 20, `csharg-go captured ${go.rows.length} (${go.run.stderr})`);
});

test('no trusted CA: our list and capture exit 1 with a certificate error that says what to do; csharg-go logs the x509 error, prints an empty table and exits 0; with -k both list and capture', async (t) => {
  const s = await setup(t);
  if (!s) return;
  for (const command of [['list'], ['capture', bedTargetName(s.bed, 't2'), '-f', 'udp port 50110', '-q', '-w', '/dev/null']]) {
    const r = await ours(s.nginx, ['--host', s.nginx.url, '--token', s.nginx.token, ...command], false);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^Error: discovery at https:\/\/198\.18\.\d+\.\d+:\d+\/edgeshark\/discover\/mobyshark failed: unable to verify the first certificate \(the server's certificate is not trusted: give its CA .*insecure/im);
  }
  const goList = await withGoCa(undefined, () => runCshargGo(s.go, ['--host', s.nginx.url, '--token', s.nginx.token, 'list']));
  assert.equal(goList.code, 0, 'csharg-go exits 0 (it discards discovery errors)');
  assert.match(goList.stderr, /x509: certificate signed by unknown authority/);
  assert.match(goList.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/, 'only the header line');

  const insecure = await ours(s.nginx, ['--host', s.nginx.url, '--token', s.nginx.token, '-k', 'list'], false);
  assert.equal(insecure.code, 0, insecure.stderr);
  assert.match(insecure.stdout.toString(), listLine(s.bed, s.nginx, 't2'));
  const goInsecure = await withGoCa(undefined, () => runCshargGo(s.go, ['--host', s.nginx.url, '--token', s.nginx.token, '-k', 'list']));
  assert.equal(goInsecure.code, 0, goInsecure.stderr);
  assert.match(goInsecure.stdout.toString(), listLine(s.bed, s.nginx, 't2'));
  const rows = await (async () => {
    const file = path.join(tempDir(t, 'csharg-nginx-k-'), 'k.pcapng');
    const running = ours(s.nginx, ['--host', s.nginx.url, '--token', s.nginx.token, '-k', 'capture', bedTargetName(s.bed, 't2'), '-i', 'eth0', '-f', 'udp port 50111', '--count', '5', '-q', '-w', file], false);
    await serviceDumpcapStarted(s.pfPid, 'udp port 50111');
    await sendUdp({ from: 't1', to: 't2', count: 40, rate: 200, size: 8, port: 50111 });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    return tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 50111 && !icmp']);
  })();
  assert.equal(rows.length, 5);
  const go = await withGoCa(undefined, () => goCaptures(s, t, s.nginx.url, 50112, ['-k']));
  assert.equal(go.rows.length, 20, `csharg-go -k captured ${go.rows.length} (${go.run.stderr})`);
});

test('a missing or wrong token: our list and capture exit 1 naming HTTP 401 and the token; csharg-go cannot decode nginx\'s HTML, lists nothing and exits 0', async (t) => {
  const s = await setup(t);
  if (!s) return;
  for (const token of [[], ['--token', `${s.nginx.token}x`]]) {
    for (const command of [['list'], ['capture', bedTargetName(s.bed, 't2'), '-f', 'udp port 50120', '-q', '-w', '/dev/null']]) {
      const r = await ours(s.nginx, ['--host', s.nginx.url, ...token, ...command]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^Error: discovery at https:\/\/[^ ]+\/edgeshark\/discover\/mobyshark failed: HTTP 401 Unauthorized: .*\(check the bearer token\)$/m);
    }
    const go: GoRun = await withGoCa(s.nginx, () => runCshargGo(s.go, ['--host', s.nginx.url, ...token, 'list']));
    assert.equal(go.code, 0);
    assert.match(go.stderr, /cannot decode targets from GhostWire-on-Packetflix service: invalid character '<'/);
    assert.match(go.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/);
  }
});

test('a wrong prefix: our list exits 1 naming HTTP 404 and the base path; csharg-go lists nothing and exits 0', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const r = await ours(s.nginx, ['--host', s.nginx.wrongPrefixUrl, '--token', s.nginx.token, 'list']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^Error: discovery at https:\/\/[^ ]+\/wrong-prefix\/discover\/mobyshark failed: HTTP 404 Not Found: .*\(check the service URL and its base path\)$/m);
  const go = await withGoCa(s.nginx, () => runCshargGo(s.go, ['--host', s.nginx.wrongPrefixUrl, '--token', s.nginx.token, 'list']));
  assert.equal(go.code, 0);
  assert.match(go.stderr, /cannot decode targets/);
  assert.match(go.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/);
});

test('through the query-dropping location: our capture and csharg-go\'s both work (both send the request as Clustershark-* headers too)', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const rows = await oursCaptures(s, t, s.nginx.noQueryUrl, 50130);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((r) => r[0] === bedAddress(s.bed, 't1')));
  const go = await withGoCa(s.nginx, () => goCaptures(s, t, s.nginx.noQueryUrl, 50131));
  assert.equal(go.rows.length, 20, `csharg-go captured ${go.rows.length} (${go.run.stderr})`);
});
