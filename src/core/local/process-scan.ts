// A snapshot of this machine's processes with their network namespaces, read from /proc.
// Processes that vanish or whose namespace links are unreadable (another user's, or an
// ptrace-protected init in a sandbox) are left out: discovery can only show what it can enter.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { mapBounded } from './bounded';
import { parseMntnsLink, parseNetnsLink } from './ns-link';
import { isKernelThread, parseProcStat } from './proc-stat';

export interface ProcessInfo {
  pid: number;
  /** from /proc/PID/comm (the same text as in stat, without the trailing newline) */
  comm: string;
  ppid: number;
  starttime: number;
  netns: number;
  /** the mount namespace's inode; undefined when its link cannot be read */
  mntns?: number;
  kernelThread: boolean;
}

/** Reads one process; undefined when it is gone or its network namespace is unreadable. */
export async function readProcess(pid: number, procRoot = '/proc'): Promise<ProcessInfo | undefined> {
  try {
    const [link, statText, mntLink] = await Promise.all([
      readlink(`${procRoot}/${pid}/ns/net`),
      readFile(`${procRoot}/${pid}/stat`, 'utf8'),
      readlink(`${procRoot}/${pid}/ns/mnt`).catch(() => undefined),
    ]);
    const netns = parseNetnsLink(link);
    if (netns === undefined) return undefined;
    const stat = parseProcStat(statText);
    const mntns = mntLink === undefined ? undefined : parseMntnsLink(mntLink);
    return { pid, comm: stat.comm, ppid: stat.ppid, starttime: stat.starttime, netns, ...(mntns === undefined ? {} : { mntns }), kernelThread: isKernelThread(stat) };
  } catch {
    return undefined;
  }
}

/** The start time (stat field 22) of a process; undefined when it is gone. */
export async function readStartTime(pid: number, procRoot = '/proc'): Promise<number | undefined> {
  try {
    return parseProcStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8')).starttime;
  } catch {
    return undefined;
  }
}

/** Every readable process in /proc (thread-group leaders only), kernel threads marked. */
export async function scanProcesses(procRoot = '/proc'): Promise<ProcessInfo[]> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number);
  // Plain file reads: a generous bound keeps the scan fast without exhausting file descriptors.
  const infos = await mapBounded(pids, 64, (pid) => readProcess(pid, procRoot));
  return infos.filter((info): info is ProcessInfo => info !== undefined);
}
