// The capture target a message names in `msg.target`: a target object (as discovery or the
// targets node gives it), its JSON, a `packetflix:` link, or a name as the picker shows it
// (`prefix:name`, or a process's `comm` without its `(PID)`).
import { isPacketflixLink, parsePacketflixLink } from '../../core/host/packetflix-link';
import { CaptureRequestError, TargetNotFoundError } from '../../core/errors';
import type { SharkTank } from '../../core/shark-tank';
import { parseTarget } from '../../core/target';
import { matchName, processBaseName } from '../../core/target-match';
import type { CaptureOptions, Target } from '../../core/target';
import { targetLabel } from './target-kind';

export interface MessageTarget {
  readonly target: Target;
  /** capture options the link carried (interfaces, filter, no-promiscuous) */
  readonly options: CaptureOptions;
}

/** Several targets fit a stored or given name: the node cannot tell which one is meant. */
export class AmbiguousTargetError extends TargetNotFoundError {
  constructor(wanted: Target, readonly names: readonly string[]) {
    super(JSON.stringify({ name: wanted.name, type: wanted.type, ...(wanted.prefix ? { prefix: wanted.prefix } : {}) }), names.length);
    this.message = `ambiguous target ${this.targetJSON}: ${names.length} targets match (${names.map((n) => JSON.stringify(n)).join(', ')}); pick one in the capture node's dialog (it stores a process that shares its name with others by its full name(PID))`;
  }
}

/**
 * The discovered target that a bare target (stored by the picker, or named by a message) means:
 * among targets of its type and prefix (any, for a name without a type), the one with exactly its name
 * (or its `prefix:name` label); else, for a process, the one process target with its `comm`
 * (`csharg-t2` takes `csharg-t2(PID)` whatever the PID is now). A stored `comm(PID)` whose process
 * has gone (restarted under a new PID) falls back to its `comm` the same way. When nothing fits,
 * the bare target goes to the tank as it is (its type kept), which reports it not found.
 */
export function resolveBareTarget(wanted: Target, list: readonly Target[]): Target {
  if (wanted.netns) return wanted;
  const candidates = list.filter((t) => (wanted.type === '' || t.type === wanted.type) && (wanted.type === '' || (t.prefix ?? '') === (wanted.prefix ?? '')));
  const byLabel = wanted.type === '' && !wanted.prefix ? candidates.filter((t) => t.name !== wanted.name && targetLabel(t) === wanted.name) : [];
  let m = matchName(candidates, wanted.name);
  if (m.kind === 'none' && byLabel.length > 0) m = byLabel.length === 1 ? { kind: 'exact', target: byLabel[0]! } : { kind: 'ambiguous', targets: byLabel };
  const base = processBaseName({ name: wanted.name, type: wanted.type === '' ? 'proc' : wanted.type });
  if (m.kind === 'none' && base !== undefined) {
    const old = matchName(candidates.filter((t) => t.type === 'proc'), base);
    if (old.kind === 'process' || old.kind === 'ambiguous') m = old;
  }
  if (m.kind === 'exact' || m.kind === 'process') return m.target;
  if (m.kind === 'ambiguous') throw new AmbiguousTargetError(wanted, [...new Set(m.targets.map(targetLabel))].sort());
  return wanted;
}

/**
 * A bare target completed from the tank's targets (see resolveBareTarget); complete ones stay.
 * For a process (or an untyped name) discovery is asked afresh: a process restarted since the last
 * look has a new PID, and the cached one would name the process that is gone.
 */
export async function withProcessName(target: Target, tank: SharkTank): Promise<Target> {
  if (target.netns) return target;
  if (target.type === 'proc' || target.type === '') tank.clear();
  return resolveBareTarget(target, await tank.targets());
}

/** undefined when the message names no target; a typed error when it names one badly. */
export async function messageTarget(value: unknown, tank: SharkTank): Promise<MessageTarget | undefined> {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'object') return { target: parseTarget(value), options: {} };
  if (typeof value !== 'string') throw new CaptureRequestError(`msg.target: expected a target, its JSON, a packetflix: link or a name, got ${typeof value}`);
  const text = value.trim();
  if (isPacketflixLink(text)) {
    const link = parsePacketflixLink(text);
    return { target: link.target, options: link.options };
  }
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CaptureRequestError(`msg.target: not JSON: ${(err as Error).message}`);
    }
    return { target: parseTarget(json), options: {} };
  }
  return { target: await withProcessName({ name: text, type: '' }, tank), options: {} };
}
