// Turns what nsenter and dumpcap wrote to stderr when they failed into a typed error.

import { CapturePrivilegeError, DumpcapFailedError, DumpcapMissingError } from './errors';

/** dumpcap's first `dumpcap: ` stderr line without that prefix (what Packetflix reports too). */
export function dumpcapReason(stderr: string): string | undefined {
  for (const line of stderr.split('\n')) {
    if (line.startsWith('dumpcap: ')) return line.slice('dumpcap: '.length).trim();
  }
  return undefined;
}

const NOT_PERMITTED = /Operation not permitted|Permission denied/;

/** The error for a failed run, given its stderr, exit code and signal. */
export function dumpcapFailure(target: string, stderr: string, exitCode: number | null, signal: NodeJS.Signals | null, dumpcapPath: string): Error {
  const nsenterLine = stderr.split('\n').find((line) => line.startsWith('nsenter: '));
  if (nsenterLine !== undefined) {
    if (NOT_PERMITTED.test(nsenterLine)) return new CapturePrivilegeError(['CAP_SYS_ADMIN'], `entering the network namespace of ${target} was refused (${nsenterLine})`);
    if (/failed to execute/.test(nsenterLine) && /No such file/.test(nsenterLine)) return new DumpcapMissingError(dumpcapPath);
  }
  const reason = dumpcapReason(stderr);
  if (reason !== undefined && /permission to capture|Operation not permitted/i.test(reason)) {
    return new CapturePrivilegeError(['CAP_NET_RAW', 'CAP_NET_ADMIN'], `dumpcap in ${target}: ${reason}`);
  }
  return new DumpcapFailedError(target, reason, exitCode, signal, stderr.slice(0, 2000));
}
