// Discovery of this machine's network namespaces as Gostwire reports them: one `proc` target per
// namespace that has processes (named `comm(PID)` after its leading process), containers named by
// their engine when its socket answers, and one `bindmount` target per process-less namespace
// that a bind mount keeps alive. The host's own namespace is listed too, like Gostwire's
// `systemd(1)`. Each target carries the interfaces that are up inside its namespace.
//
// Where we differ from Gostwire v2.4.1 (see test/integration/local-vs-packetflix.test.ts, which
// runs both side by side): Gostwire lists a namespace once per "leader" process (one whose parent
// is not in it), we list it once, named after the most senior of those leaders (Gostwire's
// "ealdorman", always one of its rows); and Gostwire names a process-less namespace
// `/proc/PID/ns/mnt:PATH` (the mount namespace holding the bind mount, then its path) where we
// give the path alone when the bind mount is in our own mount namespace, and Gostwire's form only
// for a namespace bind-mounted in another mount namespace only (entered through /proc/PID/root).

import { stat } from 'node:fs/promises';
import type { Target } from '../target';
import { scanForeignNetnsBindMounts, scanNetnsBindMounts } from './bind-mounts';
import { mapBounded } from './bounded';
import { dockerContainers } from './docker-engine';
import type { EngineContainer } from './docker-engine';
import { TargetGoneError } from './errors';
import { hostNetnsOf } from './host-netns';
import type { HostNetns } from './host-netns';
import { listUpInterfaces } from './interfaces';
import { readProcess, scanProcesses } from './process-scan';
import type { ProcessInfo } from './process-scan';
import { checkIp, checkNsenter, resolveTools } from './tools';
import type { LocalToolOptions } from './tools';

export interface LocalDiscoveryOptions extends LocalToolOptions {
  /** where `ip netns` keeps its bind mounts; default /run/netns */
  netnsDir?: string;
  /** the Docker engine's API socket; default /var/run/docker.sock; false = do not ask */
  dockerSocket?: string | false;
  /** how many namespaces are read at once; default 4 */
  concurrency?: number;
  /** per-namespace `ip` timeout; default 5000 ms */
  interfaceTimeoutMs?: number;
  /** told about what discovery skipped (an engine that did not answer, unreadable interfaces) */
  onWarning?: (error: Error) => void;
}

/** What a scan found, before the interfaces are read. */
export interface NamespaceScan {
  host: HostNetns;
  targets: Target[];
}

/** The leading process of a namespace: the oldest, and among equally old ones the lowest PID. */
export function leaderOf(processes: readonly ProcessInfo[]): ProcessInfo | undefined {
  let leader: ProcessInfo | undefined;
  for (const p of processes) {
    if (!leader || p.starttime < leader.starttime || (p.starttime === leader.starttime && p.pid < leader.pid)) leader = p;
  }
  return leader;
}

/** Groups user-space processes by network namespace inode (kernel threads never lead one). */
export function groupByNetns(processes: readonly ProcessInfo[]): Map<number, ProcessInfo[]> {
  const groups = new Map<number, ProcessInfo[]>();
  for (const p of processes) {
    if (p.kernelThread) continue;
    const group = groups.get(p.netns);
    if (group) group.push(p);
    else groups.set(p.netns, [p]);
  }
  return groups;
}

async function engineContainers(options: LocalDiscoveryOptions): Promise<Map<number, { container: EngineContainer; process: ProcessInfo }[]>> {
  const byNetns = new Map<number, { container: EngineContainer; process: ProcessInfo }[]>();
  const socket = options.dockerSocket === undefined ? '/var/run/docker.sock' : options.dockerSocket;
  if (socket === false) return byNetns;
  try {
    await stat(socket);
  } catch {
    return byNetns; // no engine on this machine: its containers show as plain processes
  }
  let containers: EngineContainer[];
  try {
    containers = await dockerContainers(socket);
  } catch (error) {
    options.onWarning?.(new Error(`the Docker engine at ${socket} did not answer; its containers show as processes: ${(error as Error).message}`, { cause: error }));
    return byNetns;
  }
  for (const container of containers) {
    const process = await readProcess(container.pid);
    if (!process) continue;
    const list = byNetns.get(process.netns);
    if (list) list.push({ container, process });
    else byNetns.set(process.netns, [{ container, process }]);
  }
  return byNetns;
}

