// The csharg command through the REAL Packetflix v0.9.7 and Gostwire v2.4.1 of the test bed
// (svc1): discovery, captures by name, by subcommand and by a packetflix: link as Gostwire's web
// UI makes it, the bearer token on the wire, and the errors the real server reports. Target names
// carry PIDs: they come from the bed's description or from discovery, never from this file.
// UDP ports 43000-43099 are this file's; every capture filters on its own port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  gostwireTarget,
  gostwireTargets,
  gostwireUiLink,
  packetflixPid,
  serviceDumpcapStarted,
  serviceDumpcapsGone,
  serviceDumpcapsWith,
  tempDir,
} from '../support/cli-host';
import { startRecordingRelay } from '../support/recording-relay';
import { bedAddress, bedNamespace, cshargGoPath, keeperName, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import { csharg } from '../unit/cli/csharg-process';

const execFileAsync = promisify(execFile);

/** The discovery name of a bed target namespace's keeper: `csharg-t2(PID)`. */
/** The node name csharg gives targets of a service: the host part of its URL. */
function nodeOf(url: string): string {
  return new URL(url).hostname;
}

test('csharg list -o json through CSHARG_HOST lists the real Gostwire\'s targets: the bed namespaces by inode, node-name from the URL, csharg key order', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const r = await csharg(['list', '-o', 'json'], { env: { ...process.env, CSHARG_HOST: url } });
  assert.equal(r.code, 0, r.stderr);
  const listed = JSON.parse(r.stdout.toString()) as Record<string, unknown>[];
  const raw = await gostwireTargets(url);
  for (const host of ['t1', 't2', 't3', 't4', 'hub']) {
    const ns = bedNamespace(bed, host);
    const found: Record<string, unknown> | undefined = listed.find((x) => x.name === keeperName(bed, host));
    assert.ok(found, `${keeperName(bed, host)} missing from csharg list`);
    assert.equal(found.type, 'proc');
    assert.equal(found.netns, ns.netns);
    assert.equal(found.pid, ns.keeperPid);
    assert.equal(found['node-name'], nodeOf(url));
    assert.deepEqual(Object.keys(found), ['name', 'type', 'netns', 'network-interfaces', 'prefix', 'starttime', 'pid', 'node-name']);
    assert.deepEqual(
      [...(found['network-interfaces'] as string[])].sort(),
      ns.interfaces.filter((i) => i.up).map((i) => i.name).sort(),
    );
    // The same as Gostwire said, plus node-name.
    const fromGostwire = raw.find((x) => x.name === found.name);
    assert.equal(fromGostwire?.starttime, found.starttime);
  }
  const empty = listed.find((x) => x.netns === bedNamespace(bed, 'empty').netns);
  assert.equal(empty?.type, 'bindmount');
  assert.match(String(empty?.name), /\/run\/netns\/csharg-empty$/);
  assert.equal('pid' in empty, false, 'a bindmount target has pid 0, which csharg leaves out');
  assert.ok(r.stdout.toString().startsWith('[\n    {'), 'json output is indented by 4 spaces');

  // The real bed has no pods and no container engines: those lists are empty; networks has t2.
  const pods = await csharg(['--host', url, 'list', 'pods', '-o', 'name']);
  assert.equal(pods.code, 0, pods.stderr);
  assert.equal(pods.stdout.toString(), '');
  const networks = await csharg(['--host', url, 'list', 'networks', '-o', 'name']);
  assert.ok(networks.stdout.toString().split('\n').includes(keeperName(bed, 't2')));
});

test('csharg capture of a packetflix: link as Gostwire\'s UI builds it: host, target and interface from the link; --count 10 is exact; the real dumpcap ran -i eth0 -f', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const t2 = await gostwireTarget(url, keeperName(bed, 't2'));
  const link = gostwireUiLink(url, t2, ['eth0']);
  const file = path.join(tempDir(t), 'link.pcapng');
  const running = csharg(['capture', link, '-f', 'udp port 43001', '--count', '10', '-w', file], { killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43001');
  // What the server made of the link: eth0 only, the filter last, promiscuous (no -p).
  assert.deepEqual(dumpcap.args.slice(-4), ['-i', 'eth0', '-f', 'udp port 43001']);
  assert.equal(dumpcap.args.includes('-p'), false);
  // Bursts, so that datagrams after the 10th are in flight when the stop comes.
  await sendUdp({ from: 't1', to: 't2', count: 100, rate: 400, size: 8, port: 43001 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(10 packets captured\): 10 packets/);
  const rows = await tsharkFields(file, ['ip.src', 'udp.dstport', 'frame.interface_name']);
  assert.equal(rows.length, 10);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === '43001' && row[2] === 'eth0'), JSON.stringify(rows));
  // The SHB comment, as our client rewrote the server's: the target and the node from the link.
  const { stdout: info } = await execFileAsync('/usr/bin/capinfos', ['-k', file]);
  assert.ok(info.includes(`container-name: ${t2.name}`), info);
  // (Go's YAML quotes the address; a plain scalar says the same.)
  assert.match(info, new RegExp(`node-name: "?${nodeOf(url).replace(/\./g, '\\.')}"?\\s`), info);
  assert.ok(info.includes('capture-filter: udp port 43001'), info);
  await serviceDumpcapsGone(pf, 'udp port 43001');

  const both = await csharg(['--host', url, 'capture', link]);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /^Error: a packetflix: link names its service \(http:\/\/198\.18\.255\.2:5001\); leave out --host$/m);
  const broken = await csharg(['capture', `packetflix:${url.replace('http', 'ws')}/capture?nif=eth0`]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^Error: packetflix link: the container parameter is missing$/m);
});

