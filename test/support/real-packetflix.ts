// Helpers for host-client tests against the bed's REAL Packetflix and Gostwire: the bed's targets
// as the real discovery names them, the dumpcap a real Packetflix runs for one of our requests
// (found by a capture filter only that test uses, since other tests share the services), the
// network namespace that dumpcap really runs in, and the SHB comment of a captured stream.
import assert from 'node:assert/strict';
import { readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostSharkTank } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { Collector } from './collector';
import { packetflixDumpcaps, processGone } from './processes';
import type { ServiceDumpcap } from './processes';
import { bedNamespace, packetflixPid, sendUdp, tsharkFields } from './testbed';
import type { BedEnv } from './testbed';

// packetflixPid lives in testbed.ts; re-exported for this file's users.
export { packetflixPid };

/**
 * The discovered target of a bed namespace's keeper: type proc, the namespace's inode, and the
 * name Gostwire gives a process, `comm(PID)` (the keeper's comm is the namespace name).
 */
export function keeperTarget(targets: Target[], bed: BedEnv, host: string): Target {
  const ns = bedNamespace(bed, host);
  const found = targets.filter((t) => t.netns === ns.netns && t.type === 'proc' && t.name === `${ns.name}(${ns.keeperPid ?? '?'})`);
  if (found.length !== 1) {
    throw new Error(`discovery lists ${found.length} keeper targets for ${ns.name} (netns ${ns.netns}): ${JSON.stringify(targets.filter((t) => t.netns === ns.netns).map((t) => t.name))}`);
  }
  return found[0]!;
}

/** Polls `probe` every 50 ms until it returns a value; throws after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The real Packetflix's dumpcap whose `-f` is exactly `filter` (a filter no other test uses). */
export function findDumpcap(pfPid: number, filter: string): ServiceDumpcap | undefined {
  const found = packetflixDumpcaps(pfPid).filter((d) => {
    const f = d.args.indexOf('-f');
    return f >= 0 && d.args[f + 1] === filter;
  });
  if (found.length > 1) throw new Error(`${found.length} dumpcaps run with the filter ${JSON.stringify(filter)}: ${found.map((d) => d.pid).join(', ')}`);
  return found[0];
}

/** Waits until the real Packetflix runs a dumpcap with `-f filter` and returns it. */
export function dumpcapWithFilter(pfPid: number, filter: string, ms = 20_000): Promise<ServiceDumpcap> {
  return waitFor(`Packetflix ${pfPid} to run dumpcap -f ${JSON.stringify(filter)}`, () => findDumpcap(pfPid, filter), ms);
}

/** The interfaces of a dumpcap command line (its `-i` values, in order). */
export function dumpcapInterfaces(d: ServiceDumpcap): string[] {
  return d.args.flatMap((a, i) => (a === '-i' ? [d.args[i + 1] ?? ''] : []));
}

/** The inode of the network namespace a process runs in (from /proc/PID/ns/net). */
export function netnsOf(pid: number): number {
  const link = readlinkSync(`/proc/${pid}/ns/net`);
  const m = /^net:\[(\d+)\]$/.exec(link);
  if (!m) throw new Error(`unexpected /proc/${pid}/ns/net: ${link}`);
  return Number(m[1]);
}

/** The first opt_comment of the stream's first (little-endian) SHB. */
export function shbComment(stream: Buffer): string {
  if (stream.length < 28 || stream.readUInt32LE(0) !== 0x0a0d0d0a) throw new Error('the stream does not start with a Section Header Block');
  const length = stream.readUInt32LE(4);
  if (stream.readUInt32LE(8) !== 0x1a2b3c4d) throw new Error('not a little-endian SHB');
  let at = 24;
  while (at + 4 <= length - 4) {
    const code = stream.readUInt16LE(at);
    const len = stream.readUInt16LE(at + 2);
    if (code === 0) break;
    if (code === 1) return stream.subarray(at + 4, at + 4 + len).toString('utf8');
    at += 4 + Math.ceil(len / 4) * 4;
  }
  throw new Error('the SHB has no comment');
}


/** What a capture of t2's eth0 with `udp port PORT` through the real Packetflix of svc1 got: the dumpcap command line, its netns, and the datagrams (t1 → t2) tshark reads. */
export interface UdpCaptureResult {
  args: string[];
  netns: number;
  rows: string[][];
}

/**
 * Captures `target`'s eth0 through `tank` with the filter `udp port PORT` while `count` datagrams go
 * from t1 to t2 on that port; stops gracefully and reads what Packetflix's dumpcap ran and what
 * tshark finds in the capture (written into `dir`).
 */
export async function captureUdpThroughPacketflix(bed: BedEnv, tank: HostSharkTank, target: Target, opts: { port: number; count: number; dir: string }): Promise<UdpCaptureResult> {
  const { port, count, dir } = opts;
  const filter = `udp port ${port}`;
  const out = new Collector();
  const streamer = tank.capture(out, target, { nifs: ['eth0'], filter });
  try {
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter, 45_000);
    const netns = netnsOf(dumpcap.pid);
    await sendUdp({ from: 't1', to: 't2', count, rate: count * 10, size: 16, port });
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
    const file = path.join(dir, `capture-${port}.pcapng`);
    writeFileSync(file, Buffer.concat(out.chunks));
    const rows = await tsharkFields(file, ['frame.interface_name', 'ip.src', 'ip.dst', 'udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`]);
    return { args: dumpcap.args, netns, rows };
  } catch (err) {
    await streamer.stop();
    throw err;
  }
}
