// Helpers for the host client's transport tests (proxy, TLS, header injection, heartbeat) against
// the bed's REAL Packetflix and Gostwire: the bed's targets as discovery names them (with the
// keeper's PID, looked up, never hard-coded), the dumpcap the real server runs for a request,
// counting captured datagrams with tshark, and a relay that counts WebSocket frames (pings, pongs).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Target } from '../../src/core/target';
import { packetflixDumpcaps } from './processes';
import type { ServiceDumpcap } from './processes';
import { bedNamespace, tsharkFields } from './testbed';
import type { BedEnv, BedServiceHost } from './testbed';
import { startTcpRelay } from './recording-relay';

/** The service host `svc1` or `svc2` of the bed, with its PIDs. */
export function bedServiceHost(bed: BedEnv, name: 'svc1' | 'svc2' = 'svc1'): BedServiceHost {
  const host = bed.services.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`the test bed has no service host "${name}"`);
  return host;
}

/** The name Gostwire gives a bed target namespace: its keeper's comm and PID, e.g. `csharg-t2(1234)`. */
export function bedTargetName(bed: BedEnv, host: string): string {
  const ns = bedNamespace(bed, host);
  if (!ns.keeperPid) throw new Error(`bed namespace ${ns.name} has no keeper process`);
  return `${ns.name}(${ns.keeperPid})`;
}

/** The one discovered target for a bed host (`t1` … `t4`), checked against the bed's netns inode. */
export function findBedTarget(targets: readonly Target[], bed: BedEnv, host: string): Target {
  const name = bedTargetName(bed, host);
  const found = targets.filter((t) => t.name === name);
  if (found.length !== 1) throw new Error(`discovery lists ${found.length} targets named ${JSON.stringify(name)} (expected one)`);
  const target = found[0]!;
  if (target.netns !== bedNamespace(bed, host).netns) throw new Error(`${name}: discovery says netns ${target.netns}, the bed ${bedNamespace(bed, host).netns}`);
  return target;
}

/** The dumpcap runs of the real Packetflix on `serviceHost` whose capture filter is `filter`. */
export function serviceDumpcapsWithFilter(serviceHost: BedServiceHost, filter: string): ServiceDumpcap[] {
  if (!serviceHost.packetflixPid) throw new Error(`${serviceHost.name}: Packetflix is not running`);
  return packetflixDumpcaps(serviceHost.packetflixPid).filter((d) => {
    const f = d.args.indexOf('-f');
    return f !== -1 && d.args[f + 1] === filter;
  });
}

/** Writes captured pcapng chunks to `dir/name.pcapng` and counts the UDP datagrams to `port` (tshark). */
export async function countUdpDatagrams(chunks: readonly Buffer[], dir: string, name: string, port: number): Promise<number> {
  const file = path.join(dir, `${name}.pcapng`);
  writeFileSync(file, Buffer.concat(chunks));
  return (await tsharkFields(file, ['udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`])).length;
}

/** Resolves after `ms` (lets frames in flight arrive before a stop). */
export const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** WebSocket frames seen by a frame-counting relay, by opcode (`0x9` ping, `0xa` pong, `0x2` binary …). */
export interface FrameCounts {
  /** frames the client sent (masked) */
  fromClient: Map<number, number>;
  /** frames the server sent */
  fromServer: Map<number, number>;
}

export interface FrameCountingRelay {
  /** http://127.0.0.1:PORT, relaying to the target */
  url: string;
  /** one entry per connection that switched to WebSocket, in connection order */
  connections: FrameCounts[];
  close(): Promise<void>;
}

/**
 * Parses the WebSocket frames of one direction after the HTTP head (RFC 6455 framing: 2-byte
 * header, 16- or 64-bit extended length, 4-byte mask key from clients) and counts them by opcode.
 */
class FrameCounter {
  private buffer = Buffer.alloc(0);
  private inHead = true;
  constructor(private readonly counts: Map<number, number>, private readonly onHeadEnd?: (head: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.inHead) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      this.onHeadEnd?.(this.buffer.subarray(0, end).toString('latin1'));
      this.inHead = false;
      this.buffer = this.buffer.subarray(end + 4);
    }
    for (;;) {
      if (this.buffer.length < 2) return;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      this.counts.set(opcode, (this.counts.get(opcode) ?? 0) + 1);
      this.buffer = this.buffer.subarray(offset + length);
    }
  }
}

/**
 * A TCP relay on 127.0.0.1 in front of a real service that counts the WebSocket frames of each
 * upgraded connection in both directions (pings, pongs, data, Close), which no client API shows.
 * Bytes pass through unchanged.
 */
export async function startFrameCountingRelay(target: string): Promise<FrameCountingRelay> {
  const connections: FrameCounts[] = [];
  const relay = await startTcpRelay(target, (client, upstream) => {
    const counts: FrameCounts = { fromClient: new Map(), fromServer: new Map() };
    const fromClient = new FrameCounter(counts.fromClient);
    const fromServer = new FrameCounter(counts.fromServer, (head) => {
      if (/^HTTP\/1\.1 101 /.test(head)) connections.push(counts);
    });
    client.on('data', (chunk: Buffer) => fromClient.push(chunk));
    upstream.on('data', (chunk: Buffer) => fromServer.push(chunk));
  });
  return { url: relay.url, connections, close: () => relay.close() };
}
