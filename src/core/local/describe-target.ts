// How error messages name a target.

import type { Target } from '../target';

/** e.g. `proc target "csharg-t1(4146)" (netns 4026532246)` */
export function describeTarget(target: Target): string {
  const netns = target.netns ? ` (netns ${target.netns})` : '';
  return `${target.type} target ${JSON.stringify(target.name)}${netns}`;
}
