// The capture socket and CaptureStreamer against the bed's REAL Packetflix v0.9.7 (svc1, with
// Gostwire v2.4.1 behind it): the target JSON is what the real discovery returned, the Close
// frames the server sends are read from our own ws socket (attachCaptureSocket), and what the
// server did with dumpcap is read from /proc (its command line, its end). Faults the real server
// cannot produce (handshake 400/401/500, text messages, resets, a Close never echoed) are in
// host-faults-standin.test.ts.
// Traffic: UDP 41100-41199 only; every capture filter is one no other test uses, so the dumpcap
// found by its filter is this file's.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  CaptureFailedError,
  CaptureHandshakeError,
  CaptureWriterError,
} from '../../src/core/capture-errors';
import { attachCaptureSocket, captureClientOptions, openCaptureSocket } from '../../src/core/host/capture-socket';
import type { CaptureSocketOptions } from '../../src/core/host/capture-socket';
import type { CaptureEnd } from '../../src/core/capture-source';
import { streamCaptureInto } from '../../src/core/capture-streamer';
import type { CaptureStreamer } from '../../src/core/capture-streamer';
import { processGone } from '../support/processes';
import { dumpcapInterfaces, dumpcapWithFilter, findDumpcap, netnsOf, packetflixPid, shbComment } from '../support/real-packetflix';
import { bedNamespace, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

/** Collects everything written; `started` resolves with the first write (the SHB). */
class CollectingWritable extends Writable {
  readonly chunks: Buffer[] = [];
  readonly started: Promise<void>;
  private markStarted!: () => void;
  constructor(private readonly failAfterWrites = Infinity) {
    super();
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error) => void): void {
    this.chunks.push(chunk);
    this.markStarted();
    if (this.chunks.length > this.failAfterWrites) callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    else callback();
  }
}

