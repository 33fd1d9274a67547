// A REAL Packetflix v0.9.7 (+ Gostwire v2.4.1) of a test's own, for fault tests that kill, freeze
// or restart the server: the bed's binaries run in a network namespace the test makes
// (csharg-h10f…), reached from this (host) namespace over a veth pair on a private /30 of
// 198.18.250.0/24. The bed's svc1/svc2 are never touched. Gostwire in its own namespace still sees
// every process (same PID namespace), so it discovers the bed's targets as svc1 does. Every process
// is started and stopped by its PID; the namespace (and with it the veth pair) is deleted after
// the test.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { packetflixDumpcaps, processGone } from './processes';
import type { ServiceDumpcap } from './processes';
import { cshargGoPath } from './testbed';
import type { BedEnv } from './testbed';

const execFileAsync = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isDumpcap(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dumpcap';
  } catch {
    return false;
  }
}

/** Stops `pid` (SIGTERM, then SIGKILL after 5 s) and waits until it is gone; a stopped (SIGSTOP) process is continued first. */
export async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await processGone(pid, 5_000);
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    await processGone(pid, 10_000);
  }
}

export interface OwnEdgesharkOptions {
  /** the namespace's name (csharg-h10f…, at most 15 characters with the veth suffix) */
  name: string;
  /** the /30's third octet in 198.18.X.0/30 (host side .1, the namespace .2) */
  subnet: number;
  /** start Gostwire too (default true) */
  gostwire?: boolean;
}

export class OwnEdgeshark {
  packetflixPid = 0;
  gostwirePid = 0;
  /** every dumpcap this instance's Packetflix ran that a test saw (to stop orphans by PID afterwards) */
  readonly seenDumpcaps = new Set<number>();
  readonly url: string;
  readonly #binDir: string;

  private constructor(
    readonly bed: BedEnv,
    readonly name: string,
    readonly address: string,
    readonly hostAddress: string,
  ) {
    this.url = `http://${address}:5001`;
    this.#binDir = path.dirname(cshargGoPath(bed));
  }

  static async start(t: TestContext, bed: BedEnv, options: OwnEdgesharkOptions): Promise<OwnEdgeshark> {
    const own = new OwnEdgeshark(bed, options.name, `198.18.${options.subnet}.2`, `198.18.${options.subnet}.1`);
    t.after(async () => {
      await own.stopAll();
      await own.#deleteNamespace();
    });
    await own.#deleteNamespace();
    const ns = options.name;
    const hostIf = `${ns.replace(/^csharg-/, '')}-h`;
    await execFileAsync('ip', ['netns', 'add', ns]);
    await execFileAsync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await execFileAsync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await execFileAsync('ip', ['addr', 'add', `${own.hostAddress}/30`, 'dev', hostIf]);
    await execFileAsync('ip', ['-n', ns, 'addr', 'add', `${own.address}/30`, 'dev', 'eth0']);
    await execFileAsync('ip', ['link', 'set', hostIf, 'up']);
    await execFileAsync('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    if (options.gostwire !== false) own.startGostwire();
    await own.startPacketflix();
    return own;
  }

  async #deleteNamespace(): Promise<void> {
    // Deleting the namespace deletes its veth end and with it the host-side peer.
    if (existsSync(`/run/netns/${this.name}`)) await execFileAsync('ip', ['netns', 'del', this.name]);
  }

  #spawn(binary: string, args: string[]): number {
    const child = spawn('nsenter', [`--net=/run/netns/${this.name}`, path.join(this.#binDir, binary), ...args], { stdio: 'ignore', detached: true });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${binary}`);
    return child.pid;
  }

  startGostwire(): number {
    this.gostwirePid = this.#spawn(`gostwire-${this.bed.services.gostwireVersion}`, ['--http', '[::]:5000']);
    return this.gostwirePid;
  }

  /** Starts Packetflix (--proxy-discovery to the namespace's Gostwire) and waits until /version answers. */
  async startPacketflix(): Promise<number> {
    this.packetflixPid = this.#spawn(`packetflix-${this.bed.services.packetflixVersion}`, ['--port', '5001', '--proxy-discovery', '--discovery-service', 'localhost', '--gw-port', '5000']);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`${this.url}/version`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ok) return this.packetflixPid;
      if (Date.now() > deadline) throw new Error(`our Packetflix (${this.packetflixPid}) did not answer ${this.url}/version within 30 s`);
      await sleep(200);
    }
  }

  /** The dumpcaps this instance's Packetflix runs now (remembered for cleanup). */
  dumpcaps(): ServiceDumpcap[] {
    if (!this.packetflixPid) return [];
    const found = packetflixDumpcaps(this.packetflixPid);
    for (const d of found) this.seenDumpcaps.add(d.pid);
    return found;
  }

  /** Waits until this Packetflix runs a dumpcap with `-f filter`, then a little longer for it to open its interfaces. */
  async dumpcapWithFilter(filter: string, ms = 45_000): Promise<ServiceDumpcap> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.dumpcaps().find((d) => d.args[d.args.indexOf('-f') + 1] === filter && d.args.includes('-f'));
      if (found) {
        await sleep(700);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`our Packetflix ${this.packetflixPid} ran no dumpcap -f ${JSON.stringify(filter)} within ${ms} ms`);
      await sleep(100);
    }
  }

  /** Stops Packetflix, Gostwire and any dumpcap of theirs still running, each by PID. */
  async stopAll(): Promise<void> {
    if (this.packetflixPid) this.dumpcaps();
    for (const pid of [this.packetflixPid, this.gostwirePid]) if (pid) await stopPid(pid);
    for (const pid of this.seenDumpcaps) if (isDumpcap(pid)) await stopPid(pid);
    this.packetflixPid = 0;
    this.gostwirePid = 0;
  }
}
