// Header injection end to end against the bed's REAL Packetflix and Gostwire (svc1), seen through
// a recording TCP relay (test/support/recording-relay.ts) that keeps the raw request head the
// server never echoes. Hostile target names reach the capture request two ways: from real
// discovery (keeper processes in this test's own namespaces whose comm holds CR, or CR LF, and a
// header line, so Gostwire itself names the targets so), and as copies of the real t2 target
// carrying names no process can have (NUL, lone surrogates, 8000 characters). The server must see
// exactly the headers the client meant with the name intact in the query and
// Clustershark-Container; what the real server answers for a hostile name it cannot locate (or
// cannot handle: Packetflix v0.9.7 panics on a process name with a line feed) is a typed error.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { MAX_REQUEST_FIELD_LENGTH } from '../../src/core/host/capture-request';
import { CaptureFailedError, DiscoveryError } from '../../src/core/capture-errors';
import { CaptureRequestError } from '../../src/core/errors';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { bedServiceHost, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle } from '../support/host-transport';
import { processGone } from '../support/processes';
import type { ServiceDumpcap } from '../support/processes';
import { startRecordingRelay } from '../support/recording-relay';
import type { RecordingRelay, RelayedRequest } from '../support/recording-relay';
import { loadBed, requireServices, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { Collector } from '../support/collector';

const execFileAsync = promisify(execFile);

/** Every header a capture upgrade may carry (lower case); anything else was injected. */
const ALLOWED_HEADERS = new Set([
  'host', 'connection', 'upgrade', 'sec-websocket-version', 'sec-websocket-key',
  'clustershark-container', 'clustershark-nif', 'clustershark-filter', 'clustershark-chaste', 'authorization',
]);

/** Names no process can have (comm is 15 bytes without NUL), given to copies of the real t2 target. */
const HOSTILE_NAMES = [
  'evil\r\nX-Injected: 1',
  'evil\nX-Injected: 2\r\n\r\nGET /discover/mobyshark HTTP/1.1',
  'nul\u0000del\u007f bell\u0007 ls\u2028 bom\ufeff',
  'ünïcødé 名前 💥 name',
  'lone \ud800 surrogate',
  '%0d%0aX-Injected: 3 & container={} ? # /',
  `long-${'x'.repeat(8_000)}`,
];

/**
 * This test's own namespaces, each with a keeper whose comm (at most 15 bytes, so the kernel keeps
 * it whole) is hostile: a bare CR, and CR LF, each followed by a header line.
 */
const KEEPERS = {
  cr: { ns: 'csharg-h2-inject-cr', comm: '💥\rX-Inj: 1' },
  crlf: { ns: 'csharg-h2-inject-lf', comm: '💥\r\nX-Inj: 1' },
} as const;
type KeeperKind = keyof typeof KEEPERS;

/** The header lines of a recorded request head, names lower-cased, exactly as they were sent. */
function headerLines(request: RelayedRequest): [string, string][] {
  return request.raw.split('\r\n').slice(1).map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  });
}

/** Sends `count` UDP datagrams to 127.0.0.1:`port` on the loopback of namespace `ns`. */
async function sendLoopbackUdp(ns: string, port: number, count: number): Promise<void> {
  const script = `const s = require('node:dgram').createSocket('udp4'); let n = 0;
    const next = () => { if (n++ === ${count}) return s.close(); s.send(Buffer.from(String(n)), ${port}, '127.0.0.1', () => setTimeout(next, 5)); };
    next();`;
  await execFileAsync('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e', script], { timeout: 30_000 });
}

