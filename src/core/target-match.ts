// Matching a target by name against discovery, shared by the CLI and the Node-RED nodes.
// Process targets are named `comm(PID)`; their PID changes whenever the process restarts, so a
// process target is also found by its `comm` alone, when exactly one process target has it. An
// exact full name always wins.
import type { Target } from './target';

/** `comm` of a process target's `comm(PID)` name; undefined for any other name or type. */
export function processBaseName(target: { readonly name: string; readonly type: string }): string | undefined {
  if (target.type !== 'proc') return undefined;
  const m = /^(.*)\((\d+)\)$/s.exec(target.name);
  return m ? m[1] : undefined;
}

/** The PID in a process target's `comm(PID)` name. */
export function processPid(target: { readonly name: string; readonly type: string }): number | undefined {
  if (target.type !== 'proc') return undefined;
  const m = /\((\d+)\)$/.exec(target.name);
  return m ? Number(m[1]) : undefined;
}

/** How a name matched among candidates. */
export type NameMatch =
  | { readonly kind: 'exact'; readonly target: Target }
  | { readonly kind: 'process'; readonly target: Target }
  | { readonly kind: 'ambiguous'; readonly targets: readonly Target[] }
  | { readonly kind: 'none' };

/**
 * The target `name` means among `candidates`: the one with exactly that name; else the one process
 * target whose `comm` is `name`. Several with the same full name, or several processes with that
 * `comm` (and none with the full name), are ambiguous.
 */
export function matchName(candidates: readonly Target[], name: string): NameMatch {
  const exact = candidates.filter((t) => t.name === name);
  if (exact.length === 1) return { kind: 'exact', target: exact[0]! };
  if (exact.length > 1) return { kind: 'ambiguous', targets: exact };
  const byProcess = candidates.filter((t) => processBaseName(t) === name);
  if (byProcess.length === 1) return { kind: 'process', target: byProcess[0]! };
  if (byProcess.length > 1) return { kind: 'ambiguous', targets: byProcess };
  return { kind: 'none' };
}
