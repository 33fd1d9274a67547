// Which network namespace is "the host's". Normally that of PID 1. In a sandbox PID 1's namespace
// links may be unreadable (ptrace protection); kernel threads, though, always live in the initial
// network namespace, so kthreadd's (PID 2) link names it too whenever this process shares the
// initial PID namespace. Last resort: this process's own namespace (the best guess in a container
// that sees only itself).

import type { ProcessInfo } from './process-scan';

export interface HostNetns {
  inode: number;
  /** how it was found: `init` (PID 1), `kernel-thread`, or `self` */
  source: 'init' | 'kernel-thread' | 'self';
}

/** Picks the host namespace from a process scan; `selfNetns` is this process's own. */
export function hostNetnsOf(processes: readonly ProcessInfo[], selfNetns: number): HostNetns {
  const init = processes.find((p) => p.pid === 1);
  if (init) return { inode: init.netns, source: 'init' };
  const kernelThread = processes.find((p) => p.kernelThread);
  if (kernelThread) return { inode: kernelThread.netns, source: 'kernel-thread' };
  return { inode: selfNetns, source: 'self' };
}
