// Which target a `capture` command means. An exact name, as csharg decides it: exactly one match.
// Beyond csharg (issue 16): process targets are named `comm(PID)`, so a bare `comm` takes the one
// process target of that name (and says which); several are an error that lists them; an unknown
// name suggests the closest names there are. An exact full name always wins.
import type { Target } from '../core/target';
// shared with the Node-RED capture node (src/nodes/lib/message-target.ts)
import { processBaseName } from '../core/target-match';
import { groupOf } from './target-groups';
import type { TargetGroup } from './target-groups';

export interface TargetQuery {
  name: string;
  /** limit to one group (capture pod / container / network) */
  group?: TargetGroup;
  node?: string;
}

/** Most names suggested for an unknown one. */
const MAX_SUGGESTIONS = 5;


/** Levenshtein distance over UTF-16 code units (names are short: process names are 15 bytes). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The names closest to `wanted` (those at the smallest distance found, at most MAX_SUGGESTIONS,
 * each once, in code unit order): by edit distance, case ignored, to the full name or to a process
 * target's name without its `(PID)`, within a third of the length (at least 1); names that start
 * with it (3 characters or more) come after those.
 */
export function closestNames(targets: readonly Target[], wanted: string): string[] {
  const w = wanted.toLowerCase();
  const limit = Math.max(1, Math.floor(w.length / 3));
  const scored = new Map<string, number>();
  for (const t of targets) {
    const forms = [t.name.toLowerCase()];
    const base = processBaseName(t);
    if (base !== undefined) forms.push(base.toLowerCase());
    let score = Math.min(...forms.map((f) => editDistance(w, f)));
    if (score > limit && w.length >= 3 && forms.some((f) => f.startsWith(w))) score = limit + 1;
    else if (score > limit) continue;
    const known = scored.get(t.name);
    if (known === undefined || score < known) scored.set(t.name, score);
  }
  const best = Math.min(...scored.values());
  return [...scored]
    .filter(([, score]) => score === best)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_SUGGESTIONS)
    .map(([name]) => name);
}

function quoted(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/**
 * The one target `q` means. `say` hears which process target a bare process name was taken for.
 * Throws when no target or several match.
 */
export function resolveTarget(targets: readonly Target[], q: TargetQuery, say: (text: string) => void = () => undefined): Target {
  const candidates = targets.filter((t) => (q.group === undefined || groupOf(t) === q.group) && (q.node === undefined || t.nodeName === q.node));
  const what = q.node !== undefined ? `"${q.name}" on node "${q.node}"` : `"${q.name}"`;
  const exact = candidates.filter((t) => t.name === q.name);
  if (exact.length === 1) return exact[0]!;
  if (exact.length > 1) throw new Error(`ambiguous capture target ${what} matches ${exact.length} targets: name the node too`);

  // A process target by its process name alone: `csharg-t2` for `csharg-t2(1234)`.
  const byProcess = candidates.filter((t) => processBaseName(t) === q.name);
  if (byProcess.length === 1) {
    const taken = byProcess[0]!;
    say(`capture target ${what}: taking the process target "${taken.name}"`);
    return taken;
  }
  if (byProcess.length > 1) {
    const names = [...new Set(byProcess.map((t) => t.name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    throw new Error(`ambiguous capture target ${what}: ${byProcess.length} process targets have that process name: ${quoted(names)}; give the full name`);
  }

  const close = closestNames(candidates, q.name);
  if (close.length > 0) throw new Error(`capture target ${what} not found; the closest names: ${quoted(close)}`);
  const hint = targets.length > 0 ? ' (csharg list shows the targets there are)' : ' (discovery found no targets at all)';
  throw new Error(`capture target ${what} not found${hint}`);
}