function openSocketCount(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

/** The Close frame the server sent (code and reason, as ws reports them on 'close'). */
interface ServerClose {
  code: number;
  reason: string;
}

interface Running {
  streamer: CaptureStreamer;
  /** resolves when our socket has closed, with the server's Close frame (1006 = none) */
  serverClose: Promise<ServerClose>;
  url: string;
}

describe('capture socket against the REAL Packetflix of the test bed', () => {
  let tmp: string;
  let t2Json: string | undefined;

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-host-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const TARGET_DESCRIPTION = 'proc "csharg-t2" of the test bed';
  const base = (bed: BedEnv): string => serviceUrl(bed, 'svc1').replace(/^http/, 'ws');
  const captureUrl = (bed: BedEnv, params: Record<string, string>): string => `${base(bed)}/capture?${new URLSearchParams(params).toString()}`;

  /** The bed's services and t2's keeper exactly as the real discovery describes it (Gostwire's JSON). */
  const setup = async (t: TestContext): Promise<{ bed: BedEnv; t2: string } | undefined> => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    if (t2Json === undefined) {
      const response = await fetch(`${serviceUrl(bed, 'svc1')}/discover/mobyshark`, { signal: AbortSignal.timeout(30_000) });
      const { containers } = (await response.json()) as { containers: Array<{ name: string; netns: number }> };
      const ns = bedNamespace(bed, 't2');
      const t2 = containers.filter((c) => c.netns === ns.netns && c.name === `${ns.name}(${ns.keeperPid})`);
      assert.equal(t2.length, 1, `discovery lists t2's keeper once: ${JSON.stringify(t2)}`);
      t2Json = JSON.stringify(t2[0]);
    }
    return { bed, t2: t2Json };
  };

  /** A capture into `writable` on our own ws socket, so that the server's Close frame can be seen. */
  const streamInto = (bed: BedEnv, writable: Writable, params: Record<string, string>, options: CaptureSocketOptions = {}, headers: Record<string, string> = {}): Running => {
    const url = captureUrl(bed, params);
    const websocket = new WebSocket(url, captureClientOptions(headers, options));
    const serverClose = new Promise<ServerClose>((resolve) => websocket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') })));
    const streamer = streamCaptureInto(
      writable,
      (handlers) => attachCaptureSocket(websocket, { targetDescription: TARGET_DESCRIPTION, ...options }, handlers),
      { target: TARGET_DESCRIPTION, url },
    );
    return { streamer, serverClose, url };
  };
  const endOf = (bed: BedEnv, params: Record<string, string>, headers: Record<string, string> = {}): Promise<CaptureEnd> =>
    openCaptureSocket(captureUrl(bed, params), headers, { targetDescription: TARGET_DESCRIPTION }, { onChunk() {}, onEnd() {} }).ended;
  const errorOf = async (end: Promise<CaptureEnd>): Promise<Error> => {
    const e = await end;
    assert.equal(e.kind, 'error', `expected an error end, got ${e.kind}`);
    return (e as { error: Error }).error;
  };

  it('captures 100 UDP datagrams sent while it runs (tshark reads them from the file)', { timeout: 180_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41100';
    const out = new CollectingWritable();
    const { streamer } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0']);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(s.bed, 't2').netns);
    const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 64, port: 41100 });
    assert.equal(sent.sent, 100);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const file = path.join(tmp, 'udp.pcapng');
    writeFileSync(file, Buffer.concat(out.chunks));
    const rows = await tsharkFields(file, ['frame.interface_name', 'udp.dstport'], ['-Y', 'udp.dstport == 41100 && !icmp']);
    assert.equal(rows.length, 100);
    assert.ok(rows.every(([iface]) => iface === 'eth0'));
  });

  it('a busy capture over many messages (blocks need not follow message boundaries) holds every datagram', { timeout: 240_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41110';
    const out = new CollectingWritable();
    const { streamer } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    const sent = await sendUdp({ from: 't1', to: 't2', count: 2000, rate: 1000, size: 1200, port: 41110 });
    assert.equal(sent.sent, 2000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const stream = Buffer.concat(out.chunks);
    const file = path.join(tmp, 'busy.pcapng');
    writeFileSync(file, stream);
    const rows = await tsharkFields(file, ['udp.length', 'data.data'], ['-Y', 'udp.dstport == 41110 && !icmp']);
    assert.equal(rows.length, 2000);
    assert.deepEqual(rows.map((r) => parseInt((r[1] ?? '').slice(0, 8), 16)), Array.from({ length: 2000 }, (_, i) => i));
    // Where the messages split the stream: count the splits that fall inside a pcapng block.
    const blockStarts = new Set<number>();
    for (let at = 0; at + 8 <= stream.length; at += stream.readUInt32LE(at + 4)) blockStarts.add(at);
    let offset = 0;
    let inside = 0;
    for (const chunk of out.chunks.slice(0, -1)) {
      offset += chunk.length;
      if (!blockStarts.has(offset)) inside++;
    }
    t.diagnostic(`${out.chunks.length} chunks written (one per WebSocket message after the SHB), ${stream.length} bytes, ${inside} chunk boundaries inside a pcapng block`);
    assert.ok(out.chunks.length > 10, `only ${out.chunks.length} chunks`);
    // The real server's messages are dumpcap's reads: some split a block (every run here has had dozens).
    assert.ok(inside > 0, 'no message split a block');
  });

  it('a netns-only request captures the any pseudo-device (Linux cooked capture)', { timeout: 120_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41111';
    const out = new CollectingWritable();
    const { streamer } = streamInto(s.bed, out, { netns: String(bedNamespace(s.bed, 't2').netns), filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['any']);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(s.bed, 't2').netns);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 64, port: 41111 });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const file = path.join(tmp, 'any.pcapng');
    writeFileSync(file, Buffer.concat(out.chunks));
    const rows = await tsharkFields(file, ['frame.interface_name', 'sll.pkttype'], ['-Y', 'udp.dstport == 41111 && !icmp']);
    assert.equal(rows.length, 10);
    assert.ok(rows.every(([iface, pkttype]) => iface === 'any' && pkttype === '0'), JSON.stringify(rows));
  });

  it('the real server\'s own SHB comment (no client edit on a bare socket) names the target with an empty node-name', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41112';
    const out = new CollectingWritable();
    const { streamer } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter, chaste: '' });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    assert.ok(dumpcap.args.includes('-p'));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const { name } = JSON.parse(s.t2) as { name: string };
    // Packetflix fills in what the request's target says; Gostwire sends no node-name, so it is
    // empty: the host client's own SHB edit (host-shark-tank, host-proof) puts the URL host there.
    assert.equal(
      shbComment(Buffer.concat(out.chunks)),
      `---\n# capture target information\ncontainer-name: ${name}\ncontainer-type: proc\nnode-name: ""\ncapture-filter: ${filter}\nno-promiscuous-mode: true\n`,
    );
  });

  it('stop() sends Close 1000, is idempotent; the real server echoes 1000 and ends its dumpcap', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41101';
    const out = new CollectingWritable();
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    const [a, b] = await Promise.all([streamer.stop(), streamer.stop()]);
    assert.deepEqual(a, { kind: 'stopped' });
    assert.equal(a, b);
    assert.equal(await streamer.wait(), a);
    // gorilla/websocket's default close handler echoes the client's code with an EMPTY reason
    // before Packetflix's own `ciao` echo is written (which then goes nowhere).
    assert.deepEqual(await serverClose, { code: 1000, reason: '' });
    await processGone(dumpcap.pid, 20_000);
  });

  it('stopAfter(ms) stops after the delay; wait() resolves with the same end', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41102';
    const out = new CollectingWritable();
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    const started = Date.now();
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    const end = await streamer.stopAfter(400);
    assert.deepEqual(end, { kind: 'stopped' });
    assert.ok(Date.now() - started >= 400);
    assert.equal(await streamer.wait(), end);
    assert.equal((await serverClose).code, 1000);
    await processGone(dumpcap.pid, 20_000);
  });

  it('dumpcap exiting 0 (SIGTERM to our capture\'s dumpcap) gives server Close 1000 and ends as completed', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41103';
    const out = new CollectingWritable();
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    // This test's own capture's dumpcap, found by its filter; dumpcap exits 0 on SIGTERM.
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    process.kill(dumpcap.pid, 'SIGTERM');
    assert.deepEqual(await streamer.wait(), { kind: 'completed' });
    assert.deepEqual(await serverClose, { code: 1000, reason: 'capture process terminated' });
    assert.equal(await streamer.stopAfter(10), await streamer.wait());
    await processGone(dumpcap.pid, 20_000);
  });

  it('a bad filter is a CaptureFailedError carrying the real server reason', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const error = await errorOf(endOf(s.bed, { container: s.t2, nif: 'eth0', filter: 'udp port (' }));
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.closeCode, 1006);
    assert.equal(error.reason, `Invalid capture filter "udp port (" for interface 'eth0'.`);
    assert.match(error.message, /Invalid capture filter/);
    assert.ok(error.message.includes(TARGET_DESCRIPTION));
    assert.ok(error.message.includes(`${base(s.bed)}/capture`));
  });

  it('an unknown interface, a process-less namespace, a malformed target and bad parameters carry the real reasons', { timeout: 120_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const reasonOf = async (params: Record<string, string>): Promise<string | undefined> => {
      const error = await errorOf(endOf(s.bed, params));
      assert.ok(error instanceof CaptureFailedError, String(error));
      assert.equal(error.closeCode, 1006);
      return error.reason;
    };
    assert.equal(await reasonOf({ container: s.t2, nif: 'eth9' }), 'There is no device named "eth9".');
    // csharg-empty: only a bind mount holds it, no process can be locked into.
    assert.equal(await reasonOf({ netns: String(bedNamespace(s.bed, 'empty').netns) }), 'cannot lock target network stack');
    assert.match((await reasonOf({ container: '{"name":' })) ?? '', /^invalid container\/target description: /);
    assert.equal(await reasonOf({ container: s.t2, netns: '1' }), 'container and netns query parameters are mutually exclusive');
    assert.equal(await reasonOf({ netns: 'abc' }), 'invalid netns "abc"');
    // A pid without its start time: no staleness check, and the namespace cannot be locked by it.
    const noStart = { ...(JSON.parse(s.t2) as Record<string, unknown>), starttime: 0 };
    assert.equal(await reasonOf({ container: JSON.stringify(noStart), nif: 'eth0' }), 'cannot lock target network stack');
    assert.equal(await reasonOf({}), 'either container or netns query parameter required');
  });

  it('a reason over 123 bytes (the real server sends no Close frame at all) says that the server sent no reason', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    // dumpcap's reason quotes the filter: with this one it is far over a Close frame's 123 bytes.
    const filter = `udp port ( ${'and udp '.repeat(15)}`;
    assert.ok(Buffer.byteLength(`Invalid capture filter "${filter}" for interface 'eth0'.`) > 123);
    const out = new CollectingWritable();
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    const error = await errorOf(streamer.wait());
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, undefined);
    assert.equal(error.closeCode, undefined);
    assert.match(error.message, /the server closed the connection without a reason: Packetflix sends none when its reason is longer than 123 bytes/);
    assert.equal((await serverClose).code, 1006, 'no Close frame came');
  });

  it('a wrong base path gets the real 404 as a CaptureHandshakeError', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    // Packetflix proxies every path it does not serve to Gostwire, which answers 404.
    const url = `${base(s.bed)}/edgeshark/capture?${new URLSearchParams({ container: s.t2 }).toString()}`;
    const error = await errorOf(openCaptureSocket(url, {}, {}, { onChunk() {}, onEnd() {} }).ended);
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.equal(error.status, 404);
    assert.equal(error.bodyStart, '404 page not found');
    assert.match(error.message, /base path/);
  });

  it('an Origin that differs from Host gets the real 403 as a CaptureHandshakeError', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const error = await errorOf(endOf(s.bed, { container: s.t2, nif: 'eth0' }, { Origin: 'http://elsewhere.example' }));
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.bodyStart, 'Forbidden');
    assert.ok(error.message.includes('HTTP 403'));
  });

  it('a refused connection (a closed port of the service host) is a CaptureHandshakeError naming the URL', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const host = new URL(serviceUrl(s.bed, 'svc1')).hostname;
    const error = await errorOf(openCaptureSocket(`ws://${host}:5002/capture?netns=1`, {}, {}, { onChunk() {}, onEnd() {} }).ended);
    assert.ok(error instanceof CaptureHandshakeError, String(error));
    assert.equal(error.status, undefined);
    assert.ok(error.message.includes(`ws://${host}:5002/capture`), error.message);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('a failing writer (EPIPE) stops the capture gracefully; the end says the writer failed', { timeout: 120_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41104';
    const out = new CollectingWritable(1);
    out.on('error', () => undefined);
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 64, port: 41104 });
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureWriterError, String(error));
    assert.match(error.message, /EPIPE/);
    // Gracefully: our Close 1000 was echoed, and the server ended its dumpcap.
    assert.equal((await serverClose).code, 1000);
    await processGone(dumpcap.pid, 20_000);
  });

  it('a destroyed writer stops the capture gracefully', { timeout: 60_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const filter = 'udp port 41105';
    const out = new CollectingWritable();
    const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(s.bed), filter);
    out.destroy();
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    assert.ok((end as { error: Error }).error instanceof CaptureWriterError);
    assert.equal((await serverClose).code, 1000);
    await processGone(dumpcap.pid, 20_000);
  });

  it('50 sequential start/stop cycles leave no open sockets and no dumpcap of ours', { timeout: 600_000 }, async (t) => {
    const s = await setup(t);
    if (!s) return;
    const pf = packetflixPid(s.bed);
    const socketsBefore = openSocketCount();
    const pids: number[] = [];
    const filters: string[] = [];
    for (let i = 0; i < 50; i++) {
      const filter = `udp port ${41150 + i}`;
      filters.push(filter);
      const out = new CollectingWritable();
      const { streamer, serverClose } = streamInto(s.bed, out, { container: s.t2, nif: 'eth0', filter });
      await out.started;
      pids.push((await dumpcapWithFilter(pf, filter)).pid);
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      assert.equal((await serverClose).code, 1000);
    }
    assert.equal(new Set(pids).size, 50, 'each cycle ran its own dumpcap');
    await Promise.all(pids.map((pid) => processGone(pid, 30_000)));
    assert.deepEqual(filters.filter((f) => findDumpcap(pf, f) !== undefined), []);
    // Sockets close asynchronously after the end is reported; allow them a moment.
    for (let i = 0; i < 100 && openSocketCount() > socketsBefore; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(openSocketCount() <= socketsBefore, `open sockets: ${openSocketCount()} > ${socketsBefore}`);
  });
});
