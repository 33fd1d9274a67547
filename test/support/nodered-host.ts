// The Node-RED node tests against the test bed's real Edgeshark host svc1 (Packetflix v0.9.7 with
// Gostwire v2.4.1): where it is, the targets its discovery names for the bed's namespaces, and
// the dumpcap the real Packetflix runs for a capture request (read from /proc).
import type { TestContext } from 'node:test';
import { newSharkTankOnHost } from '../../src/core/host/host-shark-tank';
import type { Target } from '../../src/core/target';
import { delay } from './nodered';
import { packetflixDumpcaps } from './processes';
import type { ServiceDumpcap } from './processes';
import { bedNamespace, requireServices, serviceUrl } from './testbed';
import type { BedEnv } from './testbed';

export interface ServiceHost {
  bed: BedEnv;
  /** Packetflix's URL, e.g. http://198.18.255.2:5001 */
  url: string;
  /** the PID of the real Packetflix (its dumpcaps are its children) */
  packetflixPid: number;
}

/** svc1 of the bed, or undefined after skipping (outside CI) / failing (CI) the test. */
export async function requireSvc1(t: TestContext): Promise<ServiceHost | undefined> {
  const bed = await requireServices(t);
  if (!bed) return undefined;
  const pid = bed.services.hosts.find((h) => h.name === 'svc1')?.packetflixPid;
  if (!pid) throw new Error('the bed reports no Packetflix PID for svc1');
  return { bed, url: serviceUrl(bed, 'svc1'), packetflixPid: pid };
}

/**
 * The target the real discovery at `url` gives for a bed namespace (e.g. `t2`, `empty`): its
 * keeper process (by PID; other helpers' dumpcaps in the same namespace are targets too), or for
 * a namespace without a keeper its bind mount.
 */
export async function discoveredTarget(svc: ServiceHost, bedHost: string, url = svc.url): Promise<Target> {
  const ns = bedNamespace(svc.bed, bedHost);
  const all = await newSharkTankOnHost(url, { timeout: 30_000 }).targets();
  const found = all.filter((t) => t.netns === ns.netns && (ns.keeperPid ? t.type === 'proc' && t.pid === ns.keeperPid : t.type === 'bindmount'));
  if (found.length !== 1) throw new Error(`discovery at ${url} gives ${found.length} targets for ${ns.name} (netns ${ns.netns}): ${found.map((t) => t.name).join(', ')}`);
  return found[0]!;
}

/** The capture node's stored form of a target (what its picker saves): the bare target as JSON. */
export function storedTarget(target: Target): string {
  return JSON.stringify({ name: target.name, type: target.type, ...(target.prefix ? { prefix: target.prefix } : {}) });
}

/** The dumpcaps the real Packetflix runs now whose command line has `-f FILTER`. */
export function serverDumpcapsFiltering(svc: ServiceHost, filter: string): ServiceDumpcap[] {
  return packetflixDumpcaps(svc.packetflixPid).filter((d) => {
    const f = d.args.indexOf('-f');
    return f !== -1 && d.args[f + 1] === filter;
  });
}

/** Waits (bounded) until the real Packetflix runs exactly one dumpcap with `-f FILTER`; returns it. */
export async function serverDumpcapFiltering(svc: ServiceHost, filter: string, ms = 20_000): Promise<ServiceDumpcap> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = serverDumpcapsFiltering(svc, filter);
    if (found.length === 1) return found[0]!;
    if (Date.now() > deadline) throw new Error(`Packetflix (PID ${svc.packetflixPid}) runs ${found.length} dumpcaps with -f "${filter}" after ${ms} ms`);
    await delay(50);
  }
}

/** The `-i` values of a dumpcap command line, in order. */
export function interfacesOf(dumpcap: ServiceDumpcap): string[] {
  return dumpcap.args.flatMap((a, i) => (i > 0 && dumpcap.args[i - 1] === '-i' ? [a] : []));
}
