// Helpers for the csharg command's tests against the real Packetflix and Gostwire of the test bed:
// the raw discovery answer (to compare our output with), capture links built the way Gostwire's
// web UI builds them, the dumpcap the real Packetflix runs for a request (found by a marker such
// as the filter's port, so that other tests' captures on the same bed never count), temp dirs, and
// a target namespace of the test's own with a keeper process (restartable, cleaned up by PID).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { packetflixDumpcaps, processGone } from './processes';
import type { ServiceDumpcap } from './processes';

const execFileAsync = promisify(execFile);

/** A target as the real Gostwire sends it in `/discover/mobyshark` (through Packetflix). */
export interface GostwireTarget {
  name: string;
  type: string;
  netns: number;
  'network-interfaces': string[] | null;
  prefix: string;
  pid: number;
  starttime: number;
  [key: string]: unknown;
}

/** The raw discovery answer of a real Packetflix (proxied to its Gostwire). */
export async function gostwireTargets(serviceUrl: string): Promise<GostwireTarget[]> {
  const res = await fetch(`${serviceUrl}/discover/mobyshark`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`discovery at ${serviceUrl} answered HTTP ${res.status}`);
  const body = (await res.json()) as { containers?: GostwireTarget[] };
  return body.containers ?? [];
}

/** The one discovered target with this name; throws naming what there is otherwise. */
export async function gostwireTarget(serviceUrl: string, name: string): Promise<GostwireTarget> {
  const all = await gostwireTargets(serviceUrl);
  const found = all.filter((t) => t.name === name);
  if (found.length !== 1) throw new Error(`discovery at ${serviceUrl} has ${found.length} targets named "${name}" (of ${all.length})`);
  return found[0]!;
}

/**
 * A `packetflix:` link as Gostwire v2.4.1's web UI builds it (webui TargetCapture.tsx): the
 * container JSON holds netns, network-interfaces, name, type and prefix (no pid, no starttime),
 * URI-encoded; `nif` joins the interfaces with `/`.
 */
export function gostwireUiLink(serviceUrl: string, target: GostwireTarget, nifs: string[]): string {
  const details = { netns: target.netns, 'network-interfaces': nifs, name: target.name, type: target.type, prefix: target.prefix };
  const base = serviceUrl.replace(/^http/, 'ws').replace(/\/?$/, '/');
  return `packetflix:${base}capture?container=${encodeURIComponent(JSON.stringify(details))}&nif=${nifs.join('/')}`;
}

// packetflixPid lives in testbed.ts; re-exported for this file's users.
export { packetflixPid } from './testbed';

/** The dumpcaps a real Packetflix runs now whose command line has an argument containing `marker`. */
export function serviceDumpcapsWith(pfPid: number, marker: string): ServiceDumpcap[] {
  return packetflixDumpcaps(pfPid).filter((d) => d.args.some((a) => a.includes(marker)));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the real Packetflix runs a dumpcap for our request (found by `marker`), then a
 * little longer for dumpcap to open its interfaces. A hang guard, not a speed test.
 */
export async function serviceDumpcapStarted(pfPid: number, marker: string, ms = 45_000): Promise<ServiceDumpcap> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [found] = serviceDumpcapsWith(pfPid, marker);
    if (found) {
      await sleep(700);
      return found;
    }
    if (Date.now() > deadline) throw new Error(`Packetflix ${pfPid} ran no dumpcap with "${marker}" within ${ms} ms`);
    await sleep(100);
  }
}

/** Resolves once no dumpcap of the real Packetflix has `marker` any more (each gone by PID). */
export async function serviceDumpcapsGone(pfPid: number, marker: string, ms = 15_000): Promise<void> {
  for (const d of serviceDumpcapsWith(pfPid, marker)) await processGone(d.pid, ms);
}

/** A fresh temp directory, removed after the test. */
export function tempDir(t: TestContext, prefix = 'csharg-cli-host-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A network namespace of the test's own (`ip netns add`, loopback up) with a keeper process whose
 * comm is the namespace's name (sleep through a symlink), so that Gostwire names it `NAME(PID)`
 * like the bed's targets. The keeper can be restarted (new PID, same namespace). Everything is
 * removed by PID and name in t.after.
 */
export class OwnNamespace {
  keeperPid = 0;
  readonly #dir: string;

  private constructor(
    readonly name: string,
    dir: string,
  ) {
    this.#dir = dir;
  }

  static async create(t: TestContext, name: string): Promise<OwnNamespace> {
    const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
    symlinkSync('/usr/bin/sleep', path.join(dir, name));
    const ns = new OwnNamespace(name, dir);
    t.after(async () => {
      await ns.stopKeeper();
      await ns.delete();
      rmSync(dir, { recursive: true, force: true });
    });
    await ns.delete();
    await execFileAsync('ip', ['netns', 'add', name]);
    await execFileAsync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await ns.startKeeper();
    return ns;
  }

  /** Starts a keeper inside the namespace (nsenter execs it, so its PID is the spawned one). */
  async startKeeper(): Promise<number> {
    const child = spawn('nsenter', [`--net=/run/netns/${this.name}`, path.join(this.#dir, this.name), 'infinity'], { stdio: 'ignore', detached: true });
    child.unref();
    if (child.pid === undefined) throw new Error('cannot start the keeper');
    this.keeperPid = child.pid;
    // Wait until the exec has happened: the comm is the namespace's name.
    const deadline = Date.now() + 10_000;
    while (!(await this.#commIs(child.pid))) {
      if (Date.now() > deadline) throw new Error(`keeper ${child.pid} did not start`);
      await sleep(20);
    }
    return child.pid;
  }

  async #commIs(pid: number): Promise<boolean> {
    try {
      const { stdout } = await execFileAsync('cat', [`/proc/${pid}/comm`]);
      return stdout.trim() === this.name;
    } catch {
      return false;
    }
  }

  /** Stops the keeper by its PID and waits until it is gone. */
  async stopKeeper(): Promise<void> {
    const pid = this.keeperPid;
    if (!pid) return;
    this.keeperPid = 0;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    await processGone(pid);
  }

  /** Stops the keeper, deletes the namespace and makes it anew (new inode) with a new keeper. */
  async recreate(): Promise<void> {
    await this.stopKeeper();
    await this.delete();
    await execFileAsync('ip', ['netns', 'add', this.name]);
    await execFileAsync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    await this.startKeeper();
  }

  async delete(): Promise<void> {
    if (existsSync(`/run/netns/${this.name}`)) await execFileAsync('ip', ['netns', 'del', this.name]);
  }

  /** Sends `count` UDP datagrams to 127.0.0.1:port inside the namespace (bounded, loopback only). */
  async sendUdp(count: number, port: number): Promise<void> {
    const script = `const s=require('dgram').createSocket('udp4');let i=0;const next=()=>{if(i++>=${count})return s.close();s.send('x',${port},'127.0.0.1',next)};next()`;
    await execFileAsync('ip', ['netns', 'exec', this.name, process.execPath, '-e', script], { timeout: 20_000 });
  }
}
