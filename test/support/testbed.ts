// Access to the test bed (scripts/edgeshark-testbed.sh) from tests: its JSON description, bounded
// traffic between its namespaces, and dumpcap runs inside them.
//
// Outside CI a test whose bed is missing is skipped with the reason; with CI=true it fails instead,
// naming what is missing, so that CI can never pass by skipping.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BED_SCRIPT = path.join(REPO_ROOT, 'scripts', 'edgeshark-testbed.sh');

export interface BedInterface {
  name: string;
  up: boolean;
  addresses: string[];
}

export interface BedNamespace {
  /** e.g. `csharg-t1` */
  name: string;
  /** e.g. `t1`, `hub`, `empty`, `svc1` */
  host: string;
  role: 'target' | 'hub' | 'empty' | 'service';
  netns: number;
  keeperPid: number | null;
  interfaces: BedInterface[];
}

export interface BedServiceHost {
  name: string;
  namespace: string;
  url: string | null;
  packetflixPid: number | null;
  gostwirePid: number | null;
  /** what Packetflix's /version says (0.9.6 for v0.9.7: upstream never bumped it) */
  packetflixReports: string | null;
  /** Gostwire's creator-version in the discovery metadata */
  gostwireReports: string | null;
}

/** nginx in front of svc1's real Packetflix (TLS from the bed's CA, a bearer token, a prefix). */
export interface BedNginx {
  pid: number;
  /** svc1's Packetflix, which nginx forwards to */
  upstream: string | null;
  /** `https://ADDR:PORT/edgeshark`: the service under a prefix */
  url: string;
  /** `https://ADDR:PORT/noquery`: forwards without the query string (as the Kubernetes API-server proxy does) */
  noQueryUrl: string;
  /** a prefix nginx does not serve (404) */
  wrongPrefixUrl: string;
  /** the bearer token nginx wants (`Authorization: Bearer TOKEN`; else 401) */
  token: string;
  /** the bed's CA (PEM) that signed nginx's certificate */
  caFile: string;
  config: string;
}

export interface BedEnv {
  stateDir: string;
  services: {
    available: boolean;
    reason: string | null;
    packetflixVersion: string;
    gostwireVersion: string;
    hosts: BedServiceHost[];
    /** Siemens' csharg (the reference client), built with the services */
    cshargGo: { version: string; path: string | null };
  };
  /** null when nginx does not run (absent in envs from before issue 14) */
  nginx?: BedNginx | null;
  namespaces: BedNamespace[];
}

const isCI = process.env.CI === 'true';

let cached: Promise<BedEnv | string> | undefined;

