// Opens the network namespace of a capture target, checking that it still is the one discovery
// saw: through the target's process (/proc/PID/ns/net, with the process's start time compared
// too, since PIDs are recycled), or, for a process-less namespace, through its bind mount(s).

import { stat } from 'node:fs/promises';
import type { Target } from '../target';
import { describeTarget } from '../describe-target';
import { CapturePrivilegeError, LocalTargetError, TargetGoneError } from './errors';
import { isNetnsFile, openNetnsFile } from './netns-file';
import type { NetnsFile } from './netns-file';
import { readStartTime } from './process-scan';

/** The target's namespace, open; `own` when it is this process's own (no nsenter needed). */
export interface TargetNetns {
  readonly file: NetnsFile;
  readonly own: boolean;
}

async function ownNetnsInode(): Promise<number | undefined> {
  try {
    return (await stat('/proc/self/ns/net')).ino;
  } catch {
    return undefined;
  }
}

async function openThroughProcess(target: Target, pid: number, inode: number): Promise<NetnsFile> {
  const what = describeTarget(target);
  const opened = await openNetnsFile(`/proc/${pid}/ns/net`, inode);
  if (!isNetnsFile(opened)) {
    if (opened.kind === 'missing') throw new TargetGoneError(what, `process ${pid} has exited`);
    if (opened.kind === 'denied') throw new CapturePrivilegeError(['CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], `cannot open the network namespace of process ${pid} (${opened.detail})`);
    throw new TargetGoneError(what, `process ${pid} is in network namespace ${opened.inode} now, not ${inode}`);
  }
  if (target.starttime) {
    // Checked after opening: the descriptor we hold is then known to belong to the same process.
    const starttime = await readStartTime(pid);
    if (starttime !== target.starttime) {
      await opened.close();
      throw new TargetGoneError(what, starttime === undefined ? `process ${pid} has exited` : `PID ${pid} is another process now (start time ${starttime}, not ${target.starttime})`);
    }
  }
  return opened;
}

/**
 * The files a `bindmount` target's name points at: its `:`-separated paths. Gostwire names such a
 * target by its lxkns reference, the mount namespace the bind mount lives in first
 * (`/proc/1/ns/mnt:/run/netns/NAME`; `/proc/2/ns/mnt` where PID 1 is unreadable): that part is no
 * network namespace; it tells where the later paths are seen, so each of them is tried through
 * that process's root first (`/proc/1/root/run/netns/NAME`, which reaches into its mount
 * namespace) and then as it is (when that process is gone). Every file is checked against the
 * target's inode, so a path naming something else here is passed over.
 */
export function bindMountPaths(name: string): string[] {
  const paths: string[] = [];
  let mountNamespacePid: string | undefined;
  for (const part of name.split(':')) {
    const reference = /^\/proc\/(\d+)\/ns\/mnt$/.exec(part);
    if (reference) {
      mountNamespacePid = reference[1];
      continue;
    }
    if (!part.startsWith('/')) continue;
    if (mountNamespacePid !== undefined) paths.push(`/proc/${mountNamespacePid}/root${part}`);
    paths.push(part);
  }
  return paths;
}

async function openThroughBindMount(target: Target, inode: number): Promise<NetnsFile> {
  const what = describeTarget(target);
  const paths = bindMountPaths(target.name);
  if (paths.length === 0) throw new LocalTargetError(what, 'a bindmount target must be named by its bind mount path(s)');
  const failures: string[] = [];
  let denied: string | undefined;
  for (const file of paths) {
    const opened = await openNetnsFile(file, inode);
    if (isNetnsFile(opened)) return opened;
    // A /proc/PID/root path also needs ptrace access to PID: the plain path may still open.
    if (opened.kind === 'denied') denied ??= `cannot open ${file} (${opened.detail})`;
    failures.push(opened.detail);
  }
  if (denied !== undefined) throw new CapturePrivilegeError(['CAP_SYS_ADMIN', ...(paths.some((p) => p.startsWith('/proc/')) ? ['CAP_SYS_PTRACE'] : [])], denied);
  throw new TargetGoneError(what, `no bind mount holds it any longer (${failures.join('; ')})`);
}

/** Opens the target's network namespace or throws TargetGoneError / LocalTargetError. */
export async function openTargetNetns(target: Target): Promise<TargetNetns> {
  const inode = target.netns;
  if (!inode) throw new LocalTargetError(describeTarget(target), 'it has no network namespace inode (a bare target must be completed from discovery first)');
  let file: NetnsFile;
  if (target.pid) file = await openThroughProcess(target, target.pid, inode);
  else if (target.type === 'bindmount') file = await openThroughBindMount(target, inode);
  else throw new LocalTargetError(describeTarget(target), 'it has neither a process (pid) nor a bind mount to enter its namespace through');
  return { file, own: (await ownNetnsInode()) === inode };
}
