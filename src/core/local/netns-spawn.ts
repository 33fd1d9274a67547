// Starts a program inside a target's network namespace: directly when it is this process's own
// namespace, else through nsenter, which enters the namespace we hold open as its fd 3 and then
// execs the program (no fork: the child's PID is the program's PID, so stop-by-PID reaches it).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { TargetNetns } from './target-netns';

export interface NetnsSpawn {
  netns: TargetNetns;
  nsenter: string;
  program: string;
  args: readonly string[];
}

/** Spawns with stdin ignored and stdout and stderr piped. */
export function spawnInNetns(how: NetnsSpawn): ChildProcess {
  if (how.netns.own) return spawn(how.program, how.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return spawn(how.nsenter, ['--net=/proc/self/fd/3', how.program, ...how.args], {
    stdio: ['ignore', 'pipe', 'pipe', how.netns.file.fd],
  });
}
