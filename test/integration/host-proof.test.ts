// Issue 13's proof test: the host client against the bed's REAL Edgeshark services (Packetflix
// v0.9.7 proxying discovery to Gostwire v2.4.1, in csharg-svc1); nothing in it is simulated.
// Discovery through GET /discover/mobyshark (plain fetch and our client) lists every bed namespace
// by its netns inode; a capture of t2's eth0 through the real Packetflix while 100 UDP datagrams
// are sent holds exactly them (tshark reads the file); the SHB comment names the target.
// Traffic: UDP 41000-41009 only (each test process sharing the bed has its own port range).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import { Collector } from '../support/collector';
import { processGone } from '../support/processes';
import { dumpcapInterfaces, dumpcapWithFilter, keeperTarget, netnsOf, packetflixPid, shbComment } from '../support/real-packetflix';
import { bedNamespace, requireServices, sendUdp, serviceUrl, tsharkFields } from '../support/testbed';
import type { BedNamespace } from '../support/testbed';

// The namespaces scripts/edgeshark-testbed.sh keeps (docs/testbed.md); tests sharing the bed may
// add short-lived csharg-* namespaces of their own, which env lists too.
const BED_HOSTS = ['t1', 't2', 't3', 't4', 'hub', 'empty', 'svc1', 'svc2'];

interface GostwireTarget {
  name: string;
  type: string;
  netns: number;
  pid: number;
  starttime: number;
  'network-interfaces': string[];
}

describe('proof: the host client against the REAL Packetflix and Gostwire of the test bed', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-proof-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('GET /discover/mobyshark (plain fetch and our client) lists every bed namespace by netns inode', { timeout: 120_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    for (const host of ['svc1', 'svc2'] as const) {
      const url = serviceUrl(bed, host);
      const response = await fetch(`${url}/discover/mobyshark`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { containers: GostwireTarget[] };
      const plain = new Map<number, GostwireTarget[]>();
      for (const c of body.containers) plain.set(c.netns, [...(plain.get(c.netns) ?? []), c]);
      const ours = await newSharkTankOnHost(url).targets();
      const nodeName = new URL(url).hostname;
      const namespaces: BedNamespace[] = bed.namespaces.filter((n) => BED_HOSTS.includes(n.host));
      assert.equal(namespaces.length, BED_HOSTS.length);
      for (const ns of namespaces) {
        const listed = plain.get(ns.netns);
        assert.ok(listed && listed.length > 0, `${host}: plain discovery misses ${ns.name} (netns ${ns.netns})`);
        const oursHere = ours.filter((o) => o.netns === ns.netns);
        assert.deepEqual(oursHere.map((o) => o.name).sort(), listed.map((l) => l.name).sort(), `${host}: our client lists ${ns.name} as the server does`);
        assert.ok(oursHere.every((o) => o.nodeName === nodeName), `${host}: node-name is the URL host ${nodeName}`);
        const upIfaces = ns.interfaces.filter((i) => i.up).map((i) => i.name).sort();
        if (ns.role === 'target' || ns.role === 'hub') {
          assert.ok(ns.keeperPid !== null, `${ns.name} has no keeper`);
          // A namespace with a process: the keeper, named comm(PID), with its start time.
          const keeper = listed.find((l) => l.name === `${ns.name}(${ns.keeperPid})`);
          assert.ok(keeper, `${host}: ${ns.name}'s keeper is listed as ${ns.name}(${ns.keeperPid})`);
          assert.equal(keeper.type, 'proc');
          assert.equal(keeper.pid, ns.keeperPid);
          assert.ok(keeper.starttime > 0);
          assert.deepEqual([...keeper['network-interfaces']].sort(), upIfaces);
        } else if (ns.role === 'empty') {
          // No process: only the bind mount in /run/netns names it.
          assert.deepEqual(listed.map((l) => l.type), ['bindmount']);
          assert.match(listed[0]!.name, new RegExp(`/run/netns/${ns.name}$`));
          assert.equal(listed[0]!.pid, 0);
        } else {
          // A service namespace: the real Gostwire and Packetflix processes live there.
          const svc = bed.services.hosts.find((h) => h.namespace === ns.name);
          assert.ok(svc?.packetflixPid && svc.gostwirePid);
          const pids = listed.map((l) => l.pid);
          assert.ok(pids.includes(svc.gostwirePid) && pids.includes(svc.packetflixPid), `${host}: ${ns.name} lists ${JSON.stringify(listed.map((l) => l.name))}`);
        }
      }
    }
  });

  it("a capture of t2's eth0 through the real Packetflix holds exactly the 100 datagrams sent; the SHB names the target", { timeout: 180_000 }, async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const url = serviceUrl(bed, 'svc1');
    const tank = newSharkTankOnHost(url);
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    const filter = 'udp port 41000';
    const out = new Collector();
    const streamer = tank.capture(out, t2, { nifs: ['eth0'], filter });
    await out.started;
    // What the real server made of the request: dumpcap in t2's namespace on eth0 with our filter.
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0']);
    assert.equal(netnsOf(dumpcap.pid), bedNamespace(bed, 't2').netns);
    const sent = await sendUdp({ from: 't1', to: 't2', count: 100, rate: 500, size: 64, port: 41000 });
    assert.equal(sent.sent, 100);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);

    const stream = Buffer.concat(out.chunks);
    const file = path.join(tmp, 'proof.pcapng');
    writeFileSync(file, stream);
    const rows = await tsharkFields(file, ['frame.interface_name', 'ip.src', 'ip.dst', 'udp.dstport', 'data.data']);
    // Exactly the datagrams sent, each once and in order (each payload starts with its sequence number).
    assert.equal(rows.length, 100, `the capture holds ${rows.length} packets`);
    assert.ok(rows.every(([iface, src, dst, port]) => iface === 'eth0' && src === '198.18.1.1' && dst === '198.18.2.1' && port === '41000'));
    assert.deepEqual(rows.map((r) => parseInt((r[4] ?? '').slice(0, 8), 16)), Array.from({ length: 100 }, (_, i) => i));

    const comment = shbComment(stream);
    assert.match(comment, /(^|\n)---\n# capture target information\n/);
    const yaml = comment.slice(comment.indexOf('# capture target information'));
    assert.ok(yaml.includes(`\ncontainer-name: ${t2.name}\n`), yaml);
    assert.ok(yaml.includes('\ncontainer-type: proc\n'), yaml);
    assert.match(yaml, /\nnode-name: "?198\.18\.255\.2"?\n/);
    assert.ok(yaml.includes(`\ncapture-filter: ${filter}\n`), yaml);
  });
});