test('CSHARG_TOKEN reaches the wire: Authorization and Clustershark-* headers of discovery and capture, seen by a relay in front of the real Packetflix', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const relay = await startRecordingRelay(url);
  t.after(() => relay.close());
  const env = { ...process.env, CSHARG_TOKEN: 'h3-secret-token' };

  const list = await csharg(['--host', relay.url, 'list', '-o', 'name'], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(list.stdout.toString().split('\n').includes(keeperName(bed, 't2')));
  const discovery = relay.requests.find((r) => r.requestLine.startsWith('GET /discover/mobyshark '));
  assert.equal(discovery?.headers.authorization, 'Bearer h3-secret-token');

  const t2 = await gostwireTarget(url, keeperName(bed, 't2'));
  const link = gostwireUiLink(relay.url, t2, ['eth0']);
  const file = path.join(tempDir(t), 'token.pcapng');
  const running = csharg(['capture', link, '-f', 'udp port 43002', '--count', '3', '-q', '-w', file], { env, killAfterMs: 120_000 });
  await serviceDumpcapStarted(pf, 'udp port 43002');
  await sendUdp({ from: 't1', to: 't2', count: 30, rate: 200, size: 8, port: 43002 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await tsharkFields(file, ['udp.dstport'])).filter((row) => row[0] === '43002').length, 3);
  const captures = relay.requests.filter((q) => q.requestLine.startsWith('GET /capture?'));
  assert.equal(captures.length, 1);
  const head = captures[0]!.headers;
  assert.equal(head.authorization, 'Bearer h3-secret-token');
  assert.equal(head.upgrade?.toLowerCase(), 'websocket');
  assert.equal(head['clustershark-nif'], 'eth0');
  assert.equal(head['clustershark-filter'], 'udp port 43002');
  const container = JSON.parse(head['clustershark-container'] ?? '{}') as Record<string, unknown>;
  assert.equal(container.name, t2.name);
  assert.equal(container.netns, t2.netns);
  // The query says the same as the headers.
  const query = new URLSearchParams(captures[0]!.requestLine.split(' ')[1]!.split('?')[1]);
  assert.equal(query.get('nif'), 'eth0');
  assert.equal(query.get('filter'), 'udp port 43002');
  assert.deepEqual(JSON.parse(query.get('container')!), container);
});

test('csharg capture TARGET by its discovery name csharg-t2(PID) with -p: the datagrams sent, file mode 0640, the real dumpcap ran with -p', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const file = path.join(tempDir(t), 'name.pcapng');
  const running = csharg(['--host', url, 'capture', keeperName(bed, 't2'), '-i', 'eth0', '-f', 'udp port 43003', '-p', '--stop-after', '6s', '-w', file], { killAfterMs: 120_000 });
  const dumpcap = await serviceDumpcapStarted(pf, 'udp port 43003');
  assert.ok(dumpcap.args.includes('-p'), `dumpcap ${dumpcap.args.join(' ')}`);
  const sent = await sendUdp({ from: 't1', to: 't2', count: 40, rate: 200, size: 16, port: 43003 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capture stopped \(after 6000 ms\): 40 packets/);
  const rows = await tsharkFields(file, ['ip.src', 'ip.dst', 'udp.dstport', 'udp.length']);
  assert.equal(rows.length, sent.sent);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === bedAddress(bed, 't2') && row[2] === '43003' && row[3] === '24'));
  assert.equal(statSync(file).mode & 0o777, 0o640);
  await serviceDumpcapsGone(pf, 'udp port 43003');
});

