// An open file descriptor on a network namespace, checked against the inode discovery reported.
// Holding the descriptor pins that very namespace: a child given it as fd 3 enters it through
// /proc/self/fd/3, so a PID recycled between the check and the start cannot redirect a capture.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export interface NetnsFile {
  readonly fd: number;
  readonly inode: number;
  close(): Promise<void>;
}

/** Why a namespace file could not be used. */
export type NetnsOpenFailure =
  | { kind: 'missing'; detail: string }
  | { kind: 'denied'; detail: string }
  | { kind: 'other-namespace'; detail: string; inode: number };

/** Opens `file` (e.g. /proc/PID/ns/net, /run/netns/NAME) and checks it is namespace `inode`. */
export async function openNetnsFile(file: string, inode: number): Promise<NetnsFile | NetnsOpenFailure> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = `${file}: ${(error as Error).message}`;
    return code === 'EACCES' || code === 'EPERM' ? { kind: 'denied', detail } : { kind: 'missing', detail };
  }
  let info: Awaited<ReturnType<FileHandle['stat']>>;
  try {
    info = await handle.stat();
  } catch (error) {
    // An fstat of an open file hardly fails; when it does, the handle must not leak.
    await handle.close();
    throw error;
  }
  if (info.ino !== inode) {
    await handle.close();
    return { kind: 'other-namespace', inode: info.ino, detail: `${file} is network namespace ${info.ino}, not ${inode}` };
  }
  return { fd: handle.fd, inode, close: () => handle.close() };
}

export function isNetnsFile(value: NetnsFile | NetnsOpenFailure): value is NetnsFile {
  return 'fd' in value;
}

