// Differential tests against Siemens' csharg (csharg-go, the bed's reference client): runs it as a
// child (stopped by SIGINT to its PID, the only way its capture ends), and splits the pcapng files
// both clients write into blocks to compare them.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface GoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** wall time from spawn to exit */
  ms: number;
}

export interface GoProcess {
  pid: number;
  /** resolves when csharg-go has exited */
  done: Promise<GoRun>;
  /** whether it still runs */
  running(): boolean;
  /** SIGINT to its PID (what Ctrl-C sends), if it still runs */
  interrupt(): void;
}

/** Starts csharg-go with `args`; a hang guard SIGKILLs it (by its PID) after `killAfterMs`. */
export function startCshargGo(path: string, args: string[], killAfterMs = 120_000): GoProcess {
  const started = Date.now();
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${path}`);
  const pid = child.pid;
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  const guard = setTimeout(() => {
    if (!exited) process.kill(pid, 'SIGKILL');
  }, killAfterMs);
  const done = new Promise<GoRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      exited = true;
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, ms: Date.now() - started });
    });
  });
  child.once('exit', () => (exited = true));
  return {
    pid,
    done,
    running: () => !exited,
    interrupt: () => {
      if (!exited) process.kill(pid, 'SIGINT');
    },
  };
}

/** Runs csharg-go to its end (for commands that end by themselves). */
export function runCshargGo(path: string, args: string[], killAfterMs = 60_000): Promise<GoRun> {
  return startCshargGo(path, args, killAfterMs).done;
}

export interface Block {
  type: number;
  /** the whole block, as in the file */
  bytes: Buffer;
}

export const SHB = 0x0a0d0d0a;
export const IDB = 0x00000001;
export const EPB = 0x00000006;

/** The blocks of a little-endian pcapng file, in order; a torn last block is an error. */
export function pcapngBlocks(data: Buffer): Block[] {
  const blocks: Block[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 12 > data.length) throw new Error(`torn block at offset ${at}`);
    const type = data.readUInt32LE(at);
    const length = data.readUInt32LE(at + 4);
    if (length < 12 || length % 4 !== 0 || at + length > data.length) throw new Error(`bad block length ${length} at offset ${at}`);
    if (data.readUInt32LE(at + length - 4) !== length) throw new Error(`block at offset ${at}: trailing length differs`);
    blocks.push({ type, bytes: data.subarray(at, at + length) });
    at += length;
  }
  return blocks;
}

/** The blocks of a file, or none while it does not exist. */
export function fileBlocks(file: string): Block[] {
  if (!existsSync(file)) return [];
  const data = readFileSync(file);
  // A file being written may end inside a block: take the complete ones.
  const blocks: Block[] = [];
  let at = 0;
  while (at + 12 <= data.length) {
    const length = data.readUInt32LE(at + 4);
    if (length < 12 || at + length > data.length) break;
    blocks.push({ type: data.readUInt32LE(at), bytes: data.subarray(at, at + length) });
    at += length;
  }
  return blocks;
}

/** The UDP ports of an Ethernet/IPv4 packet in an EPB: of the datagram, or of the one an ICMP error quotes. */
export function udpPortsOf(epb: Buffer): { src: number; dst: number; icmp: boolean; payload: Buffer } | undefined {
  const caplen = epb.readUInt32LE(20);
  const frame = epb.subarray(28, 28 + caplen);
  if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== 0x0800) return undefined;
  const ip = frame.subarray(14);
  const ihl = (ip[0]! & 0x0f) * 4;
  if (ip[9] === 17 && ip.length >= ihl + 8) {
    return { src: ip.readUInt16BE(ihl), dst: ip.readUInt16BE(ihl + 2), icmp: false, payload: ip.subarray(ihl + 8) };
  }
  if (ip[9] === 1 && ip.length >= ihl + 8 + 20) {
    const inner = ip.subarray(ihl + 8);
    const innerIhl = (inner[0]! & 0x0f) * 4;
    if (inner[9] === 17 && inner.length >= innerIhl + 4) {
      return { src: inner.readUInt16BE(innerIhl), dst: inner.readUInt16BE(innerIhl + 2), icmp: true, payload: Buffer.alloc(0) };
    }
  }
  return undefined;
}

/** The EPBs of `blocks` that carry (or quote) a UDP datagram to or from one of `ports`. */
export function packetsOnPorts(blocks: Block[], ports: number[]): Buffer[] {
  return blocks.filter((b) => b.type === EPB).map((b) => b.bytes).filter((epb) => {
    const udp = udpPortsOf(epb);
    return udp !== undefined && (ports.includes(udp.src) || ports.includes(udp.dst));
  });
}

/** The sequence numbers (payload's first 4 bytes) of the UDP datagrams (not ICMP quotes) to `port`. */
export function sequenceNumbers(epbs: Buffer[], port: number): number[] {
  return epbs.flatMap((epb) => {
    const udp = udpPortsOf(epb);
    return udp && !udp.icmp && udp.dst === port && udp.payload.length >= 4 ? [udp.payload.readUInt32BE(0)] : [];
  });
}
