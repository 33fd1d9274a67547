// Lists the interfaces of a target's network namespace that are up, read inside that namespace
// with `ip -j link`.

import type { Target } from '../target';
import { describeTarget } from '../describe-target';
import { LocalDiscoveryError } from './errors';
import { upInterfaceNames } from './ip-link';
import { spawnInNetns } from './netns-spawn';
import { openTargetNetns } from './target-netns';
import type { LocalTools } from './tools';

const MAX_OUTPUT = 4 * 1024 * 1024;

/** The interfaces of the target's namespace that are not operationally down. */
export async function listUpInterfaces(target: Target, tools: LocalTools, timeoutMs = 5000): Promise<string[]> {
  const netns = await openTargetNetns(target);
  let child;
  try {
    child = spawnInNetns({ netns, nsenter: tools.nsenter, program: tools.ip, args: ['-j', 'link', 'show'] });
  } catch (error) {
    await netns.file.close();
    throw error;
  }
  // Listen before anything else is awaited: a quick `ip` may be done by then.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s]));
  });
  exited.catch(() => undefined);
  const stdout: Buffer[] = [];
  let size = 0;
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_OUTPUT) stdout.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }, timeoutMs);
  const what = describeTarget(target);
  try {
    // The child holds its own copy of the descriptor from here on.
    await netns.file.close();
    const [code, signal] = await exited;
    if (code !== 0) {
      const why = signal ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${timeoutMs} ms` : ''}` : `exit code ${String(code)}`;
      throw new LocalDiscoveryError(`ip -j link in ${what}: ${why}: ${stderr.trim()}`);
    }
    if (size > MAX_OUTPUT) throw new LocalDiscoveryError(`ip -j link in ${what}: output larger than ${MAX_OUTPUT} bytes`);
    return upInterfaceNames(JSON.parse(Buffer.concat(stdout).toString('utf8')));
  } catch (error) {
    if (error instanceof LocalDiscoveryError) throw error;
    throw new LocalDiscoveryError(`ip -j link in ${what}: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
