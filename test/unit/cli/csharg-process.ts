// Test helper (no tests here): runs the csharg command from source as a child process, alone or
// in a shell pipeline, through a `csharg` wrapper on PATH; finds dumpcap processes by a marker.
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');
const TSX = pathToFileURL(require.resolve('tsx', { paths: [REPO_ROOT] })).href;

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** wall time from spawn to exit */
  ms: number;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** a guard against hangs: the child is SIGKILLed after this long (default 60 s) */
  killAfterMs?: number;
  /** called once the child runs (to signal it, say) */
  onSpawn?: (pid: number) => void;
}

function run(file: string, args: string[], opts: CliOptions, spawnOpts: SpawnOptions = {}): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(file, args, { cwd: REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts });
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const guard = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, opts.killAfterMs ?? 60_000);
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, ms: Date.now() - started });
    });
  });
}

/** `csharg ARGS…` from source. */
export function csharg(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return run(process.execPath, ['--import', TSX, CLI, ...args], opts);
}

/** A directory with a `csharg` wrapper (and any extra executables); remove it with cleanup(). */
export function binDir(extra: Record<string, string> = {}): { dir: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'csharg-bin-'));
  const scripts = { csharg: `#!/bin/sh\nexec '${process.execPath}' --import '${TSX}' '${CLI}' "$@"\n`, ...extra };
  for (const [name, text] of Object.entries(scripts)) {
    writeFileSync(path.join(dir, name), text);
    chmodSync(path.join(dir, name), 0o755);
  }
  return { dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `bash -c SCRIPT` with the given environment (a binDir's, for `csharg` in pipelines). */
export function shell(script: string, opts: CliOptions = {}): Promise<CliRun> {
  return run('bash', ['-c', script], opts);
}

/** PIDs of running dumpcap processes whose command line contains `marker` (e.g. a filter port). */
export function dumpcapsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline.some((a) => a.endsWith('dumpcap')) && cmdline.some((a) => a.includes(marker))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Resolves once `check` is true, polling; rejects after `ms` (a hang guard, not a speed test). */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
