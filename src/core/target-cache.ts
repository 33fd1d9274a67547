// The discovered targets of one service, with the two look-ups a capture needs. Each set()
// builds a new frozen snapshot (targets and index together) and swaps it in as a whole, so
// callers may hold on to what they got while others set or clear the cache.

import type { Target, Targets } from './target';

interface Snapshot {
  readonly targets: Targets;
  /** pods by name, across prefixes and nodes */
  readonly podsByName: ReadonlyMap<string, Targets>;
  /** all targets by [node-name, prefix, name] */
  readonly byNodePrefixName: ReadonlyMap<string, Targets>;
}

const EMPTY: Snapshot = Object.freeze({
  targets: Object.freeze([]),
  podsByName: new Map<string, Targets>(),
  byNodePrefixName: new Map<string, Targets>(),
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// A JSON array cannot collide the way a joined string could ("a/b" + "c" vs "a" + "b/c").
function nodeKey(nodeName: string, prefix: string, name: string): string {
  return JSON.stringify([nodeName, prefix, name]);
}

function addTo(map: Map<string, Target[]>, key: string, target: Target): void {
  const bucket = map.get(key);
  if (bucket) bucket.push(target);
  else map.set(key, [target]);
}

function buildSnapshot(targets: Iterable<Target>): Snapshot {
  const frozen = Array.from(targets, (target) => deepFreeze(structuredClone(target)));
  const podsByName = new Map<string, Target[]>();
  const byNodePrefixName = new Map<string, Target[]>();
  for (const target of frozen) {
    if (target.type === 'pod') addTo(podsByName, target.name, target);
    addTo(byNodePrefixName, nodeKey(target.nodeName ?? '', target.prefix ?? '', target.name), target);
  }
  for (const bucket of podsByName.values()) Object.freeze(bucket);
  for (const bucket of byNodePrefixName.values()) Object.freeze(bucket);
  return Object.freeze({ targets: Object.freeze(frozen), podsByName, byNodePrefixName });
}

/** Cached targets of a service: frozen copies, looked up by pod name or by node, prefix and name. */
export class TargetCache {
  #snapshot: Snapshot = EMPTY;

  /** Replaces the cached targets with frozen copies of `targets`. */
  set(targets: Iterable<Target>): void {
    this.#snapshot = buildSnapshot(targets);
  }

  /** The cached targets (a frozen list of frozen targets; empty when nothing is cached). */
  targets(): Targets {
    return this.#snapshot.targets;
  }

  isEmpty(): boolean {
    return this.#snapshot.targets.length === 0;
  }

  clear(): void {
    this.#snapshot = EMPTY;
  }

  /** Every pod with this (`namespace/name`) name, whatever its prefix or node. */
  podMatches(name: string): Targets {
    return this.#snapshot.podsByName.get(name) ?? [];
  }

  /** The one pod with this name in the whole cluster; undefined when there is none or several. */
  pod(name: string): Target | undefined {
    return single(this.podMatches(name));
  }

  /** Every target with this node name, prefix and name (absent node name or prefix = ""). */
  onNodeMatches(nodeName: string, prefix: string, name: string): Targets {
    return this.#snapshot.byNodePrefixName.get(nodeKey(nodeName, prefix, name)) ?? [];
  }

  /** The one target with this node name, prefix and name; undefined when there is none or several. */
  onNode(nodeName: string, prefix: string, name: string): Target | undefined {
    return single(this.onNodeMatches(nodeName, prefix, name));
  }
}

function single(matches: Targets): Target | undefined {
  return matches.length === 1 ? matches[0] : undefined;
}
