// The capture socket's client heartbeat against a stand-in fault: the wire-spec stand-in for
// Packetflix (test/support/packetflix-standin.ts, REAL dumpcap) told to stall after its first
// message, sending nothing more and reading nothing more, so pings go unanswered as with a
// Packetflix frozen by SIGSTOP. The real Packetflix cannot be made to stall without freezing the
// bed's shared service (the stand-in runs in this process, so it cannot be frozen itself either).
// The healthy cases run against the real Packetflix in host-heartbeat.test.ts.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CaptureConnectionLostError } from '../../src/core/capture-errors';
import type { CaptureEnd } from '../../src/core/capture-source';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin, StandinCapture } from '../support/packetflix-standin';
import { loadBed } from '../support/testbed';

async function dumpcapExits(capture: StandinCapture | undefined): Promise<void> {
  assert.ok(capture, 'the stand-in started no dumpcap');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref());
  assert.notEqual(await Promise.race([capture.exited, timeout]), 'timeout', `dumpcap ${capture.pid} still running`);
}

describe('client heartbeat against a stand-in fault (wire-spec stand-in for Packetflix stalls)', () => {
  let standin: PacketflixStandin;
  let target: Target;

  before(async () => {
    standin = await startPacketflixStandin(await loadBed());
    const found = (await newSharkTankOnHost(standin.url).targets()).find((t) => t.name === 't2-web');
    assert.ok(found);
    target = found;
  });
  afterEach(() => {
    delete standin.behaviour.afterFirstMessage;
  });
  after(async () => {
    await standin?.close();
  });

  /** Opens a capture; `first` resolves with the first chunk, `ended` with the end. */
  const open = (heartbeatMs: number, stopTimeout = 5_000) => {
    const tank = newSharkTankOnHost(standin.url, { heartbeatMs, stopTimeout });
    let markFirst!: () => void;
    const first = new Promise<void>((resolve) => {
      markFirst = resolve;
    });
    let resolveEnd!: (end: CaptureEnd) => void;
    const ended = new Promise<CaptureEnd>((resolve) => {
      resolveEnd = resolve;
    });
    const session = tank.openCapture(target, { nifs: ['eth0'] }, { onChunk: () => markFirst(), onEnd: (e) => resolveEnd(e) });
    return { session, first, ended };
  };

  it('a stalled stand-in ends the capture with CaptureConnectionLostError "stopped answering"', async (t) => {
    standin.behaviour.afterFirstMessage = 'stall';
    const heartbeatMs = 300;
    const { first, ended } = open(heartbeatMs);
    await first;
    const stalledAt = Date.now();
    const end = await ended;
    const detectedMs = Date.now() - stalledAt;
    assert.equal(end.kind, 'error');
    const error = (end as { error: Error }).error;
    assert.ok(error instanceof CaptureConnectionLostError, String(error));
    assert.match(error.message, /the service stopped answering: no pong and no data within 300 ms of a ping/);
    assert.match(error.message, /t2-web/);
    t.diagnostic(`heartbeat ${heartbeatMs} ms: stall detected after ${detectedMs} ms`);
    // The client hung up, so the server side ends its dumpcap.
    await dumpcapExits(standin.captures.at(-1));
  });

  it('heartbeatMs 0 turns it off: a stalled stand-in is then only ended by the user (bounded stop)', async () => {
    standin.behaviour.afterFirstMessage = 'stall';
    const { session, first, ended } = open(0, 300);
    await first;
    const outcome = await Promise.race([ended, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 1_000))]);
    assert.equal(outcome, 'alive');
    assert.deepEqual(await session.stop(), { kind: 'stopped' });
    await dumpcapExits(standin.captures.at(-1));
  });
});
