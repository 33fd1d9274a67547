// Noticing that the reader of our stdout pipe has gone (`csharg … | head -c 1000` done,
// Wireshark closed) while no packet flows: a write would fail with EPIPE, but with nothing to
// write Node has no way to ask. Node cannot poll a pipe's write end for POLLERR itself, so a
// watcher child does: GNU coreutils `tail -f` (8.28 and later) polls its stdout and dies of
// SIGPIPE when the pipe's read end is gone. It gets a duplicate of our stdout's write end (never
// the read end, so it cannot keep a reader alive), `--pid` ends it if we die, and we kill it by
// PID when the capture ends, so the reader sees end-of-file at once.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fstatSync } from 'node:fs';

export interface ReaderWatch {
  /** ends the watcher (idempotent); call before the output is closed */
  stop(): void;
}

function isPipe(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/**
 * Calls `onGone` once when no process holds the read end of the pipe on `fd` any more. Does
 * nothing (returns undefined) when `fd` is not a pipe or socket. `onUnavailable` hears why no
 * watch is possible (no GNU tail); writes still notice a gone reader by EPIPE then.
 */
export function watchPipeReader(fd: number, onGone: () => void, onUnavailable: (why: string) => void = () => undefined): ReaderWatch | undefined {
  if (!isPipe(fd)) return undefined;
  let stopped = false;
  let child: ChildProcess;
  try {
    child = spawn('tail', ['-f', `--pid=${process.pid}`, '/dev/null'], { stdio: ['ignore', fd, 'ignore'] });
  } catch (err) {
    onUnavailable(`cannot start tail: ${(err as Error).message}`);
    return undefined;
  }
  const kill = (): void => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', kill);
  child.once('error', (err) => {
    if (!stopped) onUnavailable(`cannot start tail: ${err.message}`);
  });
  child.once('exit', (code, signal) => {
    process.off('exit', kill);
    if (stopped) return;
    // 141 = 128 + SIGPIPE, when the signal was ignored; anything else means tail cannot watch.
    if (signal === 'SIGPIPE' || code === 141) onGone();
    else onUnavailable(`tail ended (${signal ?? `exit code ${code}`}) without a broken pipe`);
  });
  // The watcher must never keep this process alive.
  child.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      kill();
    },
  };
}
