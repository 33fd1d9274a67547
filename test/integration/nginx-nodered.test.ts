// The edgeshark-host config node (service mode) in Node-RED 4.1 (node-red-node-test-helper) through
// the test bed's nginx in front of svc1's REAL Packetflix: Node-RED's own tls-config node with the
// bed's CA file, the token credential and the /edgeshark prefix (also the query-dropping
// location); a wrong token shows a 401 on the capture node. UDP ports 50300-50399 are this file's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import captureNode from '../../src/nodes/edgeshark-capture';
import hostNode from '../../src/nodes/edgeshark-host';
import type { PacketPayload } from '../../src/nodes/lib/packet-message';
import { collect, helper, mustGetNode, statusText, udpOf, waitForStatus } from '../support/nodered';
import { serverDumpcapFiltering, serverDumpcapsFiltering, storedTarget } from '../support/nodered-host';
import type { ServiceHost } from '../support/nodered-host';
import { findBedTarget } from '../support/host-transport';
import { processGone } from '../support/processes';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { requireNginx, sendUdp } from '../support/testbed';
import type { BedNginx } from '../support/testbed';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsNode = require('@node-red/nodes/core/network/05-tls.js') as unknown;
const NODES = [tlsNode, hostNode, captureNode];

describe('edgeshark-host node through the bed\'s nginx (tls-config with the bed\'s CA, token, /edgeshark prefix) in front of the real Packetflix', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());

  async function setup(t: Parameters<typeof requireNginx>[0]): Promise<{ svc: ServiceHost; nginx: BedNginx; targetJson: string } | undefined> {
    const s = await requireNginx(t);
    if (!s) return undefined;
    const pid = s.bed.services.hosts.find((h) => h.name === 'svc1')?.packetflixPid;
    assert.ok(pid);
    const svc = { bed: s.bed, url: s.nginx.url, packetflixPid: pid };
    const t2 = findBedTarget(await newSharkTankOnHost(s.nginx.url, { tls: { ca: readFileSync(s.nginx.caFile) }, bearerToken: s.nginx.token, proxy: false }).targets(), s.bed, 't2');
    return { svc, nginx: s.nginx, targetJson: storedTarget(t2) };
  }

  /** A flow: tls-config (CA file or not verifying), host (url, token), a capture of t2 that stops after 3 packets. */
  function flow(url: string, targetJson: string, caFile: string, verify: boolean, filter: string): object[] {
    return [
      { id: 'f1', type: 'tab' },
      { id: 'tls', type: 'tls-config', cert: '', key: '', ca: caFile, verifyservercert: verify },
      { id: 'host', type: 'edgeshark-host', source: 'url', url, tls: 'tls', timeout: 30 },
      { id: 'cap', z: 'f1', type: 'edgeshark-capture', host: 'host', target: targetJson, interfaces: ['eth0'], filter, start: 'msg', output: 'packets', stopPackets: '3', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ];
  }

  async function runCapture(svc: ServiceHost, port: number): Promise<number[]> {
    const filter = `udp port ${port}`;
    const cap = mustGetNode('cap');
    const out = collect(mustGetNode('out'));
    const capturing = waitForStatus(cap, (s) => statusText(s).includes('capturing'), 45_000);
    const stopped = waitForStatus(cap, (s) => statusText(s).includes('stopped'), 60_000);
    cap.receive({ topic: 'start' });
    await capturing;
    const dumpcap = await serverDumpcapFiltering(svc, filter, 45_000);
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 200, size: 16, port });
    await stopped;
    await processGone(dumpcap.pid, 15_000);
    return out.map((m) => udpOf((m.payload as PacketPayload).data)).filter((u) => u?.dstPort === port).map((u) => u!.seq);
  }

  for (const [label, which, port] of [['/edgeshark', 'url', 50300], ['the query-dropping location', 'noQueryUrl', 50301]] as const) {
    it(`captures t2 over wss through ${label} with the CA from a tls-config node and the token credential (the first 3 datagrams)`, async (t) => {
      const s = await setup(t);
      if (!s) return;
      t.after(() => helper.unload());
      await helper.load(NODES, flow(s.nginx[which], s.targetJson, s.nginx.caFile, true, `udp port ${port}`), { host: { token: s.nginx.token } });
      assert.deepEqual(await runCapture(s.svc, port), [0, 1, 2]);
    });
  }

  it('a tls-config node that does not verify (no CA) also works; a wrong token shows HTTP 401 on the capture node and starts no dumpcap', async (t) => {
    const s = await setup(t);
    if (!s) return;
    await helper.load(NODES, flow(s.nginx.url, s.targetJson, '', false, 'udp port 50310'), { host: { token: s.nginx.token } });
    assert.deepEqual(await runCapture(s.svc, 50310), [0, 1, 2]);
    await helper.unload();

    t.after(() => helper.unload());
    await helper.load(NODES, flow(s.nginx.url, s.targetJson, s.nginx.caFile, true, 'udp port 50311'), { host: { token: `${s.nginx.token}-wrong` } });
    const cap = mustGetNode('cap');
    const failed = waitForStatus(cap, (st) => /401/.test(statusText(st)), 45_000);
    cap.receive({ topic: 'start' });
    const status = await failed;
    assert.equal(status.fill, 'red', JSON.stringify(status));
    t.diagnostic(`capture node status: ${statusText(status)}`);
    assert.deepEqual(serverDumpcapsFiltering(s.svc, 'udp port 50311'), []);
  });
});
