// The capture socket's client heartbeat against the bed's REAL Packetflix (svc1): an idle but
// healthy capture is kept alive by the server's pongs (gorilla/websocket answers every ping while
// Packetflix reads the socket), and a session paused for backpressure is not taken for a dead
// service. A stalled service cannot be produced with the shared real server without freezing it
// for everyone, so those tests are in host-heartbeat-standin.test.ts (a fault fixture).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import type { CaptureEnd } from '../../src/core/capture-source';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import { bedServiceHost, countUdpDatagrams, findBedTarget, serviceDumpcapsWithFilter, settle } from '../support/host-transport';
import { processGone } from '../support/processes';
import { requireServices, sendUdp, serviceUrl } from '../support/testbed';

describe('client heartbeat against the real Packetflix (svc1)', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-heartbeat-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Opens a capture of t2's eth0 with `filter` on the real svc1; `first` resolves with the first chunk. */
  const open = async (t: TestContext, heartbeatMs: number, filter: string) => {
    const bed = await requireServices(t);
    if (!bed) return undefined;
    const tank = newSharkTankOnHost(serviceUrl(bed, 'svc1'), { heartbeatMs });
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
    return { bed, session, ended, chunks, dumpcap: dumpcaps[0]! };
  };

  const bytes = (chunks: readonly Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);

  it('a healthy but idle capture: the real Packetflix answers pings and the heartbeat does not end it', async (t) => {
    // Nobody sends to this port: no data flows, so only pongs can satisfy the heartbeat.
    const heartbeatMs = 150;
    const idleMs = 3_000;
    const run = await open(t, heartbeatMs, 'udp port 42200');
    if (!run) return;
    await settle(500);
    const before = bytes(run.chunks);
    const outcome = await Promise.race([run.ended, settle(idleMs).then(() => 'alive' as const)]);
    assert.equal(outcome, 'alive', `the heartbeat ended a healthy capture: ${JSON.stringify(outcome)}`);
    assert.equal(bytes(run.chunks), before, 'no capture data came while idle: only pongs kept the heartbeat satisfied');
    assert.deepEqual(serviceDumpcapsWithFilter(bedServiceHost(run.bed, 'svc1'), 'udp port 42200').map((d) => d.pid), [run.dumpcap.pid],
      'the server still captures');
    assert.deepEqual(await run.session.stop(), { kind: 'stopped' });
    await processGone(run.dumpcap.pid);
    t.diagnostic(`${idleMs} ms idle with a ${heartbeatMs} ms heartbeat (about ${Math.floor(idleMs / heartbeatMs)} pings): still running`);
  });

  it('a paused session (backpressure) is not taken for a dead service; what came meanwhile arrives after resume', async (t) => {
    const port = 42201;
    const run = await open(t, 150, `udp port ${port}`);
    if (!run) return;
    run.session.pause();
    // Datagrams captured while paused queue up in the server and the socket buffers.
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 64, port });
    const outcome = await Promise.race([run.ended, settle(1_500).then(() => 'alive' as const)]);
    assert.equal(outcome, 'alive', `a paused session ended: ${JSON.stringify(outcome)}`);
    run.session.resume();
    await settle(1_000);
    assert.deepEqual(await run.session.stop(), { kind: 'stopped' });
    await processGone(run.dumpcap.pid);
    assert.equal(await countUdpDatagrams(run.chunks, tmp, 'paused', port), 20);
  });
});
