// Typed errors of the local capture source (dumpcap run inside a namespace on this machine). Each
// says what is wrong and what to do about it; `code` is stable for callers to branch on.

import { CshargError } from '../errors';

/** Whether the cause says the file is there but this user may not run it. */
function permissionDenied(options: { cause?: unknown } | undefined): boolean {
  return (options?.cause as { code?: string } | undefined)?.code === 'EACCES';
}

/** A program the local source runs is not installed, or this user may not run it. */
export class LocalToolMissingError extends CshargError {
  constructor(
    /** `dumpcap`, `nsenter` or `ip` */
    readonly tool: string,
    readonly path: string,
    /** the Debian package to install for it */
    readonly debianPackage: string,
    options?: { cause?: unknown; install?: string; notRunnable?: string },
  ) {
    super(
      'LOCAL_TOOL_MISSING',
      permissionDenied(options)
        ? `${tool} at ${path} cannot be run by this user (permission denied)${options?.notRunnable ? `: ${options.notRunnable}` : ''}`
        : `${tool} is missing at ${path}: ${options?.install ?? `install the Debian package ${debianPackage} (apt-get install ${debianPackage})`}`,
      options,
    );
  }
}

/** dumpcap is not installed where the local source looks for it, or this user may not run it. */
export class DumpcapMissingError extends LocalToolMissingError {
  constructor(path: string, options?: { cause?: unknown }) {
    super('dumpcap', path, 'tshark', {
      ...options,
      // /usr/bin/dumpcap belongs to wireshark-common, which tshark brings along.
      install: 'install the Debian package tshark, which brings dumpcap in wireshark-common (apt-get install tshark)',
      // Debian's dumpcap is 0754 root:wireshark when non-root capture was allowed at install time.
      notRunnable: 'on Debian, add the user to the group wireshark (dpkg-reconfigure wireshark-common allows it), or run as root',
    });
  }
}

/** This process lacks the capabilities to enter the namespace or to capture in it. */
export class CapturePrivilegeError extends CshargError {
  constructor(
    /** the capabilities needed for what failed, e.g. `CAP_SYS_ADMIN` */
    readonly capabilities: readonly string[],
    detail: string,
  ) {
    super(
      'LOCAL_PRIVILEGE',
      `not enough privilege for a local capture: ${detail}; needed: ${capabilities.join(', ')} ` +
        '(CAP_NET_RAW and CAP_NET_ADMIN to capture, CAP_SYS_ADMIN to enter another network namespace; run as root or grant them)',
    );
  }
}

/** The target's process exited, or its network namespace is not the one discovery saw. */
export class TargetGoneError extends CshargError {
  constructor(
    /** the target, described for humans */
    readonly target: string,
    detail: string,
  ) {
    super('LOCAL_TARGET_GONE', `capture target gone: ${target}: ${detail}; list the targets again`);
  }
}

/** A target the local source cannot enter: no process, no bind mount, no namespace inode. */
export class LocalTargetError extends CshargError {
  constructor(readonly target: string, detail: string) {
    super('LOCAL_TARGET_INVALID', `cannot capture from ${target} locally: ${detail}`);
  }
}

/** dumpcap failed: its own reason (e.g. `There is no device named "eth9".`) or how it died. */
export class DumpcapFailedError extends CshargError {
  constructor(
    readonly target: string,
    /** dumpcap's first `dumpcap: ` stderr line without that prefix; undefined when it gave none */
    readonly reason: string | undefined,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    /** the start of dumpcap's stderr, for diagnosis */
    readonly stderr: string,
  ) {
    const how = reason ?? (signal ? `dumpcap was killed by ${signal}` : `dumpcap exited with code ${String(exitCode)}${stderr ? `: ${firstLine(stderr)}` : ''}`);
    super('LOCAL_DUMPCAP_FAILED', `capture of ${target} failed: ${how}`);
  }
}

/** Listing a namespace's interfaces or the machine's namespaces failed. */
export class LocalDiscoveryError extends CshargError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('LOCAL_DISCOVERY_FAILED', `local discovery failed: ${detail}`, options);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
