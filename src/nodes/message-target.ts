// The capture target a message names in `msg.target`: a target object (as discovery or the
// targets node gives it), its JSON, a `packetflix:` link, or a name as the picker shows it
// (`prefix:name`, or a process's `comm` without its `(PID)`).
import { isPacketflixLink, parsePacketflixLink } from '../core/packetflix-link';
import { CaptureRequestError } from '../core/errors';
import type { SharkTank } from '../core/shark-tank';
import { parseTarget } from '../core/target';
import type { CaptureOptions, Target } from '../core/target';
import { targetLabel } from './target-kind';

export interface MessageTarget {
  readonly target: Target;
  /** capture options the link carried (interfaces, filter, no-promiscuous) */
  readonly options: CaptureOptions;
}

/** A name found among the tank's targets, else the bare target for the tank to complete (or reject). */
async function targetNamed(name: string, tank: SharkTank): Promise<Target> {
  const list = await tank.targets();
  const exact = list.filter((t) => t.name === name || targetLabel(t) === name);
  if (exact.length === 1) return exact[0]!;
  const processes = list.filter((t) => t.type === 'proc' && t.name.startsWith(`${name}(`));
  if (exact.length === 0 && processes.length === 1) return processes[0]!;
  return { name, type: '' };
}

/**
 * A bare target whose name is a process's `comm` without `(PID)` (as examples and users write
 * it) becomes that process; any other target stays as it is for the tank to complete.
 */
export async function withProcessName(target: Target, tank: SharkTank): Promise<Target> {
  if (target.netns || (target.type !== 'proc' && target.type !== '') || /\(\d+\)$/.test(target.name)) return target;
  return targetNamed(target.name, tank);
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
  return { target: await targetNamed(text, tank), options: {} };
}
