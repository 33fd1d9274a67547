// Helpers for the host client's transport tests (proxy, TLS, header injection, heartbeat) against
// the bed's REAL Packetflix and Gostwire: the bed's targets as discovery names them (with the
// keeper's PID, looked up, never hard-coded), the dumpcap the real server runs for a request,
// and counting captured datagrams with tshark.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Target } from '../../src/core/target';
import { packetflixDumpcaps } from './processes';
import type { ServiceDumpcap } from './processes';
import { bedNamespace, tsharkFields } from './testbed';
import type { BedEnv, BedServiceHost } from './testbed';

/** The service host `svc1` or `svc2` of the bed, with its PIDs. */
export function bedServiceHost(bed: BedEnv, name: 'svc1' | 'svc2' = 'svc1'): BedServiceHost {
  const host = bed.services.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`the test bed has no service host "${name}"`);
  return host;
}

/** The name Gostwire gives a bed target namespace: its keeper's comm and PID, e.g. `csharg-t2(1234)`. */
export function bedTargetName(bed: BedEnv, host: string): string {
  const ns = bedNamespace(bed, host);
  if (!ns.keeperPid) throw new Error(`bed namespace ${ns.name} has no keeper process`);
  return `${ns.name}(${ns.keeperPid})`;
}

/** The one discovered target for a bed host (`t1` … `t4`), checked against the bed's netns inode. */
export function findBedTarget(targets: readonly Target[], bed: BedEnv, host: string): Target {
  const name = bedTargetName(bed, host);
  const found = targets.filter((t) => t.name === name);
  if (found.length !== 1) throw new Error(`discovery lists ${found.length} targets named ${JSON.stringify(name)} (expected one)`);
  const target = found[0]!;
  if (target.netns !== bedNamespace(bed, host).netns) throw new Error(`${name}: discovery says netns ${target.netns}, the bed ${bedNamespace(bed, host).netns}`);
  return target;
}

/** The dumpcap runs of the real Packetflix on `serviceHost` whose capture filter is `filter`. */
export function serviceDumpcapsWithFilter(serviceHost: BedServiceHost, filter: string): ServiceDumpcap[] {
  if (!serviceHost.packetflixPid) throw new Error(`${serviceHost.name}: Packetflix is not running`);
  return packetflixDumpcaps(serviceHost.packetflixPid).filter((d) => {
    const f = d.args.indexOf('-f');
    return f !== -1 && d.args[f + 1] === filter;
  });
}

/** Writes captured pcapng chunks to `dir/name.pcapng` and counts the UDP datagrams to `port` (tshark). */
export async function countUdpDatagrams(chunks: readonly Buffer[], dir: string, name: string, port: number): Promise<number> {
  const file = path.join(dir, `${name}.pcapng`);
  writeFileSync(file, Buffer.concat(chunks));
  return (await tsharkFields(file, ['udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`])).length;
}

/** Resolves after `ms` (lets frames in flight arrive before a stop). */
export const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
