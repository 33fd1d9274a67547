// More host-client captures against the wire-spec stand-in for Packetflix, which cannot be built
// here (test/support/packetflix-standin.ts); the stand-in runs REAL dumpcap in the bed's
// namespaces: two captures at once, capture by name (the server's look-up), a subset of
// interfaces, and avoidPromiscuousMode in the stream metadata.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import type { Target } from '../../src/core/target';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin } from '../support/packetflix-standin';
import { bedNamespace, loadBed, REPO_ROOT, sendUdp, tsharkFields } from '../support/testbed';
import type { BedEnv } from '../support/testbed';
import { Collector } from '../support/collector';

const execFileAsync = promisify(execFile);

/** UDP datagrams to 127.0.0.1 inside a bed namespace: traffic on its loopback only. */
async function sendLoopbackUdp(ns: string, port: number, count: number): Promise<void> {
  await execFileAsync('ip', ['netns', 'exec', ns, 'node', path.join(REPO_ROOT, 'scripts', 'traffic.mjs'), 'udp-send', '--to', '127.0.0.1', '--port', String(port), '--count', String(count), '--rate', '500'], { timeout: 30_000 });
}

describe('host client captures against the wire-spec stand-in for Packetflix (which cannot be built here)', () => {
  let bed: BedEnv;
  let standin: PacketflixStandin;
  let tmp: string;
  let fileNo = 0;

  before(async () => {
    bed = await loadBed();
    standin = await startPacketflixStandin(bed);
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-captures-'));
  });
  after(async () => {
    await standin?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const saved = (out: Collector): Promise<string> => {
    const file = path.join(tmp, `c${fileNo++}.pcapng`);
    writeFileSync(file, Buffer.concat(out.chunks));
    return Promise.resolve(file);
  };
  // ICMP port-unreachable errors quote the datagram's UDP header; only the datagrams count.
  const ports = async (file: string): Promise<number[]> => (await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp && !icmp'])).map(([p]) => Number(p));
  const countOf = (list: number[], port: number): number => list.filter((p) => p === port).length;
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

  it('two captures at once on t1 and t2 each get their own datagrams', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const all = await tank.targets();
    const t1 = all.find((t) => t.type === 'proc' && t.netns === bedNamespace(bed, 't1').netns);
    const t2 = all.find((t) => t.name === 't2-web');
    assert.ok(t1 && t2);
    const out1 = new Collector();
    const out2 = new Collector();
    const s1 = tank.capture(out1, t1, { nifs: ['eth0'], filter: 'udp' });
    const s2 = tank.capture(out2, t2, { nifs: ['eth0'], filter: 'udp' });
    await Promise.all([out1.started, out2.started]);
    // From the hub: each flow crosses only its own target's eth0.
    await Promise.all([
      sendUdp({ from: 'hub', to: 't1', count: 30, rate: 300, size: 64, port: 24030 }),
      sendUdp({ from: 'hub', to: 't2', count: 40, rate: 300, size: 64, port: 24031 }),
    ]);
    await settle();
    assert.deepEqual(await Promise.all([s1.stop(), s2.stop()]), [{ kind: 'stopped' }, { kind: 'stopped' }]);
    const [p1, p2] = await Promise.all([saved(out1).then(ports), saved(out2).then(ports)]);
    assert.equal(countOf(p1, 24030), 30);
    assert.equal(countOf(p1, 24031), 0);
    assert.equal(countOf(p2, 24031), 40);
    assert.equal(countOf(p2, 24030), 0);
  });

  it('capture by name: a stale target (its process restarted) is looked up again by the server', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const t2 = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(t2?.starttime !== undefined);
    // A wrong netns and a start time that no longer matches: only the name can find t2.
    const stale: Target = { ...t2, netns: bedNamespace(bed, 't1').netns, starttime: t2.starttime + 1 };
    const out = new Collector();
    const streamer = tank.capture(out, stale, { nifs: ['eth0'], filter: 'udp port 24032' });
    await out.started;
    const sent = JSON.parse(standin.captures.at(-1)?.params.container ?? '{}') as Target;
    assert.equal(sent.starttime, stale.starttime, 'the client sends the target as given');
    assert.equal(sent.netns, bedNamespace(bed, 't1').netns);
    assert.equal(standin.captures.at(-1)?.args[0], '--net=/run/netns/csharg-t2', 'the server found t2 by name');
    await sendUdp({ from: 't1', to: 't2', count: 25, rate: 300, size: 64, port: 24032 });
    await settle();
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    assert.equal(countOf(await ports(await saved(out)), 24032), 25);
  });

  it('a subset of interfaces: eth0 of eth0+lo sees the eth0 flow and none of the loopback flow', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const t2 = (await tank.targets()).find((t) => t.name === 't2-web');
    assert.ok(t2);
    assert.deepEqual([...(t2.networkInterfaces ?? [])].sort(), ['eth0', 'lo']);
    const run = async (nifs: string[]): Promise<{ ports: number[]; ifaces: string[] }> => {
      const out = new Collector();
      const streamer = tank.capture(out, t2, { nifs });
      await out.started;
      assert.equal(standin.captures.at(-1)?.params.nif, nifs.join('/'));
      await Promise.all([
        sendUdp({ from: 't1', to: 't2', count: 20, rate: 300, size: 64, port: 24033 }),
        sendLoopbackUdp('csharg-t2', 24034, 20),
      ]);
      await settle();
      assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
      const file = await saved(out);
      const rows = await tsharkFields(file, ['frame.interface_name', 'udp.dstport'], ['-Y', '(udp.dstport == 24033 || udp.dstport == 24034) && !icmp']);
      return { ports: rows.map((r) => Number(r[1])), ifaces: [...new Set(rows.map((r) => r[0] ?? ''))].sort() };
    };
    const eth0Only = await run(['eth0']);
    assert.equal(countOf(eth0Only.ports, 24033), 20);
    assert.equal(countOf(eth0Only.ports, 24034), 0);
    assert.deepEqual(eth0Only.ifaces, ['eth0']);
    // The control: both interfaces see both flows (loopback datagrams appear once on lo).
    const both = await run(['eth0', 'lo']);
    assert.equal(countOf(both.ports, 24033), 20);
    assert.equal(countOf(both.ports, 24034), 20);
    assert.deepEqual(both.ifaces, ['eth0', 'lo']);
  });

  it('avoidPromiscuousMode reaches the server (dumpcap -p) and shows in the SHB metadata', async () => {
    const tank = newSharkTankOnHost(standin.url);
    const out = new Collector();
    const streamer = tank.captureContainer(out, '127.0.0.1', 't2-web', { avoidPromiscuousMode: true, nifs: ['eth0'] });
    await out.started;
    const capture = standin.captures.at(-1);
    assert.equal(capture?.params.chaste, true);
    assert.ok(capture?.args.includes('-p'));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const stream = Buffer.concat(out.chunks);
    const shb = stream.subarray(0, stream.readUInt32LE(4)).toString('latin1');
    assert.match(shb, /\ncontainer-name: t2-web\n[^]*\nno-promiscuous-mode: true\n/);
    // Without the option there is no such key.
    const plain = new Collector();
    const plainStreamer = tank.captureContainer(plain, '127.0.0.1', 't2-web', { nifs: ['eth0'] });
    await plain.started;
    assert.equal(standin.captures.at(-1)?.params.chaste, false);
    assert.deepEqual(await plainStreamer.stop(), { kind: 'stopped' });
    const plainStream = Buffer.concat(plain.chunks);
    assert.doesNotMatch(plainStream.subarray(0, plainStream.readUInt32LE(4)).toString('latin1'), /no-promiscuous-mode/);
  });
});
