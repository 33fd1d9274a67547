// Fault fixture (a stand-in, not Packetflix): a WebSocket server that, like the real Packetflix
// while it looks a target up and starts dumpcap, reads nothing (so answers no ping) for a while
// after the upgrade, then sends the first message and reads again. The real server's silence is
// too short and too irregular to test on (usually well under a second; up to 20 s for a Gostwire
// look-up), so this fixture makes it long and exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { openCaptureSocket } from '../../../src/core/host/capture-socket';
import type { CaptureEnd } from '../../../src/core/capture-source';

const SHB = Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex');

test('stand-in fault: a server silent for 8 heartbeat intervals before its first message is not taken for dead; the heartbeat runs from that message on', async (t) => {
  const heartbeatMs = 100;
  const silentMs = 800;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  let pongsAfterFirst = 0;
  server.on('connection', (socket, request) => {
    // Read nothing while "starting": pings queue up unanswered in the kernel.
    request.socket.pause();
    setTimeout(() => {
      request.socket.resume();
      socket.send(SHB);
      socket.on('ping', () => pongsAfterFirst++);
    }, silentMs);
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/capture?netns=1`;

  const chunks: Buffer[] = [];
  let resolveEnd!: (end: CaptureEnd) => void;
  const ended = new Promise<CaptureEnd>((resolve) => {
    resolveEnd = resolve;
  });
  const session = openCaptureSocket(url, {}, { heartbeatMs, stopTimeoutMs: 2_000 }, { onChunk: (c) => chunks.push(c), onEnd: (e) => resolveEnd(e) });
  // Long enough after the first message for several heartbeat rounds.
  await new Promise((resolve) => setTimeout(resolve, silentMs + 6 * heartbeatMs));
  assert.equal(chunks.length, 1, 'the first message arrived and the capture is still open');
  assert.ok(pongsAfterFirst >= 2, `the heartbeat pinged after the first message (${pongsAfterFirst} pings seen)`);
  assert.deepEqual(await session.stop(), { kind: 'stopped' });
  assert.deepEqual(await ended, { kind: 'stopped' });
});
