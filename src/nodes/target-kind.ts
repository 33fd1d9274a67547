// The four kinds of capture target the editor groups by and the targets node filters by, and
// the `prefix:name` label users see (the prefix tells nested engines' containers apart).
import type { Target } from '../core/target';

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
  readonly label: string;
  /** the bare target as stored in the capture node: completed from discovery at each start */
  readonly target: { name: string; type: string; prefix?: string };
  readonly interfaces: readonly string[];
}

export function targetChoice(target: Target): TargetChoice {
  return {
    kind: kindOf(target),
    label: targetLabel(target),
    target: { name: target.name, type: target.type, ...(target.prefix ? { prefix: target.prefix } : {}) },
    interfaces: [...(target.networkInterfaces ?? [])].sort(),
  };
}

/** Choices sorted by kind (in TARGET_KINDS order), then label. */
export function targetChoices(targets: readonly Target[]): TargetChoice[] {
  return targets
    .map(targetChoice)
    .sort((a, b) => TARGET_KINDS.indexOf(a.kind) - TARGET_KINDS.indexOf(b.kind) || a.label.localeCompare(b.label));
}
