// Where the programs of the local source live, and the check that they are there. Absolute paths
// by default: Node-RED often runs as a service whose PATH lacks /usr/sbin.

import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { DumpcapMissingError, LocalToolMissingError } from './errors';

export interface LocalTools {
  /** default /usr/bin/dumpcap (Debian package tshark) */
  dumpcap: string;
  /** default /usr/bin/nsenter (Debian package util-linux) */
  nsenter: string;
  /** default /usr/sbin/ip, else /sbin/ip, else /bin/ip (Debian package iproute2) */
  ip: string;
}

export type LocalToolOptions = Partial<LocalTools>;

function firstExisting(candidates: readonly string[]): string {
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

export function resolveTools(options: LocalToolOptions = {}): LocalTools {
  return {
    dumpcap: options.dumpcap ?? '/usr/bin/dumpcap',
    nsenter: options.nsenter ?? firstExisting(['/usr/bin/nsenter', '/bin/nsenter']),
    ip: options.ip ?? firstExisting(['/usr/sbin/ip', '/sbin/ip', '/bin/ip', '/usr/bin/ip']),
  };
}

async function executable(path: string): Promise<unknown> {
  try {
    await access(path, constants.X_OK);
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Throws DumpcapMissingError when dumpcap cannot be run. */
export async function checkDumpcap(path: string): Promise<void> {
  const error = await executable(path);
  if (error) throw new DumpcapMissingError(path, { cause: error });
}

/** Throws LocalToolMissingError when nsenter cannot be run. */
export async function checkNsenter(path: string): Promise<void> {
  const error = await executable(path);
  if (error) throw new LocalToolMissingError('nsenter', path, 'util-linux', { cause: error });
}

/** Throws LocalToolMissingError when ip cannot be run. */
export async function checkIp(path: string): Promise<void> {
  const error = await executable(path);
  if (error) throw new LocalToolMissingError('ip', path, 'iproute2', { cause: error });
}