describe('header injection end to end against the real Packetflix and Gostwire (svc1), through a recording relay', () => {
  let relay: RecordingRelay | undefined;
  let tmp: string;
  const keepers = new Map<KeeperKind, { pid: number; netns: number }>();

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-inject-'));
    const bed = await loadBed().catch(() => undefined);
    // Without the real services every test skips (or fails in CI) through requireServices.
    if (!bed?.services.available) return;
    relay = await startRecordingRelay(serviceUrl(bed, 'svc1'));
    for (const [kind, { ns, comm }] of Object.entries(KEEPERS) as [KeeperKind, (typeof KEEPERS)[KeeperKind]][]) {
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
      await execFileAsync('ip', ['netns', 'add', ns]);
      await execFileAsync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      // sleep run through a symlink named `comm`: nsenter execs it, so its comm is that name.
      const dir = mkdtempSync(path.join(tmp, `${kind}-`));
      symlinkSync('/usr/bin/sleep', path.join(dir, comm));
      const child = spawn('nsenter', [`--net=/run/netns/${ns}`, path.join(dir, comm), '600'], { stdio: 'ignore' });
      assert.ok(child.pid, `the ${kind} keeper did not start`);
      keepers.set(kind, { pid: child.pid, netns: statSync(`/run/netns/${ns}`).ino });
    }
  });
  after(async () => {
    for (const { pid } of keepers.values()) {
      try {
        process.kill(pid, 'SIGTERM');
        await processGone(pid);
      } catch {
        // already gone
      }
    }
    for (const { ns } of Object.values(KEEPERS)) {
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
    }
    await relay?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const services = async (t: TestContext): Promise<{ bed: BedEnv; relay: RecordingRelay } | undefined> => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    assert.ok(relay, 'the recording relay did not start');
    return { bed, relay };
  };

  /** The capture requests the relay saw from index `from` on. */
  const captureRequests = (r: RecordingRelay, from: number): RelayedRequest[] =>
    r.requests.slice(from).filter((q) => q.requestLine.startsWith('GET /capture'));

  /** Checks one recorded capture request: no injected or repeated header, the name intact in query and header. */
  const assertCleanRequest = (request: RelayedRequest, name: string, filter: string, token?: string): void => {
    const lines = headerLines(request);
    const names = lines.map(([n]) => n);
    assert.deepEqual(names.filter((n) => !ALLOWED_HEADERS.has(n)), [], 'no injected header');
    assert.equal(new Set(names).size, names.length, 'no header twice');
    for (const [n, v] of lines) assert.match(v, /^[\x20-\x7e]*$/, `header ${n} is not printable ASCII`);
    assert.match(request.requestLine, /^GET \/capture\?[\x21-\x7e]+ HTTP\/1\.1$/, 'one request line, nothing after the query');
    const header = lines.find(([n]) => n === 'clustershark-container')?.[1];
    assert.ok(header);
    assert.equal((JSON.parse(header) as { name: string }).name, name, 'the header carries the name exactly');
    const url = new URL(request.requestLine.split(' ')[1]!, 'http://x');
    assert.equal(url.pathname, '/capture');
    assert.equal((JSON.parse(url.searchParams.get('container') ?? '') as { name: string }).name, name, 'the query carries the name exactly');
    assert.equal(url.searchParams.get('filter'), filter);
    assert.equal(lines.find(([n]) => n === 'clustershark-filter')?.[1], filter);
    if (token !== undefined) assert.equal(lines.find(([n]) => n === 'authorization')?.[1], `Bearer ${token}`);
  };

  /** The one dumpcap the real svc1 runs with `filter`, and the network namespace it runs in. */
  const serverDumpcap = (bed: BedEnv, filter: string): ServiceDumpcap & { netns: string } => {
    const found = serviceDumpcapsWithFilter(bedServiceHost(bed, 'svc1'), filter);
    assert.equal(found.length, 1, `the real Packetflix runs ${found.length} dumpcaps with filter ${JSON.stringify(filter)}`);
    return { ...found[0]!, netns: readlinkSync(`/proc/${found[0]!.pid}/ns/net`) };
  };

  /** Polls real discovery (a full Gostwire scan each time) until it names this test's keeper of `kind`. */
  const discoverHostileTarget = async (r: RecordingRelay, kind: KeeperKind): Promise<{ name: string; target: Target; netns: number }> => {
    const keeper = keepers.get(kind);
    assert.ok(keeper, `the ${kind} keeper did not start`);
    const name = `${KEEPERS[kind].comm}(${keeper.pid})`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = (await newSharkTankOnHost(r.url).targets()).filter((t) => t.name === name);
      if (found.length === 1) {
        assert.equal(found[0]!.netns, keeper.netns, 'discovery put the hostile name on this test\'s namespace');
        return { name, target: found[0]!, netns: keeper.netns };
      }
      assert.ok(Date.now() < deadline, `Gostwire did not list ${JSON.stringify(name)} within 20 s`);
      await settle(500);
    }
  };

  it('a process name with CR and a header line, from the real Gostwire, reaches the real Packetflix intact; the capture runs in its namespace', async (t) => {
    const s = await services(t);
    if (!s) return;
    const { name, netns } = await discoverHostileTarget(s.relay, 'cr');
    const tank = newSharkTankOnHost(s.relay.url, { bearerToken: 'tok' });
    const from = s.relay.requests.length;
    const filter = 'udp port 42100';
    const out = new Collector();
    // A bare target completed from real discovery, as a user would name it.
    const streamer = tank.captureContainer(out, '127.0.0.1', name, { nifs: ['lo'], filter });
    const first = await Promise.race([out.started.then(() => 'started' as const), streamer.wait()]);
    assert.equal(first, 'started', `the capture ended before it started: ${JSON.stringify(first)}`);
    const dumpcap = serverDumpcap(s.bed, filter);
    assert.equal(dumpcap.netns, `net:[${netns}]`, 'the real server captures in the hostile-named target\'s namespace');
    await sendLoopbackUdp(KEEPERS.cr.ns, 42100, 10);
    await settle(500);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid);
    const requests = captureRequests(s.relay, from);
    assert.equal(requests.length, 1, 'exactly one capture request reached the server');
    assertCleanRequest(requests[0]!, name, filter, 'tok');
    assert.equal(await countUdpDatagrams(out.chunks, tmp, 'hostile-comm', 42100), 10);
  });

  it('a stale target with that name: the real Packetflix looks the name up in Gostwire, finds it byte for byte and captures there', async (t) => {
    const s = await services(t);
    if (!s) return;
    const { target, netns } = await discoverHostileTarget(s.relay, 'cr');
    // A wrong start time makes Packetflix distrust netns and ask Gostwire for the target by name.
    const stale: Target = { ...target, starttime: (target.starttime ?? 0) + 1 };
    const filter = 'udp port 42101';
    const out = new Collector();
    const streamer = newSharkTankOnHost(s.relay.url).capture(out, stale, { nifs: ['lo'], filter });
    const first = await Promise.race([out.started.then(() => 'started' as const), streamer.wait()]);
    assert.equal(first, 'started', `the capture ended before it started: ${JSON.stringify(first)}`);
    assert.equal(serverDumpcap(s.bed, filter).netns, `net:[${netns}]`);
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
  });

  it('a process name with CR LF arrives intact too; the real Packetflix v0.9.7 fails on it (no Close frame) and the client reports a typed CaptureFailedError', async (t) => {
    const s = await services(t);
    if (!s) return;
    const { name } = await discoverHostileTarget(s.relay, 'crlf');
    const tank = newSharkTankOnHost(s.relay.url, { bearerToken: 'tok' });
    const from = s.relay.requests.length;
    const filter = 'udp port 42102';
    // Packetflix checks the target's start time by reading /proc/PID/stat up to the first line
    // feed, which here lies inside the process name; its parser then indexes past the end and the
    // handler panics (net/http recovers and drops the upgraded connection without a Close).
    const end = await tank.captureContainer(new Collector(), '127.0.0.1', name, { nifs: ['lo'], filter }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, undefined);
    assert.equal(error.closeCode, undefined);
    assert.match(error.message, /the server closed the connection without a reason/);
    assert.ok(error.message.includes(JSON.stringify(name)), error.message);
    assert.doesNotMatch(error.message, /[\r\n]/, 'the message cannot be split either');
    const requests = captureRequests(s.relay, from);
    assert.equal(requests.length, 1, 'exactly one capture request reached the server');
    assertCleanRequest(requests[0]!, name, filter, 'tok');
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), filter), []);
  });

  for (const [i, name] of HOSTILE_NAMES.entries()) {
    it(`name #${i} (${JSON.stringify(name.slice(0, 30))}${name.length > 30 ? '…' : ''}) on the real t2 target arrives intact, no header split`, async (t) => {
      const s = await services(t);
      if (!s) return;
      const tank = newSharkTankOnHost(s.relay.url, { bearerToken: 'tok' });
      const t2 = findBedTarget(await tank.targets(), s.bed, 't2');
      const from = s.relay.requests.length;
      const filter = `udp port ${42110 + i}`;
      const out = new Collector();
      const streamer = tank.capture(out, { ...t2, name }, { nifs: ['eth0'], filter });
      const first = await Promise.race([out.started.then(() => 'started' as const), streamer.wait()]);
      assert.equal(first, 'started', `the capture ended before it started: ${JSON.stringify(first)}`);
      // Packetflix trusts netns, PID and start time; the hostile name travels on into its SHB only.
      const dumpcap = serverDumpcap(s.bed, filter);
      assert.equal(dumpcap.netns, `net:[${t2.netns}]`);
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      const requests = captureRequests(s.relay, from);
      assert.equal(requests.length, 1, 'exactly one capture request reached the server');
      assertCleanRequest(requests[0]!, name, filter, 'tok');
    });
  }

  it('a hostile name the real Packetflix cannot locate: CaptureFailedError with the server\'s reason, the name escaped in the message', async (t) => {
    const s = await services(t);
    if (!s) return;
    const t2 = findBedTarget(await newSharkTankOnHost(s.relay.url).targets(), s.bed, 't2');
    const name = 'evil\r\nX-Injected: 6';
    const from = s.relay.requests.length;
    // A stale start time: Packetflix asks Gostwire for the name, which no target has.
    const end = await newSharkTankOnHost(s.relay.url).capture(new Collector(), { ...t2, name, starttime: (t2.starttime ?? 0) + 1 }, { nifs: ['eth0'], filter: 'udp port 42130' }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, 'could not locate network namespace for container');
    assert.equal(error.closeCode, 1006);
    assert.ok(error.message.includes(JSON.stringify(name)), error.message);
    assert.doesNotMatch(error.message, /[\r\n]/, 'the message cannot be split either');
    const requests = captureRequests(s.relay, from);
    assert.equal(requests.length, 1);
    assertCleanRequest(requests[0]!, name, 'udp port 42130');
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(s.bed, 'svc1'), 'udp port 42130'), []);
  });

  it(`a name over ${MAX_REQUEST_FIELD_LENGTH} characters is a CaptureRequestError and sends nothing`, async (t) => {
    const s = await services(t);
    if (!s) return;
    const tank = newSharkTankOnHost(s.relay.url);
    const t2 = findBedTarget(await tank.targets(), s.bed, 't2');
    const from = s.relay.requests.length;
    const end = await tank.capture(new Collector(), { ...t2, name: 'y'.repeat(MAX_REQUEST_FIELD_LENGTH + 1) }, { nifs: ['eth0'] }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureRequestError, String(error));
    assert.match(error.message, /too long for a capture request/);
    assert.equal(s.relay.requests.length, from, 'nothing was sent');
  });

  it('a filter or token with CR LF cannot add a header either; the real Packetflix rejects the filter with its reason', async (t) => {
    const s = await services(t);
    if (!s) return;
    const tank = newSharkTankOnHost(s.relay.url);
    const t2 = findBedTarget(await tank.targets(), s.bed, 't2');
    let from = s.relay.requests.length;
    const end = await tank.capture(new Collector(), t2, { nifs: ['eth0'], filter: 'udp port 42131\r\nX-Injected: 4' }).wait();
    // Line breaks become spaces (pcap-filter reads them so); the rest is then an invalid filter.
    const oneLine = 'udp port 42131  X-Injected: 4';
    const requests = captureRequests(s.relay, from);
    assert.equal(requests.length, 1);
    assertCleanRequest(requests[0]!, t2.name, oneLine);
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, `Invalid capture filter "${oneLine}" for interface 'eth0'.`);
    // A token with a line break: refused before anything is sent, by discovery and by capture.
    from = s.relay.requests.length;
    const badTank = newSharkTankOnHost(s.relay.url, { bearerToken: 'tok\r\nX-Injected: 5' });
    const discovery = await badTank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError, String(discovery));
    assert.match(discovery.message, /invalid bearer token: .*\(token not shown\)/);
    assert.doesNotMatch(discovery.message, /X-Injected/);
    const badToken = await badTank.capture(new Collector(), t2).wait();
    assert.equal(badToken.kind, 'error');
    assert.ok((badToken as { error: Error }).error instanceof CaptureRequestError);
    assert.equal(s.relay.requests.length, from, 'nothing was sent');
  });
});
