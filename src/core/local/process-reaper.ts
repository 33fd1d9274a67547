// The last line of defence against leftover dumpcaps: every capture process still running when
// this Node process exits is killed by its PID.

import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

function isRunning(child: ChildProcess): boolean {
  // Until Node has reaped the child its PID cannot be reused, so a kill reaches the right process.
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function killAll(): void {
  for (const child of running) {
    if (isRunning(child)) {
      try {
        process.kill(child.pid as number, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

/** Tracks `child` until it closes; kills it by PID if this process exits first. */
export function reapOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
  running.add(child);
  child.once('close', () => running.delete(child));
}

/** Sends `signal` to the child by its PID while it runs; true when sent. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (!isRunning(child)) return false;
  try {
    process.kill(child.pid as number, signal);
    return true;
  } catch {
    return false;
  }
}
