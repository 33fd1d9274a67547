// Network namespaces kept alive by bind mounts (`ip netns add` puts them under /run/netns), found
// in this process's mount table and in /run/netns. A namespace that also has processes is a
// process target; only the process-less ones become `bindmount` targets.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseNetnsLink } from './ns-link';

/** Undoes the octal escapes (`\040` for a space, `\012` for a newline, ...) of /proc mount paths. */
export function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The bind-mounted network namespaces in the text of /proc/PID/mountinfo: mount point paths by
 * namespace inode. An nsfs mount's root field reads `net:[INODE]`.
 */
export function parseNetnsMounts(mountinfo: string): Map<number, string[]> {
  const mounts = new Map<number, string[]>();
  for (const line of mountinfo.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    const [before, after] = line.split(' - ', 2);
    if (before === undefined || after === undefined || !after.startsWith('nsfs ')) continue;
    const fields = before.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    const inode = parseNetnsLink(root);
    if (inode === undefined) continue;
    addPath(mounts, inode, unescapeMountPath(mountPoint));
  }
  return mounts;
}

function addPath(mounts: Map<number, string[]>, inode: number, mountPath: string): void {
  const paths = mounts.get(inode);
  if (!paths) mounts.set(inode, [mountPath]);
  else if (!paths.includes(mountPath)) paths.push(mountPath);
}

export interface BindMountScanOptions {
  /** the directory `ip netns` uses; default /run/netns */
  netnsDir?: string;
  /** the mount table to read; default /proc/self/mountinfo */
  mountinfoPath?: string;
}

/** The bind-mounted network namespaces this process can see: sorted paths by inode. */
export async function scanNetnsBindMounts(options: BindMountScanOptions = {}): Promise<Map<number, string[]>> {
  const netnsDir = options.netnsDir ?? '/run/netns';
  let mounts = new Map<number, string[]>();
  try {
    mounts = parseNetnsMounts(await readFile(options.mountinfoPath ?? '/proc/self/mountinfo', 'utf8'));
  } catch {
    // Without a readable mount table, /run/netns alone still finds what `ip netns` made.
  }
  let names: string[] = [];
  let nsfsDevice: number | undefined;
  try {
    names = await readdir(netnsDir);
    // Every namespace file lives on the one nsfs device; a leftover plain file in /run/netns
    // (an unmounted `ip netns` name) does not.
    nsfsDevice = (await stat('/proc/self/ns/net')).dev;
  } catch {
    names = [];
  }
  await Promise.all(
    names.map(async (name) => {
      const file = path.join(netnsDir, name);
      try {
        const info = await stat(file);
        if (info.dev === nsfsDevice) addPath(mounts, info.ino, file);
      } catch {
        // vanished while scanning
      }
    }),
  );
  for (const paths of mounts.values()) paths.sort();
  return mounts;
}

/** A process as far as the mount namespace scan needs it. */
export interface MountNamespaceMember {
  pid: number;
  ppid: number;
  starttime: number;
  mntns?: number;
}

/**
 * The most senior leaders first: the processes of each mount namespace whose parent is not in it
 * (or unknown), by start time, then PID. The first is lxkns's "ealdorman", whose PID Gostwire
 * puts in a bind mount's name (`/proc/PID/ns/mnt:PATH`).
 */
export function mountNamespaceLeaders(processes: readonly MountNamespaceMember[]): Map<number, MountNamespaceMember[]> {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const leaders = new Map<number, MountNamespaceMember[]>();
  for (const p of processes) {
    if (p.mntns === undefined) continue;
    if (byPid.get(p.ppid)?.mntns === p.mntns) continue;
    const list = leaders.get(p.mntns);
    if (list) list.push(p);
    else leaders.set(p.mntns, [p]);
  }
  for (const list of leaders.values()) list.sort((a, b) => a.starttime - b.starttime || a.pid - b.pid);
  return leaders;
}

/** A network namespace bind-mounted in another mount namespace only. */
export interface ForeignNetnsMount {
  /** the senior leader of the mount namespace that holds it: its paths are seen through /proc/PID/root */
  pid: number;
  /** mount points in that mount namespace, sorted */
  paths: string[];
}

/**
 * The network namespaces bind-mounted in mount namespaces other than `ownMntns` (Gostwire scans
 * every mount namespace; `ip netns` in a container or a service with a private mount namespace
 * keeps its namespaces there). Each mount table is read through the namespace's most senior
 * leader that can still be read; a namespace found in several mount namespaces is kept with the
 * most senior leader among them.
 */
export async function scanForeignNetnsBindMounts(processes: readonly MountNamespaceMember[], ownMntns: number | undefined, procRoot = '/proc'): Promise<Map<number, ForeignNetnsMount>> {
  const found = new Map<number, ForeignNetnsMount & { starttime: number }>();
  for (const [mntns, leaders] of mountNamespaceLeaders(processes)) {
    if (mntns === ownMntns) continue;
    for (const leader of leaders) {
      let mounts: Map<number, string[]>;
      try {
        mounts = parseNetnsMounts(await readFile(`${procRoot}/${leader.pid}/mountinfo`, 'utf8'));
      } catch {
        continue; // exited or unreadable: the next senior leader
      }
      for (const [inode, paths] of mounts) {
        const known = found.get(inode);
        if (known && (known.starttime < leader.starttime || (known.starttime === leader.starttime && known.pid < leader.pid))) continue;
        found.set(inode, { pid: leader.pid, paths: [...paths].sort(), starttime: leader.starttime });
      }
      break;
    }
  }
  return new Map([...found].map(([inode, { pid, paths }]) => [inode, { pid, paths }]));
}
