// Which target a `capture` command means: exactly one match, as csharg decides it.
import type { Target } from '../core/target';
import { groupOf } from './target-groups';
import type { TargetGroup } from './target-groups';

export interface TargetQuery {
  name: string;
  /** limit to one group (capture pod / container / network) */
  group?: TargetGroup;
  node?: string;
}

export function resolveTarget(targets: readonly Target[], q: TargetQuery): Target {
  const matches = targets.filter(
    (t) => t.name === q.name && (q.group === undefined || groupOf(t) === q.group) && (q.node === undefined || t.nodeName === q.node),
  );
  if (matches.length === 1) return matches[0]!;
  const what = q.node !== undefined ? `"${q.name}" on node "${q.node}"` : `"${q.name}"`;
  if (matches.length === 0) {
    const hint = targets.length > 0 ? ' (csharg list shows the targets there are)' : ' (discovery found no targets at all)';
    throw new Error(`capture target ${what} not found${hint}`);
  }
  throw new Error(`ambiguous capture target ${what} matches ${matches.length} targets: name the node too`);
}