test('csharg capture network NAME NODE captures the process target on that node; capture container and a wrong node do not find it (as csharg-go)', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const name = keeperName(bed, 't1');
  const node = nodeOf(url);
  const file = path.join(tempDir(t), 'network.pcapng');
  const running = csharg(['--host', url, 'capture', 'network', name, node, '-i', 'eth0', '-f', 'udp port 43004', '--count', '5', '-q', '-w', file], { killAfterMs: 120_000 });
  await serviceDumpcapStarted(pf, 'udp port 43004');
  await sendUdp({ from: 't2', to: 't1', count: 50, rate: 200, size: 8, port: 43004 });
  const r = await running;
  assert.equal(r.code, 0, r.stderr);
  const rows = await tsharkFields(file, ['ip.dst', 'udp.dstport']);
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row[0] === bedAddress(bed, 't1') && row[1] === '43004'));

  // A proc target is a network, not a container; and it is not on another node.
  const container = await csharg(['--host', url, 'capture', 'container', name, node, '-q', '-w', '/dev/null']);
  assert.equal(container.code, 1);
  assert.match(container.stderr, new RegExp(`^Error: capture target "${name.replace(/[()]/g, '\\$&')}" on node "${node}" not found`, 'm'));
  const elsewhere = await csharg(['--host', url, 'capture', 'network', name, 'no-such-node', '-q', '-w', '/dev/null']);
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stderr, /^Error: capture target ".*" on node "no-such-node" not found/m);
  // Siemens' csharg says the same (the start of its message; it never captures here either).
  const go = await execFileAsync(cshargGoPath(bed), ['--host', url, 'capture', 'container', name, node, '-w', '/dev/null'], { timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(go.code, 1);
  assert.match(go.stderr, new RegExp(`Error: capture target "${name.replace(/[()]/g, '\\$&')}"( on node "${node}")? not found`));
});

test('csharg capture errors from the real services: a name without its PID (csharg-go: not found; ours takes the process target), no ambiguity (one host, unique names), bad filter, missing interface, process-less target, unreachable host', async (t) => {
  const bed = await requireServices(t);
  if (!bed) return;
  const url = serviceUrl(bed, 'svc1');
  const pf = packetflixPid(bed, 'svc1');
  const t2 = keeperName(bed, 't2');

  // For Siemens' csharg names are exact: `csharg-t2` is not `csharg-t2(PID)`. Ours takes the one
  // process target of that process name and says so (issue 16; docs/cli.md).
  const prefix = await csharg(['--host', url, 'capture', 'csharg-t2', '-i', 'eth0', '-f', 'udp port 51040', '--stop-after', '1s', '-w', '/dev/null']);
  assert.equal(prefix.code, 0, prefix.stderr);
  assert.match(prefix.stderr, new RegExp(`^csharg: capture target "csharg-t2": taking the process target "${t2.replace(/[()]/g, '\\$&')}"$`, 'm'));
  const go = await execFileAsync(cshargGoPath(bed), ['--host', url, 'capture', 'csharg-t2', '-w', '/dev/null'], { timeout: 60_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(go.code, 1);
  assert.match(go.stderr, /^Error: capture target "csharg-t2" not found$/m);

  // Both hosts see this machine's namespaces, so t2's name is on both, but capture and list take
  // one host: the last --host counts (as in csharg; merge takes them all), so a name cannot be
  // ambiguous across hosts. Within one real Gostwire, names carry a PID or a bind mount path.
  const lastHost = await csharg(['--host', url.replace(/:5001$/, ':5009'), '--host', url, 'list', '-o', 'name']);
  assert.equal(lastHost.code, 0, lastHost.stderr);
  assert.ok(lastHost.stdout.toString().split('\n').includes(t2));
  const names = (await gostwireTargets(url)).map((x) => x.name);
  assert.equal(new Set(names).size, names.length, 'no two targets of the real discovery share a name');

  // The real Packetflix reports these in its Close 1006 frame; the command names the reason.
  const badFilter = await csharg(['--host', url, 'capture', t2, '-i', 'eth0', '-f', 'udp port (', '-q', '-w', '/dev/null']);
  assert.equal(badFilter.code, 1);
  assert.match(badFilter.stderr, /^Error: capture of proc ".*" on node "198\.18\.255\.2" .* failed: Invalid capture filter "udp port \(" for interface 'eth0'\.$/m);
  const noNif = await csharg(['--host', url, 'capture', t2, '-i', 'eth9', '-f', 'udp port 43005', '-q', '-w', '/dev/null']);
  assert.equal(noNif.code, 1);
  assert.match(noNif.stderr, /^Error: .* failed: There is no device named "eth9"\.$/m);
  const emptyName = (await gostwireTargets(url)).find((x) => x.netns === bedNamespace(bed, 'empty').netns)?.name;
  assert.ok(emptyName);
  const empty = await csharg(['--host', url, 'capture', 'network', emptyName, nodeOf(url), '-f', 'udp port 43006', '-q', '-w', '/dev/null']);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /^Error: capture of bindmount ".*csharg-empty" .* failed: cannot lock target network stack$/m);
  assert.deepEqual(serviceDumpcapsWith(pf, 'udp port 4300'), []);

  // A real bed address where nothing listens on the port: connection refused, said at once.
  const refused = url.replace(/:5001$/, ':5009');
  const down = await csharg(['--host', refused, 'list']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^Error: discovery at http:\/\/198\.18\.255\.2:5009\/discover\/mobyshark failed: connect ECONNREFUSED 198\.18\.255\.2:5009/m);
  const downCapture = await csharg(['--host', refused, 'capture', t2, '-q', '-w', '/dev/null']);
  assert.equal(downCapture.code, 1);
  assert.match(downCapture.stderr, /^Error: discovery at .* failed: connect ECONNREFUSED/m);
});
