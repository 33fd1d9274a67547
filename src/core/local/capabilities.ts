// The effective capabilities of this process (/proc/self/status CapEff), to say up front which
// ones a local capture lacks instead of letting nsenter fail with a bare "Operation not permitted".

import { readFile } from 'node:fs/promises';

/** Capability numbers from include/uapi/linux/capability.h. */
export const CAPABILITIES = { CAP_NET_ADMIN: 12, CAP_NET_RAW: 13, CAP_SYS_ADMIN: 21 } as const;
export type CapabilityName = keyof typeof CAPABILITIES;

/** The effective capability mask in the text of /proc/PID/status; undefined when absent. */
export function parseCapEff(status: string): bigint | undefined {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  return match ? BigInt(`0x${match[1]}`) : undefined;
}

/** Which of `wanted` the mask lacks, in the order asked. */
export function missingCapabilities(mask: bigint, wanted: readonly CapabilityName[]): CapabilityName[] {
  return wanted.filter((name) => (mask & (1n << BigInt(CAPABILITIES[name]))) === 0n);
}

/** This process's effective capabilities; undefined when /proc does not tell. */
export async function ownCapabilities(): Promise<bigint | undefined> {
  try {
    return parseCapEff(await readFile('/proc/self/status', 'utf8'));
  } catch {
    return undefined;
  }
}
