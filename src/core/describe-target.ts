// How messages name a target, the same for every capture source.
import type { Target } from './target';

/** Longer names are cut in messages: a hostile 8 KB name must not make an 8 KB error. */
const MAX_NAME_IN_MESSAGES = 120;

function shown(name: string): string {
  return name.length <= MAX_NAME_IN_MESSAGES ? name : `${name.slice(0, MAX_NAME_IN_MESSAGES)}… (${name.length} characters)`;
}

/** e.g. `docker "web" on node "host1"`, `proc "csharg-t1(4146)" on node "vm" (netns 4026532246)` */
export function describeTarget(target: Target, nodeName?: string): string {
  const node = target.nodeName || nodeName;
  const netns = target.netns ? ` (netns ${target.netns})` : '';
  return `${target.type || 'target'} ${JSON.stringify(shown(target.name))}${node ? ` on node ${JSON.stringify(shown(node))}` : ''}${netns}`;
}
