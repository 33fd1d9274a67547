// Finding a followed target again after it went away, and noticing that it went: a target is the
// "same" when name, type, prefix and node name agree (a restarted container keeps its name but
// gets a new network namespace).

import type { Target } from '../target';

/**
 * `candidate` has the name, type, prefix and node of `wanted`: what stays when a container or
 * namespace is re-created. A type or node name that `wanted` leaves empty matches any.
 */
export function isFollowedTarget(wanted: Target, candidate: Target): boolean {
  return (
    candidate.name === wanted.name &&
    (!wanted.type || candidate.type === wanted.type) &&
    (candidate.prefix ?? '') === (wanted.prefix ?? '') &&
    (!wanted.nodeName || candidate.nodeName === wanted.nodeName)
  );
}

/** The discovered targets that carry the followed target's name (see isFollowedTarget). */
export function targetsNamedLike(wanted: Target, discovered: readonly Target[]): Target[] {
  return discovered.filter((t) => isFollowedTarget(wanted, t));
}

/**
 * Why the target captured (with its namespace inode) has left, or undefined while it is still
 * there. It has left when another namespace carries its name now, or when no discovered target
 * has its namespace any more. A namespace that only the capture itself keeps alive (its dumpcap
 * is inside) still counts as there until a new one takes the name: nothing else can be captured.
 */
export function targetLeftReason(captured: Target, discovered: readonly Target[]): string | undefined {
  const inode = captured.netns;
  if (!inode) return undefined;
  const named = targetsNamedLike(captured, discovered);
  const moved = named.find((t) => t.netns !== undefined && t.netns !== inode);
  if (moved && !named.some((t) => t.netns === inode)) return `its name now belongs to network namespace ${String(moved.netns)}, not ${inode}`;
  if (!discovered.some((t) => t.netns === inode)) return `no discovered target has network namespace ${inode} any more`;
  return undefined;
}