async function readBed(): Promise<BedEnv | string> {
  if (process.getuid?.() !== 0) return 'the test bed needs root (it uses network namespaces)';
  if (!existsSync('/run/netns/csharg-t1')) return 'the test bed is not up: run `scripts/edgeshark-testbed.sh up` as root';
  for (const tool of ['/usr/bin/dumpcap', '/usr/bin/tshark', '/usr/bin/capinfos']) {
    if (!existsSync(tool)) return `${tool} is missing: run \`scripts/edgeshark-testbed.sh deps\` (Debian package tshark)`;
  }
  const { stdout } = await execFileAsync('bash', [BED_SCRIPT, 'env'], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as BedEnv;
}

/** The bed, or undefined after marking the test skipped (outside CI) or failing it (in CI). */
export async function requireBed(t: TestContext): Promise<BedEnv | undefined> {
  cached ??= readBed();
  const bed = await cached;
  if (typeof bed === 'string') {
    if (isCI) throw new Error(`test bed prerequisite missing (CI=true never skips): ${bed}`);
    t.skip(bed);
    return undefined;
  }
  return bed;
}

/** The bed's description; throws when it is missing (for before() hooks and benchmarks). */
export async function loadBed(): Promise<BedEnv> {
  cached ??= readBed();
  const bed = await cached;
  if (typeof bed === 'string') throw new Error(`test bed prerequisite missing: ${bed}`);
  return bed;
}

/** A bed whose real Edgeshark services (both hosts) run; skipped outside CI, failed in CI otherwise. */
export async function requireServices(t: TestContext): Promise<BedEnv | undefined> {
  const bed = await requireBed(t);
  if (!bed) return undefined;
  if (bed.services.available) return bed;
  const why = `the real Edgeshark services are not running: ${bed.services.reason ?? 'not started'} (scripts/edgeshark-testbed.sh up)`;
  if (isCI) throw new Error(`test bed prerequisite missing (CI=true never skips): ${why}`);
  t.skip(why);
  return undefined;
}

/** The bed's nginx in front of svc1's real services; skipped outside CI, failed in CI when it does not run. */
export async function requireNginx(t: TestContext): Promise<{ bed: BedEnv; nginx: BedNginx } | undefined> {
  const bed = await requireServices(t);
  if (!bed) return undefined;
  if (bed.nginx) return { bed, nginx: bed.nginx };
  const why = 'the test bed\'s nginx does not run (scripts/edgeshark-testbed.sh up starts it; Debian package nginx)';
  if (isCI) throw new Error(`test bed prerequisite missing (CI=true never skips): ${why}`);
  t.skip(why);
  return undefined;
}

/** The bed's services; throws when they do not run (for before() hooks and benchmarks). */
export async function loadServices(): Promise<BedEnv> {
  const bed = await loadBed();
  if (!bed.services.available) throw new Error(`the real Edgeshark services are not running: ${bed.services.reason ?? 'not started'}`);
  return bed;
}

/** The URL of a bed service host's real Packetflix (`svc1` or `svc2`). */
export function serviceUrl(bed: BedEnv, host: 'svc1' | 'svc2' = 'svc1'): string {
  const url = bed.services.hosts.find((h) => h.name === host)?.url;
  if (!url) throw new Error(`the test bed has no service host "${host}"`);
  return url;
}

/** The PID of a bed service host's real Packetflix (for packetflixDumpcaps in processes.ts). */
export function packetflixPid(bed: BedEnv, host: 'svc1' | 'svc2' = 'svc1'): number {
  const pid = bed.services.hosts.find((h) => h.name === host)?.packetflixPid;
  if (!pid) throw new Error(`the test bed's ${host} has no Packetflix PID`);
  return pid;
}

/** The path of Siemens' csharg (csharg-go); throws when it was not built. */
export function cshargGoPath(bed: BedEnv): string {
  if (!bed.services.cshargGo.path) throw new Error('csharg-go was not built (scripts/edgeshark-testbed.sh up builds it with the services)');
  return bed.services.cshargGo.path;
}

/** The name discovery gives a bed namespace's keeper process, `comm(PID)`, e.g. `csharg-t2(1234)`. */
export function keeperName(bed: BedEnv, host: string): string {
  const ns = bedNamespace(bed, host);
  return `${ns.name}(${ns.keeperPid})`;
}

export function bedNamespace(bed: BedEnv, host: string): BedNamespace {
  const ns = bed.namespaces.find((n) => n.host === host);
  if (!ns) throw new Error(`the test bed has no namespace for host "${host}"`);
  return ns;
}

/** The IPv4 address (without prefix length) of an interface in a bed namespace. */
export function bedAddress(bed: BedEnv, host: string, iface = 'eth0'): string {
  const addr = bedNamespace(bed, host).interfaces.find((i) => i.name === iface)?.addresses.find((a) => !a.includes(':'));
  if (!addr) throw new Error(`bed host "${host}" has no IPv4 address on ${iface}`);
  return addr.split('/')[0]!;
}

export interface UdpTraffic {
  from: string;
  to: string;
  count: number;
  /** datagrams per second; 0 = as fast as possible */
  rate?: number;
  /** payload bytes */
  size?: number;
  port?: number;
}

/** Sends `count` UDP datagrams from one bed host to another; resolves when all are sent. */
export async function sendUdp(opts: UdpTraffic): Promise<{ sent: number; bytes: number }> {
  const args = ['traffic', 'udp', opts.from, opts.to, '--count', String(opts.count)];
  if (opts.rate !== undefined) args.push('--rate', String(opts.rate));
  if (opts.size !== undefined) args.push('--size', String(opts.size));
  if (opts.port !== undefined) args.push('--port', String(opts.port));
  const { stdout } = await execFileAsync('bash', [BED_SCRIPT, ...args], { timeout: 130_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { sent: number; bytes: number };
}

export interface TcpTraffic {
  from: string;
  to: string;
  bytes: number;
  /** bytes per second; 0 = as fast as possible */
  rate?: number;
  port?: number;
}

/** One TCP connection carrying `bytes` from one bed host to a sink on another. */
export async function tcpExchange(opts: TcpTraffic): Promise<{ sent: number; received: number }> {
  const args = ['traffic', 'tcp', opts.from, opts.to, '--bytes', String(opts.bytes)];
  if (opts.rate !== undefined) args.push('--rate', String(opts.rate));
  if (opts.port !== undefined) args.push('--port', String(opts.port));
  const { stdout } = await execFileAsync('bash', [BED_SCRIPT, ...args], { timeout: 130_000 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  return { sent: lines.find((l) => 'sent' in l)?.sent ?? -1, received: lines.find((l) => 'received' in l)?.received ?? -1 };
}

export interface DumpcapRun {
  /** dumpcap's pcapng output */
  stdout: Readable;
  /** resolves once dumpcap has written its first bytes (the SHB): capturing has started */
  started: Promise<void>;
  /** SIGTERM by PID; resolves when dumpcap has exited and its output has ended */
  stop(): Promise<void>;
}

export interface DumpcapOptions {
  /** bed namespace name, e.g. `csharg-t1` */
  ns: string;
  /** interfaces; `any` for the pseudo-interface */
  ifaces: string[];
  filter?: string;
}

/** Runs Debian's dumpcap inside a bed namespace, writing pcapng to stdout. */
export function dumpcapCapture(opts: DumpcapOptions): DumpcapRun {
  const args = [`--net=/run/netns/${opts.ns}`, '/usr/bin/dumpcap', '-w', '-', '-n', '-q'];
  for (const i of opts.ifaces) args.push('-i', i);
  if (opts.filter) args.push('-f', opts.filter);
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.once('readable', () => resolve());
    child.once('close', (code) => reject(new Error(`dumpcap exited (${code}) before writing: ${stderr.trim()}`)));
  });
  started.catch(() => undefined);
  return {
    stdout: child.stdout,
    started,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}

/** Runs tshark on a file with the given fields; one array of strings per packet. */
export async function tsharkFields(file: string, fields: string[], extra: string[] = []): Promise<string[][]> {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=\t', ...extra];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await execFileAsync('/usr/bin/tshark', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

// Runs in a bed namespace: one TCP connect per port, each socket destroyed on its outcome or after
// 300 ms; the process ends once all are done (and within 10 s in any case).
const PORT_SCANNER = `
const net = require('node:net');
const [host, first, count] = process.argv.slice(1);
let done = 0;
setTimeout(() => process.exit(2), 10000).unref();
for (let i = 0; i < Number(count); i++) {
  const s = net.connect({ host, port: Number(first) + i });
  let over = false;
  const end = () => { if (over) return; over = true; s.destroy(); if (++done === Number(count)) process.exit(0); };
  s.setTimeout(300, end);
  s.on('error', end);
  s.on('connect', end);
}`;

/** A real, bounded TCP SYN scan from one bed host to `count` ports of another's address. */
export async function portScan(bed: BedEnv, opts: { from: string; to: string; firstPort: number; count: number }): Promise<void> {
  if (opts.count < 1 || opts.count > 1000) throw new RangeError('portScan: count must be 1..1000');
  await execFileAsync(
    'nsenter',
    [`--net=/run/netns/${bedNamespace(bed, opts.from).name}`, process.execPath, '-e', PORT_SCANNER, bedAddress(bed, opts.to), String(opts.firstPort), String(opts.count)],
    { timeout: 20_000 },
  );
}
