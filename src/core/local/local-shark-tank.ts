// The SharkTank of this machine: discovery of its own network namespaces and captures with
// dumpcap inside them, without any Edgeshark service. Targets carry this machine's host name as
// their node name; a bare target (only a name) is completed from discovery, every time it is bare.

import os from 'node:os';
import type { CaptureHandlers, CaptureSession } from '../capture-source';
import { TargetNotFoundError } from '../errors';
import type { SharkTank } from '../shark-tank';
import { captureTargetMetadata } from '../shb/shb-editor';
import { isBareTarget, targetToJSON } from '../target';
import type { CaptureOptions, Target } from '../target';
import { discoverLocalTargets } from './discovery';
import type { LocalDiscoveryOptions } from './discovery';
import { localCaptureSession, startLocalCaptureOf } from './local-capture';
import type { LocalCapture, LocalCaptureOptions } from './local-capture';

export interface LocalSharkTankOptions extends LocalDiscoveryOptions {
  /** the targets' node name; default os.hostname() */
  nodeName?: string;
  /** dumpcap to run; default /usr/bin/dumpcap */
  dumpcap?: string;
  /** how long a stop waits after SIGTERM before SIGKILL; default 10000 ms */
  stopTimeoutMs?: number;
}

export interface LocalSharkTank extends SharkTank {
  readonly nodeName: string;
  /** captures `target` (completed from discovery when bare): pcapng as a Readable, see LocalCapture */
  capture(target: Target, options?: CaptureOptions): LocalCapture;
}

/** The targets matching a bare target: same name and prefix, on this node, of its type if given. */
export function bareTargetMatches(target: Target, discovered: readonly Target[], nodeName: string): Target[] {
  if (target.nodeName && target.nodeName !== nodeName) return [];
  return discovered.filter(
    (t) => t.name === target.name && (t.prefix ?? '') === (target.prefix ?? '') && (!target.type || t.type === target.type),
  );
}

/** A SharkTank for this machine's own network namespaces. */
export function newLocalSharkTank(options: LocalSharkTankOptions = {}): LocalSharkTank {
  const nodeName = options.nodeName ?? os.hostname();
  let cached: Target[] | undefined;
  let discovering: Promise<Target[]> | undefined;

  const discover = async (): Promise<Target[]> => {
    const found = (await discoverLocalTargets(options)).map((t) => Object.freeze({ ...t, nodeName }));
    cached = found;
    return found;
  };

  const targets = (): Promise<Target[]> => {
    if (cached) return Promise.resolve([...cached]);
    // Concurrent callers share one scan.
    discovering ??= discover().finally(() => {
      discovering = undefined;
    });
    return discovering.then((list) => [...list]);
  };

  const lookUp = async (target: Target, fresh: boolean): Promise<Target[]> => {
    const list = fresh ? await discover() : await targets();
    if (isBareTarget(target)) return bareTargetMatches(target, list, nodeName);
    // A namespace given without a way in (no process, not a bind mount): find one that has it.
    return list.filter((t) => t.netns === target.netns).slice(0, 1);
  };

  /** The target to capture: as given when it can be entered, else completed from discovery. */
  const complete = async (target: Target): Promise<Target> => {
    if (!isBareTarget(target) && (target.pid || target.type === 'bindmount')) return target;
    let matches = await lookUp(target, false);
    // The cache may predate the target (a container started since): look once more, afresh.
    if (matches.length === 0) matches = await lookUp(target, true);
    const [found] = matches;
    if (matches.length !== 1 || found === undefined) throw new TargetNotFoundError(targetToJSON(target), matches.length);
    return found;
  };

  const captureOptions = (options_: CaptureOptions): LocalCaptureOptions => ({
    ...options_,
    ...(options.dumpcap === undefined ? {} : { dumpcap: options.dumpcap }),
    ...(options.nsenter === undefined ? {} : { nsenter: options.nsenter }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
    metadata: (full: Target) => captureTargetMetadata(full, options_, nodeName),
  });

  const capture = (target: Target, options_: CaptureOptions = {}): LocalCapture =>
    startLocalCaptureOf(target, complete(target), captureOptions(options_));

  return {
    description: 'this machine',
    nodeName,
    targets,
    clear() {
      cached = undefined;
    },
    capture,
    openCapture(target: Target, options_: CaptureOptions, handlers: CaptureHandlers): CaptureSession {
      return localCaptureSession(capture(target, options_), handlers);
    },
  };
}
