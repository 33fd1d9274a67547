// node-red-node-test-helper under node:test: typed access to the parts the node tests use, and
// small waits on node events (status calls, messages) with a bound so no test can hang.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { NodeMessage, NodeStatus } from '../../src/nodes/lib/node-red-api';

/* eslint-disable @typescript-eslint/no-require-imports */
export interface TestNode {
  id: string;
  on(event: 'input', listener: (msg: NodeMessage) => void): void;
  on(event: 'call:status', listener: (call: { args: [NodeStatus] }) => void): void;
  on(event: string, listener: (...args: never[]) => void): void;
  receive(msg: NodeMessage): void;
}

export interface NodeTestHelper {
  init(runtimePath: string, settings?: object): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  setFlows(flow: object[], type?: string, credentials?: object): Promise<void>;
  clearFlows(): Promise<void>;
  getNode(id: string): TestNode | null;
  url(): string;
}

export const helper = require('node-red-node-test-helper') as NodeTestHelper;
helper.init(require.resolve('node-red'));
/* eslint-enable @typescript-eslint/no-require-imports */

export function mustGetNode(id: string): TestNode {
  const node = helper.getNode(id);
  if (!node) throw new Error(`node ${id} is not in the flow`);
  return node;
}

/** Resolves with the first status the node shows that `match` accepts; rejects after `ms`. */
export function waitForStatus(node: TestNode, match: (s: NodeStatus) => boolean, ms = 20_000): Promise<NodeStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${node.id}: no matching status within ${ms} ms`)), ms);
    node.on('call:status', (call: { args: [NodeStatus] }) => {
      const status = call.args[0];
      if (match(status)) {
        clearTimeout(timer);
        resolve(status);
      }
    });
  });
}

/** Collects every message a helper node receives. */
export function collect(node: TestNode): NodeMessage[] {
  const messages: NodeMessage[] = [];
  node.on('input', (msg: NodeMessage) => messages.push(msg));
  return messages;
}

/** Resolves with the first message the node receives; rejects after `ms`. */
export function nextMessage(node: TestNode, ms = 20_000): Promise<NodeMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${node.id}: no message within ${ms} ms`)), ms);
    node.on('input', (msg: NodeMessage) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

export function statusText(s: NodeStatus): string {
  return s.text ?? '';
}

/** PIDs of running dumpcap processes whose command line contains `needle` (read from /proc). */
export function dumpcapPids(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(path.join('/proc', entry, 'cmdline'), 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmdline.includes('dumpcap') && cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

export function pidRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; only its parent's wait is missing.
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** UDP destination port and first payload word (the bed's sequence number) of an Ethernet/IPv4 frame. */
export function udpOf(data: Buffer): { dstPort: number; seq: number } | undefined {
  if (data.length < 14 + 20 + 8 + 4 || data.readUInt16BE(12) !== 0x0800) return undefined;
  const ihl = (data[14]! & 0x0f) * 4;
  if (data[14 + 9] !== 17) return undefined;
  const udp = 14 + ihl;
  return { dstPort: data.readUInt16BE(udp + 2), seq: data.readUInt32BE(udp + 8) };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
