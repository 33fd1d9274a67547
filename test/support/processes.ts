// Which dumpcap processes this test process started and still has (to prove none is left).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { parseProcStat } from '../../src/core/local/proc-stat';

/** PIDs of this process's children that run dumpcap. */
export function childDumpcaps(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm === 'dumpcap' && stat.ppid === process.pid) pids.push(Number(entry));
    } catch {
      // exited while scanning
    }
  }
  return pids;
}

/** A dumpcap run by a real Packetflix: its PID and its command line (`-i`, `-f`, `-p` …). */
export interface ServiceDumpcap {
  pid: number;
  args: string[];
}

/**
 * The dumpcap processes a real Packetflix (by its PID) is running now, with their arguments: what
 * the server made of a capture request, read from /proc (the server tells no client this).
 */
export function packetflixDumpcaps(packetflixPid: number): ServiceDumpcap[] {
  const found: ServiceDumpcap[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm !== 'dumpcap' || stat.ppid !== packetflixPid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
      found.push({ pid: Number(entry), args });
    } catch {
      // exited while scanning
    }
  }
  return found;
}

/** Resolves once `pid` has exited; rejects after `ms`. */
export async function processGone(pid: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Whether a dumpcap has its capture device open: one of its file descriptors is a packet socket
 * of its network namespace (listed in /proc/PID/net/packet). From then on it captures; before, a
 * datagram sent would be missed. A precise "capture running" signal for tests, where a fixed sleep
 * is too short on a loaded machine.
 */
export function dumpcapCapturing(pid: number): boolean {
  try {
    const packetSockets = new Set(readFileSync(`/proc/${pid}/net/packet`, 'utf8').trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/).at(-1)));
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && packetSockets.has(m[1])) return true;
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return false;
}
