// Header injection through target names, end to end: hostile names (CR LF with a header after
// it, NUL and other controls, non-ASCII, very long) go from discovery of the wire-spec stand-in
// for Packetflix (which cannot be built here; test/support/packetflix-standin.ts, REAL dumpcap)
// through the client into capture requests; the server's HTTP parser must see exactly the headers
// the client meant, with the name intact inside them.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MAX_REQUEST_FIELD_LENGTH } from '../../src/core/capture-request';
import { DiscoveryError } from '../../src/core/capture-errors';
import { CaptureRequestError } from '../../src/core/errors';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin, StandinCapture, StandinTarget } from '../support/packetflix-standin';
import { loadBed } from '../support/testbed';

class Collector extends Writable {
  readonly started: Promise<void>;
  private markStarted!: () => void;
  constructor() {
    super();
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }
  override _write(_chunk: Buffer, _enc: BufferEncoding, callback: () => void): void {
    this.markStarted();
    callback();
  }
}

/** Every header a capture upgrade may carry (lower case); anything else was injected. */
const ALLOWED_HEADERS = new Set([
  'host', 'connection', 'upgrade', 'sec-websocket-version', 'sec-websocket-key',
  'clustershark-container', 'clustershark-nif', 'clustershark-filter', 'clustershark-chaste', 'authorization',
]);

const HOSTILE_NAMES = [
  'evil\r\nX-Injected: 1',
  'evil\nX-Injected: 2\r\n\r\nGET /discover/mobyshark HTTP/1.1',
  'nul\u0000del\u007f bell\u0007 ls\u2028 bom\ufeff',
  'ünïcødé 名前 💥 name',
  'lone \ud800 surrogate',
  '%0d%0aX-Injected: 3 & container={} ? # /',
  `long-${'x'.repeat(8_000)}`,
];

function headerPairs(capture: StandinCapture): [string, string][] {
  const raw = capture.request.rawHeaders;
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return pairs;
}

describe('header injection through target names, end to end against the wire-spec stand-in for Packetflix', () => {
  let standin: PacketflixStandin;
  let t2: StandinTarget;
  const added: StandinTarget[] = [];

  before(async () => {
    standin = await startPacketflixStandin(await loadBed());
    const found = standin.targets.find((t) => t.name === 't2-web');
    assert.ok(found);
    t2 = found;
    // Discovery lists each hostile name as a docker container in t2's namespace.
    for (const name of HOSTILE_NAMES) added.push({ ...t2, name });
    standin.targets.push(...added);
  });
  after(async () => {
    await standin?.close();
  });

  for (const [i, name] of HOSTILE_NAMES.entries()) {
    it(`name #${i} (${JSON.stringify(name.slice(0, 30))}${name.length > 30 ? '…' : ''}) arrives intact, no header split`, async () => {
      const tank = newSharkTankOnHost(standin.url, { bearerToken: 'tok' });
      const discovered = (await tank.targets()).filter((t) => t.name === name);
      assert.equal(discovered.length, 1, 'discovery kept the name as it is');
      const before = standin.captures.length;
      const out = new Collector();
      // A bare target completed from discovery, as a user would name it.
      const streamer = tank.captureContainer(out, '127.0.0.1', name, { nifs: ['eth0'], filter: 'udp port 24050' });
      // A failed capture never writes; its end then shows why.
      const first = await Promise.race([out.started.then(() => 'started' as const), streamer.wait()]);
      assert.equal(first, 'started', `the capture ended before it started: ${JSON.stringify(first)}`);
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      assert.equal(standin.captures.length, before + 1, 'exactly one request reached the server');
      const capture = standin.captures.at(-1)!;

      const pairs = headerPairs(capture);
      const names = pairs.map(([n]) => n);
      assert.deepEqual(names.filter((n) => !ALLOWED_HEADERS.has(n)), [], 'no injected header');
      assert.equal(new Set(names).size, names.length, 'no header twice');
      for (const [n, v] of pairs) assert.match(v, /^[\x20-\x7e]*$/, `header ${n} is not printable ASCII`);
      const header = pairs.find(([n]) => n === 'clustershark-container')?.[1];
      assert.ok(header);
      assert.equal((JSON.parse(header) as { name: string }).name, name, 'the header carries the name exactly');
      assert.equal(pairs.find(([n]) => n === 'authorization')?.[1], 'Bearer tok');
      // The query carries the same target; the path is the capture route and nothing else.
      const url = new URL(capture.request.url, 'http://x');
      assert.equal(url.pathname, '/capture');
      assert.equal((JSON.parse(url.searchParams.get('container') ?? '') as { name: string }).name, name);
      assert.equal(url.searchParams.get('filter'), 'udp port 24050');
      assert.equal(capture.args[0], '--net=/run/netns/csharg-t2', 'the capture ran in the right namespace');
    });
  }

  it(`a name over ${MAX_REQUEST_FIELD_LENGTH} characters is a CaptureRequestError and sends nothing`, async () => {
    const tank = newSharkTankOnHost(standin.url);
    const before = standin.captures.length;
    const end = await tank.capture(new Collector(), { ...t2, name: 'y'.repeat(MAX_REQUEST_FIELD_LENGTH + 1), nodeName: '127.0.0.1', networkInterfaces: ['eth0'] }).wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureRequestError, String(error));
    assert.match(error.message, /too long for a capture request/);
    assert.equal(standin.captures.length, before);
  });

  it('a filter or token with CR LF cannot add a header either', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const out = new Collector();
    const streamer = tank.captureContainer(out, '127.0.0.1', 't2-web', { nifs: ['eth0'], filter: 'udp port 24051\r\nX-Injected: 4' });
    const end = await streamer.wait();
    // Line breaks become spaces (pcap-filter reads them so); the rest is then an invalid filter.
    const capture = standin.captures.at(-1)!;
    assert.equal(headerPairs(capture).find(([n]) => n === 'clustershark-filter')?.[1], 'udp port 24051  X-Injected: 4');
    assert.ok(!headerPairs(capture).some(([n]) => n === 'x-injected'));
    assert.equal(end.kind, 'error');
    // A token with a line break: refused before anything is sent, by discovery and by capture.
    const before = standin.captures.length;
    const discoveries = standin.discoveryRequests;
    const badTank = newSharkTankOnHost(standin.url, { bearerToken: 'tok\r\nX-Injected: 5' });
    const discovery = await badTank.targets().then(() => undefined, (e: unknown) => e);
    assert.ok(discovery instanceof DiscoveryError, String(discovery));
    assert.match(discovery.message, /invalid bearer token: .*\(token not shown\)/);
    assert.doesNotMatch(discovery.message, /X-Injected/);
    const full = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(full);
    const badToken = await badTank.capture(new Collector(), full).wait();
    assert.equal(badToken.kind, 'error');
    assert.ok((badToken as { error: Error }).error instanceof CaptureRequestError);
    assert.equal(standin.captures.length, before);
    assert.equal(standin.discoveryRequests, discoveries);
  });
});
