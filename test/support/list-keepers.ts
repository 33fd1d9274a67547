// Test helper (no tests here): network namespaces of this test's own, each kept by a `sleep`
// started under a name of the test's choosing (a symlink to sleep, so /proc/PID/comm and with it
// Gostwire's target name `NAME(PID)` carry it). Real Gostwire then lists targets whose names hold
// what YAML and JSON must quote or escape (`#`, `: `, quotes, `<&>`, a tab, non-ASCII). Stopped by
// PID and deleted by name in cleanup().
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface Keeper {
  /** the process name as the kernel keeps it (at most 15 bytes) */
  readonly comm: string;
  readonly pid: number;
  /** the network namespace's name under /run/netns */
  readonly netns: string;
  /** what Gostwire names the target */
  readonly targetName: string;
}

export interface Keepers {
  readonly keepers: readonly Keeper[];
  cleanup(): Promise<void>;
}

/**
 * One namespace (`PREFIX-N`) and keeper per name; `loUp` lists the names whose namespace gets
 * `lo` up (the others list no interfaces at all). Names must fit the kernel's 15-byte comm.
 */
export async function startKeepers(prefix: string, names: readonly string[], loUp: readonly string[] = []): Promise<Keepers> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const keepers: Keeper[] = [];
  const cleanup = async (): Promise<void> => {
    for (const k of keepers) {
      try {
        process.kill(k.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < names.length; i++) {
      const ns = `${prefix}-${i}`;
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, name] of names.entries()) {
      if (Buffer.byteLength(name) > 15 || name.includes('/')) throw new Error(`keeper name ${JSON.stringify(name)} does not fit a comm`);
      const ns = `${prefix}-${i}`;
      if (existsSync(`/run/netns/${ns}`)) await execFileAsync('ip', ['netns', 'del', ns]);
      await execFileAsync('ip', ['netns', 'add', ns]);
      if (loUp.includes(name)) await execFileAsync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const sub = mkdtempSync(path.join(dir, 'k'));
      const exe = path.join(sub, name);
      symlinkSync('/bin/sleep', exe);
      // nsenter execs the keeper in place: the PID is the keeper's. It ends by itself after 10 min.
      const child = spawn('nsenter', [`--net=/run/netns/${ns}`, exe, '600'], { stdio: 'ignore', detached: true });
      child.unref();
      if (child.pid === undefined) throw new Error(`could not start keeper ${JSON.stringify(name)}`);
      keepers.push({ comm: name, pid: child.pid, netns: ns, targetName: `${name}(${child.pid})` });
    }
    return { keepers, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
