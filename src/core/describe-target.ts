// How messages name a target, the same for every capture source.
import type { Target } from './target';

/** e.g. `docker "web" on node "host1"`, `proc "csharg-t1(4146)" on node "vm" (netns 4026532246)` */
export function describeTarget(target: Target, nodeName?: string): string {
  const node = target.nodeName || nodeName;
  const netns = target.netns ? ` (netns ${target.netns})` : '';
  return `${target.type || 'target'} ${JSON.stringify(target.name)}${node ? ` on node ${JSON.stringify(node)}` : ''}${netns}`;
}
