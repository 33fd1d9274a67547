// The capture socket's client heartbeat against the bed's REAL Packetflix (svc1), through a TCP
// relay that counts the WebSocket frames in both directions: an idle but healthy capture is kept
// alive by the server's pongs (gorilla/websocket answers every ping while Packetflix reads the
// socket), and a session paused for backpressure sends no pings and is not taken for a dead
// service. Packetflix reads the socket (and so answers pings) only once its dumpcap has started:
// between the upgrade and then (parameters, a Gostwire lookup for a stale target of up to 20 s,
// the namespace lock, starting dumpcap) pings wait. The heartbeat here is 1 s, well beyond the
// few hundred ms that start takes on this busy machine (150 ms ended captures before their start).
// A stalled service cannot be produced with the shared real server without freezing it for
// everyone, so those tests are in host-heartbeat-standin.test.ts (a fault fixture).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import type { CaptureEnd } from '../../src/core/capture-source';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { bedServiceHost, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle, startFrameCountingRelay } from '../support/host-transport';
import type { FrameCountingRelay, FrameCounts } from '../support/host-transport';
import { processGone } from '../support/processes';
import { loadBed, requireServices, sendUdp, serviceUrl } from '../support/testbed';

describe('client heartbeat against the real Packetflix (svc1)', () => {
  let tmp: string;
  let relay: FrameCountingRelay | undefined;
  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-heartbeat-'));
    const bed = await loadBed().catch(() => undefined);
    // Without the real services every test skips (or fails in CI) through requireServices.
    if (bed?.services.available) relay = await startFrameCountingRelay(serviceUrl(bed, 'svc1'));
  });
  after(async () => {
    await relay?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const PING = 0x9;
  const PONG = 0xa;
  const BINARY = 0x2;
  /** A snapshot of one connection's frame counts: client pings, server pongs, server data messages. */
  const frames = (c: FrameCounts) => ({
    pings: c.fromClient.get(PING) ?? 0,
    pongs: c.fromServer.get(PONG) ?? 0,
    data: c.fromServer.get(BINARY) ?? 0,
  });

  /** Opens a capture of t2's eth0 with `filter` on the real svc1 (through the relay); `first` resolves with the first chunk. */
  const open = async (t: TestContext, heartbeatMs: number, filter: string) => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    assert.ok(relay, 'the frame-counting relay did not start');
    const tank = newSharkTankOnHost(relay.url, { heartbeatMs });
    const connectionsBefore = relay.connections.length;
    const target = findBedTarget(await tank.targets(), bed, 't2');
    const chunks: Buffer[] = [];
    let markFirst!: () => void;
    const first = new Promise<void>((resolve) => {
      markFirst = resolve;
    });
    let resolveEnd!: (end: CaptureEnd) => void;
    const ended = new Promise<CaptureEnd>((resolve) => {
      resolveEnd = resolve;
    });
    const session = tank.openCapture(target, { nifs: ['eth0'], filter }, {
      onChunk: (chunk) => {
        chunks.push(chunk);
        markFirst();
      },
      onEnd: (e) => resolveEnd(e),
    });
    const end = await Promise.race([first.then(() => undefined), ended]);
    assert.equal(end, undefined, `the capture ended before it started: ${JSON.stringify(end)}`);
    const dumpcaps = serviceDumpcapsWithFilter(bedServiceHost(bed, 'svc1'), filter);
    assert.equal(dumpcaps.length, 1, 'the real Packetflix runs one dumpcap for the capture');
    assert.equal(relay.connections.length, connectionsBefore + 1, 'the capture WebSocket went through the relay');
    return { bed, session, ended, chunks, dumpcap: dumpcaps[0]!, frames: relay.connections.at(-1)! };
  };

  const bytes = (chunks: readonly Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);

  it('a healthy but idle capture: the real Packetflix answers pings and the heartbeat does not end it', async (t) => {
    // Nobody sends to this port: no data flows, so only pongs can satisfy the heartbeat.
    const heartbeatMs = 1_000;
    const idleMs = 6_000;
    const run = await open(t, heartbeatMs, 'udp port 42200');
    if (!run) return;
    // The header blocks may come in more than one message: wait until nothing has come for 500 ms.
    let before = -1;
    for (let i = 0; i < 20 && before !== bytes(run.chunks); i++) {
      before = bytes(run.chunks);
      await settle(500);
    }
    const start = frames(run.frames);
    const outcome = await Promise.race([run.ended, settle(idleMs).then(() => 'alive' as const)]);
    assert.equal(outcome, 'alive', `the heartbeat ended a healthy capture: ${JSON.stringify(outcome)}`);
    const end = frames(run.frames);
    assert.equal(bytes(run.chunks), before, 'no capture data came while idle: only pongs kept the heartbeat satisfied');
    assert.equal(end.data, start.data, 'the server sent no data message while idle');
    const pings = end.pings - start.pings;
    const pongs = end.pongs - start.pongs;
    // A ping every interval (timers on a busy machine may fire late, never early).
    assert.ok(pings >= 3 && pings <= Math.ceil(idleMs / heartbeatMs) + 1, `${pings} pings in ${idleMs} ms`);
    // Every ping answered; the last one may still be on its way.
    assert.ok(pongs >= pings - 1 && pongs <= pings + 1, `${pings} pings, ${pongs} pongs`);
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(run.bed, 'svc1'), 'udp port 42200').map((d) => d.pid), [run.dumpcap.pid],
      'the server still captures');
    assert.deepEqual(await run.session.stop(), { kind: 'stopped' });
    await processGone(run.dumpcap.pid);
    t.diagnostic(`${idleMs} ms idle with a ${heartbeatMs} ms heartbeat: ${pings} pings, ${pongs} pongs from the real Packetflix, still running`);
  });

  it('a paused session (backpressure) is not taken for a dead service; what came meanwhile arrives after resume', async (t) => {
    const port = 42201;
    const heartbeatMs = 1_000;
    const run = await open(t, heartbeatMs, `udp port ${port}`);
    if (!run) return;
    run.session.pause();
    const pausedAt = frames(run.frames);
    // Datagrams captured while paused queue up in the server and the socket buffers.
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 64, port });
    // Paused for longer than the heartbeat could ever wait (two intervals) and a margin.
    const outcome = await Promise.race([run.ended, settle(3 * heartbeatMs).then(() => 'alive' as const)]);
    assert.equal(outcome, 'alive', `a paused session ended: ${JSON.stringify(outcome)}`);
    // The heartbeat is suspended while paused (pongs could not be read anyway).
    assert.equal(frames(run.frames).pings, pausedAt.pings, 'no ping while paused');
    run.session.resume();
    await settle(2 * heartbeatMs);
    assert.deepEqual(await run.session.stop(), { kind: 'stopped' });
    await processGone(run.dumpcap.pid);
    assert.equal(await countUdpDatagrams(run.chunks, tmp, 'paused', port), 20);
    assert.ok(frames(run.frames).pings > pausedAt.pings, 'the heartbeat came back after resume');
  });
});
