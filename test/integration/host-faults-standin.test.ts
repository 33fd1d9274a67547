// Faults of the host client that the REAL Packetflix/Gostwire of the test bed cannot be made to
// produce, against the wire-spec stand-in (test/support/packetflix-standin.ts: a Node server that
// follows ../shared/spec/edgeshark-wire.md and runs the real dumpcap in the bed's namespaces).
// Every other host-client test runs against the real services (host-shark-tank, host-captures,
// host-capture-socket, host-proof). Why each fault needs the stand-in:
// - discovery 502, 200 with a non-JSON body: Packetflix answers 502 only when its Gostwire is down,
//   and the bed's Gostwire is shared by every test running at the same time (stopping it is not
//   allowed); a non-JSON 200 comes only from something in front of Packetflix (a login page).
// - a discovery that never answers: the real Gostwire always answers (its slowness is tested for
//   real in host-shark-tank with a short timeout, but "never" cannot be made).
// - handshake statuses 400, 401, 500: Packetflix answers an upgrade only with 101, 403 (Origin
//   differs from Host), 404 (wrong path) or 405; a WebSocket client always sends a valid upgrade,
//   so 400 never comes, and 401/500 come only from an authenticating proxy in front.
// - a text message, a reset connection, a Close never echoed: Packetflix sends binary messages
//   only, closes its TCP connection orderly, and gorilla/websocket echoes every Close.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  CaptureConnectionLostError,
  CaptureHandshakeError,
  CaptureProtocolError,
  DiscoveryError,
} from '../../src/core/capture-errors';
import { openCaptureSocket } from '../../src/core/host/capture-socket';
import type { CaptureSocketOptions } from '../../src/core/host/capture-socket';
import type { CaptureEnd } from '../../src/core/capture-source';
import { streamCaptureInto } from '../../src/core/capture-streamer';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { Collector } from '../support/collector';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin, StandinCapture } from '../support/packetflix-standin';
import { loadBed, requireBed } from '../support/testbed';

const TARGET_DESCRIPTION = 'docker container "t2-web" (stand-in)';

