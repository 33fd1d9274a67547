// csharg's grouping of targets for `list` and `capture`: pods, networks (processes and
// process-less namespaces), and containers (every other type: container engines).
import type { Target } from '../core/target';

export type TargetGroup = 'pods' | 'containers' | 'networks';

export function groupOf(target: Target): TargetGroup {
  if (target.type === 'pod') return 'pods';
  if (target.type === 'proc' || target.type === 'bindmount') return 'networks';
  return 'containers';
}

const GROUP_WORDS: Record<string, TargetGroup> = {
  pods: 'pods', pod: 'pods', po: 'pods', p: 'pods',
  containers: 'containers', container: 'containers', c: 'containers',
  networks: 'networks', network: 'networks', net: 'networks', n: 'networks',
};

/** Parses `list` arguments (plural, singular or first letter); none = all groups. */
export function parseGroups(words: readonly string[]): Set<TargetGroup> {
  if (words.length === 0) return new Set<TargetGroup>(['pods', 'containers', 'networks']);
  const groups = new Set<TargetGroup>();
  for (const w of words) {
    const g = GROUP_WORDS[w.toLowerCase()];
    if (!g) throw new Error(`unknown target kind "${w}": use pods, containers or networks`);
    groups.add(g);
  }
  return groups;
}
