// csharg --kubeconfig FILE [--context NAME] [--edgeshark-service NS/NAME:PORT] through the test
// bed's REAL Kubernetes API server (kube-apiserver v1.37.2 in front of svc1's real Packetflix and
// Gostwire): no URL, token or CA on the command line or in NODE_EXTRA_CA_CERTS; everything comes
// from the bed's kubeconfig files (token + CA file; client certificate + CA embedded). What the
// server ran is read from the dumpcap it runs (/proc). Traffic: UDP 46100-46199 only.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { serviceDumpcapStarted, serviceDumpcapsGone, tempDir } from '../support/cli-host';
import { requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { dumpcapInterfaces, netnsOf } from '../support/real-packetflix';
import { bedAddress, bedNamespace, keeperName, packetflixPid, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';

/** Our csharg with nothing from this environment that could stand in for the kubeconfig. */
function ours(args: string[], env: Record<string, string> = {}, killAfterMs = 120_000): Promise<CliRun> {
  const clean: NodeJS.ProcessEnv = { ...process.env, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };
  for (const name of ['CSHARG_TOKEN', 'CSHARG_HOST', 'KUBECONFIG', 'NODE_EXTRA_CA_CERTS']) delete clean[name];
  return csharg(args, { env: { ...clean, ...env }, killAfterMs });
}

/** The bed's keepers (t1 … t4, hub) as `NAME TYPE NODE` lines of a list, sorted. */
function keeperLines(bed: BedEnv, stdout: Buffer): string[] {
  const names = new Set(['t1', 't2', 't3', 't4', 'hub'].map((h) => keeperName(bed, h)));
  return stdout.toString().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).filter((l) => names.has(l.split(' ')[0] ?? '')).sort();
}

function expectedLines(bed: BedEnv, node: string): string[] {
  return ['t1', 't2', 't3', 't4', 'hub'].map((h) => `${keeperName(bed, h)} proc ${node}`).sort();
}

/** The bed kubeconfig's context name (for --context). */
function contextOf(kube: BedKube): string {
  return String(/^current-context: (\S+)/m.exec(readFileSync(kube.kubeconfig, 'utf8'))?.[1]);
}

test('csharg --kubeconfig list: the token kubeconfig and the client-certificate kubeconfig list the bed\'s targets on the API server\'s node', { timeout: 180_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const expected = expectedLines(s.bed, new URL(s.kube.url).hostname);
  for (const kubeconfig of [s.kube.kubeconfig, s.kube.kubeconfigClientCert]) {
    const r = await ours(['--kubeconfig', kubeconfig, 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /^TARGET\s+TYPE\s+NODE\s*$/m);
    assert.deepEqual(keeperLines(s.bed, r.stdout), expected, kubeconfig);
  }
  // csharg's flag forms: --kubeconfig=FILE, and --context/--edgeshark-service spelled out.
  const r = await ours([`--kubeconfig=${s.kube.kubeconfig}`, '--context', contextOf(s.kube), '--edgeshark-service', s.kube.service, 'list', '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.toString().split('\n').includes(keeperName(s.bed, 't2')), r.stdout.toString());
});

test('csharg --kubeconfig capture -i eth0 -f FILTER --count 5: Packetflix\'s dumpcap runs exactly that in t2\'s netns, for the token and the client-certificate kubeconfig', { timeout: 300_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const dir = tempDir(t, 'csharg-kubeconfig-cli-');
  const pf = packetflixPid(s.bed);
  const target = keeperName(s.bed, 't2');
  for (const [port, kubeconfig] of [[46101, s.kube.kubeconfig], [46102, s.kube.kubeconfigClientCert]] as const) {
    const file = path.join(dir, `capture-${port}.pcapng`);
    const filter = `udp port ${port}`;
    const running = ours(['--kubeconfig', kubeconfig, 'capture', target, '-i', 'eth0', '-f', filter, '--count', '5', '-q', '-w', file]);
    const dumpcap = await serviceDumpcapStarted(pf, filter);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0'], dumpcap.args.join(' '));
    assert.equal(dumpcap.args[dumpcap.args.indexOf('-f') + 1], filter);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(s.bed, 't2').netns);
    await sendUdp({ from: 't1', to: 't2', count: 40, rate: 200, size: 8, port });
    const r = await running;
    assert.equal(r.code, 0, r.stderr);
    await serviceDumpcapsGone(pf, filter);
    const rows = await tsharkFields(file, ['frame.interface_name', 'ip.src', 'udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]);
    assert.equal(rows.length, 5, `${kubeconfig}: ${rows.length} datagrams`);
    assert.ok(rows.every((row) => row[0] === 'eth0' && row[1] === bedAddress(s.bed, 't1')), JSON.stringify(rows));
  }
});

test('KUBECONFIG: --context alone and --kubeconfig= read it; without any kubeconfig flag csharg keeps its --host default (here CSHARG_HOST = svc2), KUBECONFIG or not', { timeout: 180_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const viaEnv = await ours(['--context', contextOf(s.kube), 'list'], { KUBECONFIG: s.kube.kubeconfig });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.deepEqual(keeperLines(s.bed, viaEnv.stdout), expectedLines(s.bed, new URL(s.kube.url).hostname));
  // --kubeconfig= (empty): kubectl's default loading, here KUBECONFIG's client-certificate kubeconfig.
  const empty = await ours(['--kubeconfig=', 'list'], { KUBECONFIG: s.kube.kubeconfigClientCert });
  assert.equal(empty.code, 0, empty.stderr);
  assert.deepEqual(keeperLines(s.bed, empty.stdout), expectedLines(s.bed, new URL(s.kube.url).hostname));
  const svc2 = serviceUrl(s.bed, 'svc2');
  const plain = await ours(['list'], { KUBECONFIG: s.kube.kubeconfig, CSHARG_HOST: svc2 });
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(keeperLines(s.bed, plain.stdout), expectedLines(s.bed, new URL(svc2).hostname));
});

test('errors: a Service that does not exist (404) names its proxy URL; an unknown context lists the known ones; an exec plugin is refused; --host with --kubeconfig refused', { timeout: 180_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const missing = await ours(['--kubeconfig', s.kube.kubeconfig, '--edgeshark-service', 'edgeshark/csharg-no-such-service:5001', 'list']);
  assert.equal(missing.code, 1);
  const line = missing.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
  assert.ok(line.startsWith(`Error: discovery at ${s.kube.url}/api/v1/namespaces/edgeshark/services/http:csharg-no-such-service:5001/proxy/discover/mobyshark failed: HTTP 404 Not Found: `), line);

  const ctx = await ours(['--kubeconfig', s.kube.kubeconfig, '--context', 'csharg-no-such-context', 'list']);
  assert.equal(ctx.code, 1);
  assert.equal(ctx.stderr, `Error: kubeconfig: context was not found for specified context: csharg-no-such-context (contexts: ${contextOf(s.kube)})\n`);

  const dir = tempDir(t, 'csharg-kubeconfig-cli-');
  const exec = path.join(dir, 'exec.yaml');
  writeFileSync(
    exec,
    readFileSync(s.kube.kubeconfig, 'utf8').replace(/^( {4})token: .*$/m, '$1exec:\n$1  apiVersion: client.authentication.k8s.io/v1\n$1  command: kubelogin\n$1  args: [get-token]'),
  );
  const refused = await ours(['--kubeconfig', exec, 'list']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Error: kubeconfig: user "\S+" gets its credentials from an exec plugin \(kubelogin\), which csharg does not run/);

  const both = await ours(['--kubeconfig', s.kube.kubeconfig, '--host', serviceUrl(s.bed, 'svc1'), 'list']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /--host and --kubeconfig\/--context\/--edgeshark-service exclude each other/);
});
