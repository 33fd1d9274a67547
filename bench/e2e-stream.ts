// Small, allocation-free helpers of the e2e benchmark (no RxJS, no project code, so the bare
// client measures nothing of ours): a pcapng stream walker that counts packets by IP protocol
// while reading only block headers, the interface statistics block (ISB) dumpcap writes last,
// CPU seconds of a process tree from /proc, and percentiles.
import { readdirSync, readFileSync } from 'node:fs';

const SHB = 0x0a0d0d0a;
const EPB = 0x00000006;
const ISB = 0x00000005;
/** EPB header (28) + Ethernet (14) + the IPv4 header up to its protocol byte (10) */
const EPB_PEEK = 28 + 14 + 10;

export interface InterfaceStats {
  /** isb_ifrecv: packets the interface (kernel) received for this capture */
  ifRecv?: number;
  /** isb_ifdrop: packets dropped by the interface / kernel buffer (libpcap's ps_ifdrop) */
  ifDrop?: number;
  /** isb_osdrop: packets the OS dropped (libpcap's ps_drop: ring buffer full) */
  osDrop?: number;
}

export interface StreamCounts {
  bytes: number;
  packets: number;
  udp: number;
  tcp: number;
  other: number;
  /** the last ISB seen (dumpcap writes one per interface when it stops) */
  isb?: InterfaceStats;
}

/** An Enhanced Packet Block's IPv4 protocol (17 UDP, 6 TCP), -1 when not Ethernet/IPv4. */
function protocolOf(block: Buffer, at: number, littleEndian: boolean): number {
  const capLen = littleEndian ? block.readUInt32LE(at + 20) : block.readUInt32BE(at + 20);
  if (capLen < 24) return -1;
  const d = at + 28;
  if (block[d + 12] !== 0x08 || block[d + 13] !== 0x00) return -1;
  return block[d + 23]!;
}

/** The options of an ISB (the whole block, either byte order) that tell of packets received and dropped. */
export function parseIsb(block: Buffer, littleEndian = true): InterfaceStats {
  const u32 = (at: number) => (littleEndian ? block.readUInt32LE(at) : block.readUInt32BE(at));
  const u16 = (at: number) => (littleEndian ? block.readUInt16LE(at) : block.readUInt16BE(at));
  const u64 = (at: number) => Number(littleEndian ? block.readBigUInt64LE(at) : block.readBigUInt64BE(at));
  const length = u32(4);
  const stats: InterfaceStats = {};
  let at = 20;
  while (at + 4 <= length - 4) {
    const code = u16(at);
    const len = u16(at + 2);
    if (code === 0) break;
    if (len === 8) {
      if (code === 4) stats.ifRecv = u64(at + 4);
      else if (code === 5) stats.ifDrop = u64(at + 4);
      else if (code === 7) stats.osDrop = u64(at + 4);
    }
    at += 4 + Math.ceil(len / 4) * 4;
  }
  return stats;
}

/**
 * Counts a pcapng stream fed in chunks of any size: bytes, EPBs (by IPv4 protocol), and the ISB.
 * Per block it reads the 8-byte header and, for an EPB, the bytes up to the IPv4 protocol; the rest
 * is skipped without a copy. Only the few header bytes that straddle two chunks are copied.
 */
export class StreamCounter implements StreamCounts {
  bytes = 0;
  packets = 0;
  udp = 0;
  tcp = 0;
  other = 0;
  isb?: InterfaceStats;
  private littleEndian = true;
  /** bytes still to skip of the current block */
  private skip = 0;
  /** a block head split over chunks: its bytes so far */
  private head: Buffer = Buffer.alloc(0);

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    let at = 0;
    const n = chunk.length;
    while (at < n) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, n - at);
        this.skip -= step;
        at += step;
        continue;
      }
      const h = this.head.length;
      // a head split over chunks: complete it with up to 4 KiB of this chunk (an ISB is shorter)
      const buf = h > 0 ? Buffer.concat([this.head, chunk.subarray(at, Math.min(n, at + 4096))]) : chunk;
      const base = h > 0 ? 0 : at;
      const avail = buf.length - base;
      if (avail < 12) {
        this.keepHead(chunk, at);
        return;
      }
      let type = buf.readUInt32LE(base);
      if (type === SHB) this.littleEndian = buf.readUInt32LE(base + 8) === 0x1a2b3c4d;
      else if (!this.littleEndian) type = buf.readUInt32BE(base);
      const length = this.littleEndian ? buf.readUInt32LE(base + 4) : buf.readUInt32BE(base + 4);
      if (length < 12 || length % 4 !== 0) throw new Error(`pcapng: bad block length ${length} at stream byte ${this.bytes - n + at - h}`);
      const need = type === EPB ? Math.min(length, EPB_PEEK) : type === ISB ? length : 8;
      if (avail < need) {
        this.keepHead(chunk, at);
        return;
      }
      if (type === EPB) {
        this.packets++;
        const p = length >= EPB_PEEK ? protocolOf(buf, base, this.littleEndian) : -1;
        if (p === 17) this.udp++;
        else if (p === 6) this.tcp++;
        else this.other++;
      } else if (type === ISB) {
        this.isb = parseIsb(buf.subarray(base, base + length), this.littleEndian);
      }
      // the block's bytes in this chunk: all but the h of its head that came before
      const take = Math.min(length - h, n - at);
      at += take;
      this.skip = length - h - take;
      if (h > 0) this.head = Buffer.alloc(0);
    }
  }

  private keepHead(chunk: Buffer, at: number): void {
    this.head = Buffer.concat([this.head, chunk.subarray(at)]);
  }

  counts(): StreamCounts {
    return { bytes: this.bytes, packets: this.packets, udp: this.udp, tcp: this.tcp, other: this.other, ...(this.isb ? { isb: this.isb } : {}) };
  }
}

/** The ISB that ends a stream's tail (dumpcap's last block), if the tail ends with one. */
export function isbAtEnd(tail: Buffer): InterfaceStats | undefined {
  if (tail.length < 12) return undefined;
  for (const le of [true, false]) {
    const length = le ? tail.readUInt32LE(tail.length - 4) : tail.readUInt32BE(tail.length - 4);
    if (length < 12 || length > tail.length || length % 4 !== 0) continue;
    const block = tail.subarray(tail.length - length);
    const type = le ? block.readUInt32LE(0) : block.readUInt32BE(0);
    const lead = le ? block.readUInt32LE(4) : block.readUInt32BE(4);
    if (type === ISB && lead === length) return parseIsb(block, le);
  }
  return undefined;
}

/** Keeps the last few chunks of a stream by reference (to read the ISB at its end). */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly keep = 4096) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.keep) this.size -= this.chunks.shift()!.length;
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** utime + stime of one process in seconds (/proc/PID/stat), 0 when it is gone. */
export function processCpuSeconds(pid: number, ticksPerSecond = 100): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** A process and all its descendants, from /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds of a process and its descendants now. */
export function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

/** The p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** a / b, or null when b is 0 (a ratio that cannot be formed is reported as null, never as a number). */
export function ratio(a: number, b: number): number | null {
  return b > 0 && Number.isFinite(a) ? a / b : null;
}
