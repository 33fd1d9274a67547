// attachCaptureSocket on a WebSocket that is already OPEN, against the bed's REAL Packetflix v0.9.7
// (svc1). The session reads the raw socket (for the reason of Packetflix's failure close, which
// ws rejects, and to tell a hang-up from a broken connection) only through documented paths: ws's
// 'upgrade' event and Node's IncomingMessage.socket. Attached while connecting it takes the socket
// from there itself (host-capture-socket.test.ts); attached later, the caller gives it as
// options.rawSocket. These tests show both sides: with it the real reason comes back; without it
// the failure is still a CaptureFailedError, saying the reason could not be recovered.
// Traffic: UDP 44000-44099 only; each capture filter names this file's ports.
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { CaptureFailedError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { attachCaptureSocket, captureClientOptions } from '../../src/core/host/capture-socket';
import type { CaptureSocketOptions, CaptureSocketSession } from '../../src/core/host/capture-socket';
import { BlockType } from '../../src/core/pcapng/constants';
import { bedNamespace, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const TARGET_DESCRIPTION = 'proc "csharg-t2" of the test bed';

interface Attached {
  session: CaptureSocketSession;
  chunks: Buffer[];
  /** the first chunk (the SHB) arrived */
  started: Promise<void>;
}

/**
 * Opens a capture WebSocket of t2's eth0 and attaches the session only once the socket is open
 * (in its 'open' event, before any message), with or without the raw socket from 'upgrade'.
 */
async function attachWhenOpen(bed: BedEnv, filter: string, withRawSocket: boolean, options: CaptureSocketOptions = {}): Promise<Attached> {
  const response = await fetch(`${serviceUrl(bed, 'svc1')}/discover/mobyshark`, { signal: AbortSignal.timeout(30_000) });
  const { containers } = (await response.json()) as { containers: Array<{ name: string; netns: number }> };
  const ns = bedNamespace(bed, 't2');
  const t2 = containers.find((c) => c.netns === ns.netns && c.name === `${ns.name}(${ns.keeperPid})`);
  assert.ok(t2, "discovery lists t2's keeper");
  const params = new URLSearchParams({ container: JSON.stringify(t2), nif: 'eth0', filter });
  const url = `${serviceUrl(bed, 'svc1').replace(/^http/, 'ws')}/capture?${params.toString()}`;
  const websocket = new WebSocket(url, captureClientOptions({}, options));
  let rawSocket: Duplex | undefined;
  websocket.once('upgrade', (res) => {
    rawSocket = res.socket;
  });
  const chunks: Buffer[] = [];
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const session = await new Promise<CaptureSocketSession>((resolve, reject) => {
    websocket.once('error', reject);
    websocket.once('open', () => {
      assert.equal(websocket.readyState, WebSocket.OPEN);
      websocket.off('error', reject);
      resolve(
        attachCaptureSocket(
          websocket,
          { targetDescription: TARGET_DESCRIPTION, ...options, ...(withRawSocket && rawSocket ? { rawSocket } : {}) },
          {
            onChunk: (chunk) => {
              chunks.push(chunk);
              markStarted();
            },
            onEnd: () => undefined,
          },
        ),
      );
    });
  });
  if (withRawSocket) assert.ok(rawSocket, "ws's 'upgrade' event gave the response's socket");
  return { session, chunks, started };
}

async function errorOf(end: Promise<CaptureEnd>): Promise<Error> {
  const e = await end;
  assert.equal(e.kind, 'error', `expected an error end, got ${JSON.stringify(e)}`);
  return (e as { error: Error }).error;
}

describe('attachCaptureSocket on an open WebSocket, against the REAL Packetflix of the test bed', () => {
  const bedFor = (t: TestContext): Promise<BedEnv | undefined> => requireServices(t);

  it("with the raw socket from ws's 'upgrade' event, a bad filter's real reason is recovered from the 1006 Close", { timeout: 60_000 }, async (t) => {
    const bed = await bedFor(t);
    if (!bed) return;
    const filter = 'udp port 44001 and (';
    const { session } = await attachWhenOpen(bed, filter, true);
    const error = await errorOf(session.ended);
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.closeCode, 1006);
    assert.equal(error.reason, `Invalid capture filter "${filter}" for interface 'eth0'.`);
  });

  it('without the raw socket, the same failure is a CaptureFailedError that says its reason could not be recovered', { timeout: 60_000 }, async (t) => {
    const bed = await bedFor(t);
    if (!bed) return;
    const { session } = await attachWhenOpen(bed, 'udp port 44002 and (', false);
    const error = await errorOf(session.ended);
    assert.ok(error instanceof CaptureFailedError, String(error));
    assert.equal(error.reason, undefined);
    assert.match(error.message, /the server sent a failure Close \(.*\) whose reason could not be recovered/);
  });

  it('a session attached at open receives the whole capture (SHB first, every datagram) and stops gracefully', { timeout: 120_000 }, async (t) => {
    const bed = await bedFor(t);
    if (!bed) return;
    const port = 44010;
    const { session, chunks, started } = await attachWhenOpen(bed, `udp port ${port}`, true);
    await started;
    assert.equal(chunks[0]!.readUInt32LE(0), BlockType.SHB, 'the first chunk starts with a Section Header Block');
    const sent = await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 64, port });
    assert.equal(sent.sent, 20);
    // Enhanced Packet Blocks of UDP to our port, counted in the received stream.
    const countPackets = (): number => {
      const stream = Buffer.concat(chunks);
      let n = 0;
      for (let at = 0; at + 12 <= stream.length; at += stream.readUInt32LE(at + 4)) {
        if (stream.readUInt32LE(at + 4) < 12 || at + stream.readUInt32LE(at + 4) > stream.length) break;
        if (stream.readUInt32LE(at) === BlockType.EPB) n++;
      }
      return n;
    };
    for (let waited = 0; countPackets() < 20 && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await session.stop(), { kind: 'stopped' });
    assert.equal(countPackets(), 20);
  });
});
