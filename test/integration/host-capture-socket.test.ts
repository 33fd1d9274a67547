// The capture socket and CaptureStreamer against the wire-spec stand-in for Packetflix, which
// cannot be built here (test/support/packetflix-standin.ts); the stand-in runs REAL dumpcap in
// the test bed's namespaces.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  CaptureConnectionLostError,
  CaptureFailedError,
  CaptureHandshakeError,
  CaptureProtocolError,
  CaptureWriterError,
} from '../../src/core/capture-errors';
import { openCaptureSocket } from '../../src/core/capture-socket';
import type { CaptureSocketOptions } from '../../src/core/capture-socket';
import type { CaptureEnd } from '../../src/core/capture-source';
import { streamCaptureInto } from '../../src/core/capture-streamer';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin, StandinCapture } from '../support/packetflix-standin';
import { loadBed, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const TARGET_DESCRIPTION = 'docker container "t2-web" (stand-in)';

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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the stand-in's dumpcap has exited; fails the test if that takes over 10 s. */
async function dumpcapExits(capture: StandinCapture | undefined): Promise<void> {
  assert.ok(capture, 'the stand-in started no dumpcap');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  assert.notEqual(await Promise.race([capture.exited, timeout]), 'timeout', `dumpcap ${capture.pid} still running`);
  assert.equal(pidAlive(capture.pid), false);
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

describe('capture socket against the wire-spec stand-in for Packetflix (which cannot be built here)', () => {
  let bed: BedEnv;
  let standin: PacketflixStandin;
  let tmp: string;

  before(async () => {
    bed = await loadBed();
    standin = await startPacketflixStandin(bed);
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-host-'));
  });
  after(async () => {
    await standin?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const t2Target = (): string => JSON.stringify(standin.targets.find((t) => t.name === 't2-web'));
  const captureUrl = (params: Record<string, string>, base = standin.url): string =>
    `${base.replace(/^http/, 'ws')}/capture?${new URLSearchParams(params).toString()}`;
  const streamInto = (writable: Writable, params: Record<string, string>, options: CaptureSocketOptions = {}) => {
    const url = captureUrl(params);
    return streamCaptureInto(
      writable,
      (handlers) => openCaptureSocket(url, {}, { targetDescription: TARGET_DESCRIPTION, ...options }, handlers),
      { target: TARGET_DESCRIPTION, url },
    );
  };
  const endOf = (params: Record<string, string>, options: CaptureSocketOptions = {}, headers: Record<string, string> = {}): Promise<CaptureEnd> =>
    openCaptureSocket(captureUrl(params), headers, { targetDescription: TARGET_DESCRIPTION, ...options }, { onChunk() {}, onEnd() {} }).ended;
  const errorOf = async (end: Promise<CaptureEnd>): Promise<Error> => {
    const e = await end;
    assert.equal(e.kind, 'error', `expected an error end, got ${e.kind}`);
    return (e as { error: Error }).error;
  };

  it('captures 100 UDP datagrams sent while it runs (tshark reads them from the file)', async () => {
    const out = new CollectingWritable();
    const streamer = streamInto(out, { container: t2Target(), nif: 'eth0', filter: 'udp port 40100' });
    await out.started;
    const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 64, port: 40100 });
    assert.equal(sent.sent, 100);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const file = path.join(tmp, 'udp.pcapng');
    writeFileSync(file, Buffer.concat(out.chunks));
    const rows = await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 40100']);
    assert.equal(rows.length, 100);
    await dumpcapExits(standin.captures.at(-1));
  });

  it('stop() sends Close 1000 "ciao", is idempotent, and the stand-in ends its dumpcap', async () => {
    const out = new CollectingWritable();
    const streamer = streamInto(out, { container: t2Target() });
    await out.started;
    const capture = standin.captures.at(-1);
    const [a, b] = await Promise.all([streamer.stop(), streamer.stop()]);
    assert.deepEqual(a, { kind: 'stopped' });
    assert.equal(a, b);
    assert.equal(await streamer.wait(), a);
    await capture?.connectionClosed;
    assert.deepEqual(capture?.clientClose, { code: 1000, reason: 'ciao' });
    await dumpcapExits(capture);
  });

  it('stopAfter(ms) stops after the delay; wait() resolves with the same end', async () => {
    const out = new CollectingWritable();
    const streamer = streamInto(out, { container: t2Target() });
    const started = Date.now();
    const end = await streamer.stopAfter(400);
    assert.deepEqual(end, { kind: 'stopped' });
    assert.ok(Date.now() - started >= 400);
    assert.equal(await streamer.wait(), end);
    await dumpcapExits(standin.captures.at(-1));
  });

  it('server Close 1000 (dumpcap exited 0) ends as completed, and the client closes too', async () => {
    const out = new CollectingWritable();
    const streamer = streamInto(out, { container: t2Target() });
    await out.started;
    const capture = standin.captures.at(-1);
    assert.ok(capture);
    process.kill(capture.pid, 'SIGTERM');
    assert.deepEqual(await streamer.wait(), { kind: 'completed' });
    await capture.connectionClosed;
    assert.equal(capture.clientClose?.code, 1000);
    assert.equal(await streamer.stopAfter(10), await streamer.wait());
  });

  it('a bad filter is a CaptureFailedError carrying the server reason', async () => {
    const error = await errorOf(endOf({ container: t2Target(), filter: 'udp port (' }));
    assert.ok(error instanceof CaptureFailedError);
    assert.equal(error.closeCode, 1006);
    assert.match(error.reason ?? '', /^Invalid capture filter "udp port \(" for interface/);
    assert.match(error.message, /Invalid capture filter/);
    assert.match(error.message, /t2-web/);
    assert.ok(error.message.includes(`${standin.url.replace('http', 'ws')}/capture`));
  });

  it('an unknown interface, a process-less namespace, and a malformed target carry their reasons', async () => {
    const eth9 = await errorOf(endOf({ container: t2Target(), nif: 'eth9' }));
    assert.ok(eth9 instanceof CaptureFailedError);
    assert.equal(eth9.reason, 'There is no device named "eth9".');
    const empty = bed.namespaces.find((n) => n.host === 'empty');
    assert.ok(empty);
    const lock = await errorOf(endOf({ netns: String(empty.netns) }));
    assert.ok(lock instanceof CaptureFailedError);
    assert.equal(lock.reason, 'cannot lock target network stack');
    const malformed = await errorOf(endOf({ container: '{"name":' }));
    assert.ok(malformed instanceof CaptureFailedError);
    assert.match(malformed.reason ?? '', /^invalid container\/target description: /);
    const both = await errorOf(endOf({ container: t2Target(), netns: '1' }));
    assert.equal((both as CaptureFailedError).reason, 'container and netns query parameters are mutually exclusive');
  });

  it('a reason over 123 bytes (no Close frame at all) says that the server sent no reason', async () => {
    standin.behaviour.failureReason = `cannot update container meta data: ${'x'.repeat(120)}`;
    try {
      const error = await errorOf(endOf({ container: t2Target(), filter: 'udp port (' }));
      assert.ok(error instanceof CaptureFailedError);
      assert.equal(error.reason, undefined);
      assert.match(error.message, /the server closed the connection without a reason; Packetflix drops reasons longer than 123 bytes/);
    } finally {
      delete standin.behaviour.failureReason;
    }
  });

  for (const [status, body] of [
    [400, 'Bad Request: no upgrade for you'],
    [401, '<html>401 Authorization Required</html>'],
    [404, '404 page not found'],
  ] as const) {
    it(`a handshake answered with ${status} is a CaptureHandshakeError with the body start`, async () => {
      standin.behaviour.handshakeReply = { status, body };
      try {
        const error = await errorOf(endOf({ container: t2Target() }));
        assert.ok(error instanceof CaptureHandshakeError);
        assert.equal(error.status, status);
        assert.equal(error.bodyStart, body);
        assert.ok(error.message.includes(`HTTP ${status}`));
        assert.ok(error.message.includes(body));
      } finally {
        delete standin.behaviour.handshakeReply;
      }
    });
  }

  it('a wrong base path gets the real route 404 as a CaptureHandshakeError', async () => {
    const url = `${standin.url.replace('http', 'ws')}/edgeshark/capture?container=x`;
    const end = await openCaptureSocket(url, {}, {}, { onChunk() {}, onEnd() {} }).ended;
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureHandshakeError);
    assert.equal(error.status, 404);
    assert.match(error.message, /base path/);
  });

  it('a refused connection is a CaptureHandshakeError naming the URL', async () => {
    const error = await errorOf(openCaptureSocket('ws://127.0.0.1:1/capture?netns=1', {}, {}, { onChunk() {}, onEnd() {} }).ended);
    assert.ok(error instanceof CaptureHandshakeError);
    assert.equal(error.status, undefined);
    assert.match(error.message, /ws:\/\/127\.0\.0\.1:1\/capture/);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('a text message is a CaptureProtocolError, and the capture is closed', async () => {
    standin.behaviour.afterFirstMessage = 'text';
    try {
      const error = await errorOf(endOf({ container: t2Target() }));
      assert.ok(error instanceof CaptureProtocolError);
      assert.match(error.message, /text message/);
      await dumpcapExits(standin.captures.at(-1));
    } finally {
      delete standin.behaviour.afterFirstMessage;
    }
  });

  it('a reset connection is a CaptureConnectionLostError', async () => {
    standin.behaviour.afterFirstMessage = 'reset';
    try {
      const error = await errorOf(endOf({ container: t2Target() }));
      assert.ok(error instanceof CaptureConnectionLostError, String(error));
      await dumpcapExits(standin.captures.at(-1));
    } finally {
      delete standin.behaviour.afterFirstMessage;
    }
  });

  it('a server that never echoes the Close is force-closed after stopTimeout', async () => {
    standin.behaviour.neverEchoClose = true;
    try {
      const out = new CollectingWritable();
      const streamer = streamInto(out, { container: t2Target() }, { stopTimeoutMs: 300 });
      await out.started;
      const started = Date.now();
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      assert.ok(Date.now() - started < 5_000, 'the stop did not give up in time');
      await dumpcapExits(standin.captures.at(-1));
    } finally {
      delete standin.behaviour.neverEchoClose;
    }
  });

  it('a failing writer (EPIPE) stops the capture gracefully; the end says the writer failed', async () => {
    const out = new CollectingWritable(1);
    out.on('error', () => undefined);
    const streamer = streamInto(out, { container: t2Target() });
    await out.started;
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 64, port: 40101 });
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureWriterError);
    assert.match(error.message, /EPIPE/);
    const capture = standin.captures.at(-1);
    await capture?.connectionClosed;
    assert.deepEqual(capture?.clientClose, { code: 1000, reason: 'ciao' });
    await dumpcapExits(capture);
  });

  it('a destroyed writer stops the capture gracefully', async () => {
    const out = new CollectingWritable();
    const streamer = streamInto(out, { container: t2Target() });
    await out.started;
    out.destroy();
    const end = await streamer.wait();
    assert.equal(end.kind, 'error');
    assert.ok((end as { error: Error }).error instanceof CaptureWriterError);
    await dumpcapExits(standin.captures.at(-1));
  });

  it('50 sequential start/stop cycles leave no open sockets and no dumpcap', async () => {
    const socketsBefore = openSocketCount();
    const firstCycle = standin.captures.length;
    for (let i = 0; i < 50; i++) {
      const out = new CollectingWritable();
      const streamer = streamInto(out, { container: t2Target(), nif: 'eth0' });
      await out.started;
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    }
    const cycles = standin.captures.slice(firstCycle);
    assert.equal(cycles.length, 50);
    await Promise.all(cycles.map((c) => dumpcapExits(c)));
    // Sockets close asynchronously after the end is reported; allow them a moment.
    for (let i = 0; i < 50 && openSocketCount() > socketsBefore; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(openSocketCount() <= socketsBefore, `open sockets: ${openSocketCount()} > ${socketsBefore}`);
  });
});