/** The first of `paths` that is network namespace `inode` in this mount namespace (nsfs device `dev`). */
async function firstPathHolding(paths: readonly string[], inode: number, dev: number): Promise<string | undefined> {
  for (const file of paths) {
    try {
      const info = await stat(file);
      if (info.ino === inode && info.dev === dev) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Finds the namespaces and names their targets (interfaces not yet read). */
export async function scanNamespaces(options: LocalDiscoveryOptions = {}): Promise<NamespaceScan> {
  const [processes, bindMounts, containers, self, ownMntns] = await Promise.all([
    scanProcesses(),
    scanNetnsBindMounts(options.netnsDir === undefined ? {} : { netnsDir: options.netnsDir }),
    engineContainers(options),
    stat('/proc/self/ns/net'),
    stat('/proc/self/ns/mnt').then((s) => s.ino, () => undefined),
  ]);
  const host = hostNetnsOf(processes, self.ino);
  const targets: Target[] = [];
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  for (const [netns, members] of groupByNetns(processes)) {
    const inNetns = containers.get(netns);
    if (inNetns && inNetns.length > 0) {
      for (const { container, process } of inNetns) {
        targets.push({ name: container.name, type: container.type, netns, prefix: '', pid: process.pid, starttime: process.starttime });
      }
      continue;
    }
    // Among the namespace's leaders (lxkns's: a parent outside it, or unreadable), as Gostwire's
    // rows are; the oldest process is one of them except when a child shares its parent's start
    // tick and has the lower PID (after PIDs wrapped).
    const leaders = members.filter((p) => byPid.get(p.ppid)?.netns !== p.netns);
    const leader = leaderOf(leaders.length > 0 ? leaders : members);
    if (!leader) continue;
    targets.push({ name: `${leader.comm}(${leader.pid})`, type: 'proc', netns, prefix: '', pid: leader.pid, starttime: leader.starttime });
  }
  const withProcesses = new Set(targets.map((t) => t.netns));
  for (const [netns, paths] of bindMounts) {
    if (withProcesses.has(netns)) continue;
    targets.push({ name: paths.join(':'), type: 'bindmount', netns, prefix: '', pid: 0, starttime: 0 });
  }
  // Bind-mounted only in another mount namespace: named the Gostwire way, which says where the path is.
  for (const [netns, { pid, paths }] of await scanForeignNetnsBindMounts(processes, ownMntns)) {
    if (withProcesses.has(netns) || bindMounts.has(netns) || paths[0] === undefined) continue;
    // Mounted here too since our own table was read (`ip netns add` propagates to the other copies)?
    const here = await firstPathHolding(paths, netns, self.dev);
    const name = here ?? `/proc/${pid}/ns/mnt:${paths[0]}`;
    targets.push({ name, type: 'bindmount', netns, prefix: '', pid: 0, starttime: 0 });
  }
  targets.sort((a, b) => a.name.localeCompare(b.name) || (a.netns ?? 0) - (b.netns ?? 0));
  return { host, targets };
}

/** This machine's capture targets with the interfaces that are up in each. */
export async function discoverLocalTargets(options: LocalDiscoveryOptions = {}): Promise<Target[]> {
  const tools = resolveTools(options);
  await Promise.all([checkIp(tools.ip), checkNsenter(tools.nsenter)]);
  const { targets } = await scanNamespaces(options);
  const listed = await mapBounded(targets, options.concurrency ?? 4, async (target): Promise<Target | undefined> => {
    try {
      return { ...target, networkInterfaces: await listUpInterfaces(target, tools, options.interfaceTimeoutMs) };
    } catch (error) {
      // A process that exited while we scanned is simply no target any more.
      if (error instanceof TargetGoneError) return undefined;
      options.onWarning?.(error as Error);
      return { ...target, networkInterfaces: [] };
    }
  });
  return listed.filter((t): t is Target => t !== undefined);
}
