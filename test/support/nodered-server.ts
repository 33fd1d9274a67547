// A real Node-RED 4.1 for end-to-end tests: this package packed with `npm pack`, installed into a
// fresh user directory, node-red started from node_modules on 127.0.0.1, stopped by its PID.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './testbed';

const execFileAsync = promisify(execFile);

export interface NodeRedServer {
  readonly url: string;
  readonly userDir: string;
  readonly pid: number;
  /** everything node-red printed so far */
  output(): string;
  /** SIGTERM by PID, SIGKILL after 15 s; removes the user directory */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `npm run build` then `npm pack` into `dir`; the tarball's path. CSHARG_E2E_SKIP_BUILD=1 packs
 * the dist/ that is there (for a tree where someone else's unfinished file breaks the build).
 */
export async function buildAndPack(dir: string): Promise<string> {
  if (process.env.CSHARG_E2E_SKIP_BUILD !== '1') await execFileAsync('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  const { stdout } = await execFileAsync('npm', ['pack', '--pack-destination', dir], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  const name = stdout.trim().split('\n').pop()!;
  return path.join(dir, name);
}

/** A fresh user directory with the tarball installed (npm's cache serves the dependencies). */
export async function userDirWith(tarball: string): Promise<string> {
  const userDir = mkdtempSync(path.join(tmpdir(), 'csharg-nr-user-'));
  writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, version: '0.0.0' }));
  await execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: userDir, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  return userDir;
}

async function waitUntilUp(url: string, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`node-red exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/settings`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`node-red did not answer at ${url} within ${ms} ms`);
}

/** The first port of `from`…`to` (inclusive) free on 127.0.0.1, for tests that keep to a port range. */
export async function freePortIn(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${from}-${to}`);
}

/** node-red from the repo's node_modules in `userDir`, on `port` (default: any free one), stopped by its PID. */
export async function startNodeRed(userDir: string, port?: number): Promise<NodeRedServer> {
  port ??= await freePort();
  const settings = path.join(userDir, 'settings.js');
  writeFileSync(settings, `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, flowFile: 'flows.json', credentialSecret: false, telemetry: { enabled: false, updateNotification: false }, editorTheme: { tours: false }, logging: { console: { level: 'info' } } })};\n`);
  mkdirSync(path.join(userDir, 'lib'), { recursive: true });
  const red = path.join(REPO_ROOT, 'node_modules', 'node-red', 'red.js');
  const child = spawn(process.execPath, [red, '-u', userDir, '-p', String(port), '-s', settings], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => { if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL'); }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(userDir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(url, child, 90_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return { url, userDir, pid: child.pid!, output: () => output, stop };
}
