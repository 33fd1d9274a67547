// `capture --wireshark`: Wireshark reads the capture from its stdin (`wireshark -k -i -`). It
// runs in its own process group, so Ctrl-C in the terminal stops the capture but leaves the
// Wireshark window open; its exit stops the capture.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';

export class WiresharkMissingError extends Error {
  constructor() {
    super('wireshark is not installed (Debian package wireshark)');
    this.name = 'WiresharkMissingError';
  }
}

/** The executable's path on PATH, or undefined. */
export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface WiresharkSink {
  /** Wireshark's stdin */
  input: Writable;
  /** resolves when Wireshark has exited */
  exited: Promise<void>;
  /** after the capture: let Wireshark live on without this process waiting for it */
  release(): void;
}

/** Starts `wireshark -k -i -`; throws WiresharkMissingError when it is not on PATH. */
export function startWireshark(): WiresharkSink {
  const exe = findOnPath('wireshark');
  if (exe === undefined) throw new WiresharkMissingError();
  const child = spawn(exe, ['-k', '-i', '-'], { stdio: ['pipe', 'ignore', 'inherit'], detached: true });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  // A failed write after Wireshark closed is expected: the capture stops on its exit.
  child.stdin.on('error', () => undefined);
  return {
    input: child.stdin,
    exited,
    release() {
      child.stdin.end();
      child.unref();
    },
  };
}