/** Resolves when the stand-in's dumpcap has exited; fails the test if that takes over 10 s. */
async function dumpcapExits(capture: StandinCapture | undefined): Promise<void> {
  assert.ok(capture, 'the stand-in started no dumpcap');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  assert.notEqual(await Promise.race([capture.exited, timeout]), 'timeout', `dumpcap ${capture.pid} still running`);
  assert.throws(() => process.kill(capture.pid, 0), /ESRCH/);
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

describe('host-client faults the real Packetflix cannot produce, against the stand-in', () => {
  let standin: PacketflixStandin | undefined;
  let ready = false;

  before(async () => {
    // Without the bed this fails quietly; each test then skips (or fails, in CI) via requireBed.
    try {
      standin = await startPacketflixStandin(await loadBed());
      ready = true;
    } catch {
      ready = false;
    }
  });
  after(async () => {
    await standin?.close();
  });

  /** The stand-in, or undefined after requireBed skipped (or failed, in CI) the test. */
  const use = async (t: Parameters<typeof requireBed>[0]): Promise<PacketflixStandin | undefined> => {
    const bed = await requireBed(t);
    if (!bed) return undefined;
    assert.ok(ready && standin, 'the stand-in did not start');
    return standin;
  };
  const t2Target = (s: PacketflixStandin): string => JSON.stringify(s.targets.find((t) => t.name === 't2-web'));
  const captureUrl = (s: PacketflixStandin, params: Record<string, string>): string =>
    `${s.url.replace(/^http/, 'ws')}/capture?${new URLSearchParams(params).toString()}`;
  const endOf = (s: PacketflixStandin, params: Record<string, string>, options: CaptureSocketOptions = {}): Promise<CaptureEnd> =>
    openCaptureSocket(captureUrl(s, params), {}, { targetDescription: TARGET_DESCRIPTION, ...options }, { onChunk() {}, onEnd() {} }).ended;
  const errorOf = async (end: Promise<CaptureEnd>): Promise<Error> => {
    const e = await end;
    assert.equal(e.kind, 'error', `expected an error end, got ${e.kind}`);
    return (e as { error: Error }).error;
  };

  it('stand-in: discovery answered 502 with a non-JSON body is a DiscoveryError naming URL, status and body', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.discovery = { status: 502, body: 'Bad Gateway: dial tcp 127.0.0.1:5000: connection refused' };
    try {
      const err = await newSharkTankOnHost(s.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError);
      assert.equal(err.status, 502);
      assert.ok(err.message.includes(`${s.url}/discover/mobyshark`));
      assert.match(err.message, /502/);
      assert.match(err.message, /Bad Gateway: dial tcp/);
    } finally {
      delete s.behaviour.discovery;
    }
  });

  it('stand-in: discovery with a 200 non-JSON body is a DiscoveryError with the body start', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.discovery = { status: 200, body: '<html>login</html>' };
    try {
      const notJson = await newSharkTankOnHost(s.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(notJson instanceof DiscoveryError);
      assert.match(notJson.message, /not JSON: <html>login<\/html>/);
    } finally {
      delete s.behaviour.discovery;
    }
  });

  it('stand-in: a discovery that never answers is a DiscoveryError after the timeout', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.discovery = 'hang';
    try {
      const hung = await newSharkTankOnHost(s.url, { timeout: 300 }).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(hung instanceof DiscoveryError);
      assert.match(hung.message, /no answer within 300 ms/);
    } finally {
      delete s.behaviour.discovery;
    }
  });

  for (const [status, body] of [
    [400, 'Bad Request: no upgrade for you'],
    [401, '<html>401 Authorization Required</html>'],
    [500, 'Internal Server Error: upstream exploded'],
  ] as const) {
    it(`stand-in: a handshake answered with ${status} is a CaptureHandshakeError with the body start`, async (t) => {
      const s = await use(t);
      if (!s) return;
      s.behaviour.handshakeReply = { status, body };
      try {
        const error = await errorOf(endOf(s, { container: t2Target(s) }));
        assert.ok(error instanceof CaptureHandshakeError);
        assert.equal(error.status, status);
        assert.equal(error.bodyStart, body);
        assert.ok(error.message.includes(`HTTP ${status}`));
        assert.ok(error.message.includes(body));
      } finally {
        delete s.behaviour.handshakeReply;
      }
    });
  }

  it('stand-in: a text message is a CaptureProtocolError, and the capture is closed', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.afterFirstMessage = 'text';
    try {
      const error = await errorOf(endOf(s, { container: t2Target(s) }));
      assert.ok(error instanceof CaptureProtocolError);
      assert.match(error.message, /text message/);
      await dumpcapExits(s.captures.at(-1));
    } finally {
      delete s.behaviour.afterFirstMessage;
    }
  });

  it('stand-in: a reset connection is a CaptureConnectionLostError', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.afterFirstMessage = 'reset';
    try {
      const error = await errorOf(endOf(s, { container: t2Target(s) }));
      assert.ok(error instanceof CaptureConnectionLostError, String(error));
      await dumpcapExits(s.captures.at(-1));
    } finally {
      delete s.behaviour.afterFirstMessage;
    }
  });

  it('stand-in: a server that never echoes the Close is force-closed after stopTimeout', async (t) => {
    const s = await use(t);
    if (!s) return;
    s.behaviour.neverEchoClose = true;
    try {
      const socketsBefore = openSocketCount();
      const out = new Collector();
      const url = captureUrl(s, { container: t2Target(s) });
      const streamer = streamCaptureInto(
        out,
        (handlers) => openCaptureSocket(url, {}, { targetDescription: TARGET_DESCRIPTION, stopTimeoutMs: 300 }, handlers),
        { target: TARGET_DESCRIPTION, url },
      );
      await out.started;
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      await dumpcapExits(s.captures.at(-1));
      // The forced close leaves no socket behind.
      for (let i = 0; i < 50 && openSocketCount() > socketsBefore; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(openSocketCount() <= socketsBefore, `open sockets: ${openSocketCount()} > ${socketsBefore}`);
    } finally {
      delete s.behaviour.neverEchoClose;
    }
  });
});
