// Node-RED (4.1, node-red-node-test-helper, in this process): 50 redeploys of a flow with two
// captures running (t1 and t2, started on deploy) through the bed's nginx (TLS with the bed's CA
// from a tls-config node, the token, /edgeshark) in front of svc1's REAL Packetflix. Each deploy
// waits until both captures run (the server runs both dumpcaps), then the flow is stopped as a
// redeploy stops it: every close must end inside Node-RED's 15 s budget, no dumpcap of ours may be
// left on the server, and this process's file descriptors, sockets, timers and heap (after GC)
// must come back to where they were. UDP ports 50400-50499 are this file's (filters only).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { findBedTarget } from '../support/host-transport';
import { helper } from '../support/nodered';
import { serverDumpcapsFiltering, storedTarget } from '../support/nodered-host';
import { processGone } from '../support/processes';
import { requireNginx, sendUdp } from '../support/testbed';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsNode = require('@node-red/nodes/core/network/05-tls.js') as unknown;
const NODES = [tlsNode, hostNode, captureNode];
const CYCLES = Number(process.env.CSHARG_REDEPLOYS ?? 50);
const NODE_RED_CLOSE_BUDGET_MS = 15_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function fds(): number {
  return readdirSync('/proc/self/fd').length;
}

function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}

describe('Node-RED through the bed\'s nginx in front of the real Packetflix: redeploys of a flow with two running captures', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  it(`${CYCLES} redeploys: every close inside Node-RED's 15 s budget, no dumpcap left on the server, fds, sockets, timers and heap back to the start`, { timeout: 1_800_000 }, async (t) => {
    const s = await requireNginx(t);
    if (!s) return;
    const pfPid = s.bed.services.hosts.find((h) => h.name === 'svc1')?.packetflixPid;
    assert.ok(pfPid);
    const svc = { bed: s.bed, url: s.nginx.url, packetflixPid: pfPid };
    // On failure: stop the flow, and make any dumpcap of ours left on the server write (and so end
    // on its broken pipe) with a few datagrams to its port; the bed's services are never signalled.
    t.after(async () => {
      await helper.unload();
      for (const port of [50401, 50402]) await sendUdp({ from: port === 50401 ? 't2' : 't1', to: port === 50401 ? 't1' : 't2', count: 3, rate: 50, size: 8, port });
    });
    const targets = await newSharkTankOnHost(s.nginx.url, { tls: { ca: readFileSync(s.nginx.caFile) }, bearerToken: s.nginx.token, proxy: false }).targets();
    const captures = [
      { id: 'cap1', target: storedTarget(findBedTarget(targets, s.bed, 't1')), filter: 'udp port 50401' },
      { id: 'cap2', target: storedTarget(findBedTarget(targets, s.bed, 't2')), filter: 'udp port 50402' },
    ];
    const flow = [
      { id: 'f1', type: 'tab' },
      { id: 'tls', type: 'tls-config', cert: '', key: '', ca: s.nginx.caFile, verifyservercert: true },
      { id: 'host', type: 'edgeshark-host', source: 'url', url: s.nginx.url, tls: 'tls', timeout: 30 },
      ...captures.map((c) => ({ id: c.id, z: 'f1', type: 'edgeshark-capture', host: 'host', target: c.target, interfaces: ['eth0'], filter: c.filter, start: 'deploy', output: 'packets', wires: [[]] })),
    ];

    /** One deploy: both captures running on the server; then the stop a redeploy does; returns its duration. */
    const cycle = async (): Promise<{ closeMs: number; dumpcaps: number[] }> => {
      await helper.load(NODES, flow, { host: { token: s.nginx.token } });
      // Both run when the server runs a dumpcap for each (found by its filter).
      const dumpcaps: number[] = [];
      for (const c of captures) {
        const deadline = Date.now() + 45_000;
        for (;;) {
          const found = serverDumpcapsFiltering(svc, c.filter);
          if (found.length === 1) {
            dumpcaps.push(found[0]!.pid);
            break;
          }
          if (Date.now() > deadline) throw new Error(`the server runs ${found.length} dumpcaps with ${c.filter}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      // Let the streams start (the SHB comes within tens of ms) before the redeploy stops them: a
      // Close that reaches Packetflix at the very moment its dumpcap starts can leave that dumpcap
      // running (seen once in 150 cycles without this pause; see RELIABILITY.md).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await helper.unload();
      return { closeMs: Date.now() - started, dumpcaps };
    };

    // A first cycle warms up (module loading, TLS session, nginx worker), then the baseline.
    const warm = await cycle();
    for (const pid of warm.dumpcaps) await processGone(pid, 15_000);
    const startFds = fds();
    const startHandles = handles();
    const startHeap = await settledHeap();
    const closeMs: number[] = [];
    let peakHeap = startHeap;
    for (let i = 0; i < CYCLES; i++) {
      const r = await cycle();
      closeMs.push(r.closeMs);
      assert.ok(r.closeMs < NODE_RED_CLOSE_BUDGET_MS, `cycle ${i}: the flow took ${r.closeMs} ms to close (Node-RED allows 15000)`);
      for (const pid of r.dumpcaps) await processGone(pid, 15_000);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    for (const c of captures) assert.deepEqual(serverDumpcapsFiltering(svc, c.filter), [], `no dumpcap with ${c.filter} left on the server`);

    // Sockets close a moment after the stop; wait (bounded) for them, then compare.
    const deadline = Date.now() + 20_000;
    while (fds() > startFds && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const endHeap = await settledHeap();
    const endHandles = handles();
    const sorted = [...closeMs].sort((a, b) => a - b);
    t.diagnostic(`closes: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms; fds ${startFds} -> ${fds()}; heap ${(startHeap / 2 ** 20).toFixed(1)} -> peak ${(peakHeap / 2 ** 20).toFixed(1)} -> ${(endHeap / 2 ** 20).toFixed(1)} MiB; handles ${JSON.stringify(startHandles)} -> ${JSON.stringify(endHandles)}`);
    assert.ok(fds() <= startFds, `file descriptors: ${startFds} at the start, ${fds()} after ${CYCLES} redeploys`);
    for (const kind of ['TCPSocketWrap', 'TLSWrap', 'Timeout']) {
      assert.ok((endHandles[kind] ?? 0) <= (startHandles[kind] ?? 0), `${kind}: ${startHandles[kind] ?? 0} at the start, ${endHandles[kind] ?? 0} after`);
    }
    // The heap after GC returns to where it was, give or take 4 MiB of runtime caches (not a leak: a
    // leak of two captures per cycle would grow with the 50 cycles).
    assert.ok(endHeap - startHeap < 4 * 2 ** 20, `heap after GC: ${(startHeap / 2 ** 20).toFixed(1)} -> ${(endHeap / 2 ** 20).toFixed(1)} MiB`);
  });
});
