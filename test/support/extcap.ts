// Test support for `csharg extcap` with the real tshark: a temporary home with our launcher
// installed (`csharg extcap --install` run from source), tshark runs stopped by PID, the
// extcap's notes (CSHARG_EXTCAP_LOG) to wait on.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csharg } from '../unit/cli/csharg-process';
import type { CliRun } from '../unit/cli/csharg-process';
import { preferenceName } from '../../src/cli/extcap/interfaces';

export const TSHARK = '/usr/bin/tshark';

export interface ExtcapHome {
  /** the temporary home (HOME, XDG_CONFIG_HOME and XDG_DATA_HOME inside it) */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** where the extcap writes its notes (CSHARG_EXTCAP_LOG) */
  log: string;
  /** what `csharg extcap --install` printed */
  installed: CliRun;
  cleanup(): void;
}

/** The environment of a user whose home is `dir` (nothing of the real user's Wireshark settings). */
export function homeEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config'), XDG_DATA_HOME: path.join(dir, '.local', 'share') };
  delete env.CSHARG_HOST;
  delete env.CSHARG_TOKEN;
  delete env.CSHARG_EXTCAP_CONFIG;
  delete env.CSHARG_EXTCAP_LOG;
  return { ...env, ...extra };
}

/** A temporary home with `csharg extcap --install --host URL…` done in it. */
export async function installExtcap(hosts: string[], extraArgs: string[] = []): Promise<ExtcapHome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-extcap-home-'));
  const log = path.join(dir, 'extcap.log');
  const env = homeEnv(dir, { CSHARG_EXTCAP_LOG: log });
  const installed = await csharg(['extcap', '--install', ...hosts.flatMap((h) => ['--host', h]), ...extraArgs], { env });
  if (installed.code !== 0) throw new Error(`csharg extcap --install failed (${installed.code}): ${installed.stderr}`);
  return { dir, env, log, installed, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TsharkRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningTshark {
  pid: number;
  done: Promise<TsharkRun>;
  /** SIGTERM by PID (a no-op once it has exited) */
  stop(): void;
}

/** Starts tshark; a guard SIGKILLs it by PID after `killAfterMs` (default 150 s). */
export function startTshark(args: string[], env: NodeJS.ProcessEnv, killAfterMs = 150_000): RunningTshark {
  const child = spawn(TSHARK, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = child.pid!;
  let exited = false;
  const guard = setTimeout(() => {
    if (!exited) process.kill(pid, 'SIGKILL');
  }, killAfterMs);
  const done = new Promise<TsharkRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      exited = true;
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid,
    done,
    stop: () => {
      if (!exited) process.kill(pid, 'SIGTERM');
    },
  };
}

export function runTshark(args: string[], env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<TsharkRun> {
  return startTshark(args, env, killAfterMs).done;
}

/** `-o extcap.IFACE.OPTION:VALUE`, the way tshark takes an extcap interface's option. */
export function extcapOption(iface: string, option: string, value: string): string[] {
  return ['-o', `${preferenceName(iface, option)}:${value}`];
}

export function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Waits until the extcap's log has a line matching `pattern` (polling); rejects after `ms`, or when `abort` settles first. */
export async function waitForLog(file: string, pattern: RegExp, ms: number, abort?: Promise<unknown>): Promise<string> {
  let aborted = false;
  void abort?.then(
    () => (aborted = true),
    () => (aborted = true),
  );
  const until = Date.now() + ms;
  for (;;) {
    const line = readLog(file).split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (aborted) throw new Error(`tshark ended before the extcap logged ${pattern}; log: ${readLog(file)}`);
    if (Date.now() > until) throw new Error(`the extcap did not log ${pattern} within ${ms} ms; log: ${readLog(file)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** PIDs that logged into the extcap log (each capture's csharg process). */
export function loggedPids(file: string): number[] {
  const pids = new Set<number>();
  for (const line of readLog(file).split('\n')) {
    const m = /^\S+ (\d+) /.exec(line);
    if (m) pids.add(Number(m[1]));
  }
  return [...pids];
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
