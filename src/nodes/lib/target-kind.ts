// The four kinds of capture target the editor groups by and the targets node filters by, and
// the `prefix:name` label users see (the prefix tells nested engines' containers apart).
import type { Target } from '../../core/target';
import { processBaseName, processPid } from '../../core/target-match';

export type TargetKind = 'pod' | 'container' | 'process' | 'namespace';

export const TARGET_KINDS: readonly TargetKind[] = ['pod', 'container', 'process', 'namespace'];

export function kindOf(target: Target): TargetKind {
  if (target.type === 'pod') return 'pod';
  if (target.type === 'proc') return 'process';
  // A bind-mounted namespace has no process of its own.
  if (target.type === 'bindmount') return 'namespace';
  return 'container';
}

export function targetLabel(target: Target): string {
  return target.prefix ? `${target.prefix}:${target.name}` : target.name;
}

/** What the editor's target picker shows and stores for one target (JSON-safe). */
export interface TargetChoice {
  readonly kind: TargetKind;
  /** what the picker shows: for a process its name and, beside it, its PID now */
  readonly label: string;
  /** the name the node shows once picked (no PID for a process stored by its name alone) */
  readonly name: string;
  /** the process's PID now (process targets only) */
  readonly pid?: number;
  /**
   * The bare target as stored in the capture node, completed from discovery at each start. A
   * process is stored by its name without `(PID)` (a restart keeps it), unless several processes
   * share that name: then by its full `comm(PID)`.
   */
  readonly target: { name: string; type: string; prefix?: string };
  readonly interfaces: readonly string[];
}

export function targetChoice(target: Target, shared: ReadonlySet<string> = new Set()): TargetChoice {
  const base = processBaseName(target);
  const stable = base !== undefined && !shared.has(base) ? base : target.name;
  const pid = processPid(target);
  const name = target.prefix ? `${target.prefix}:${stable}` : stable;
  return {
    kind: kindOf(target),
    label: base !== undefined && stable === base ? `${name} (PID ${pid})` : name,
    name,
    ...(pid !== undefined ? { pid } : {}),
    target: { name: stable, type: target.type, ...(target.prefix ? { prefix: target.prefix } : {}) },
    interfaces: [...(target.networkInterfaces ?? [])].sort(),
  };
}

/** Choices sorted by kind (in TARGET_KINDS order), then label. */
export function targetChoices(targets: readonly Target[]): TargetChoice[] {
  // Process names that several process targets (of one prefix) share cannot stand for one of them.
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const t of targets) {
    const base = processBaseName(t);
    if (base === undefined) continue;
    if (seen.has(base)) shared.add(base);
    seen.add(base);
  }
  return targets
    .map((t) => targetChoice(t, shared))
    .sort((a, b) => TARGET_KINDS.indexOf(a.kind) - TARGET_KINDS.indexOf(b.kind) || a.label.localeCompare(b.label));
}
