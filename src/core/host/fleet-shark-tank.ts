// A fleet: several SharkTanks (Edgeshark hosts by URL, this machine, any other tank) seen as one.
// Their targets form one list (each target's node name is its host); a capture goes to the member
// that discovered its target. A member whose discovery fails costs only its own targets (with a
// warning); only when every member fails does targets() reject.

import type { CaptureHandlers, CaptureSession } from '../capture-source';
import { CshargError, TargetNotFoundError, asError } from '../errors';
import { newSharkTankOnHost } from './host-shark-tank';
import type { HostClientOptions } from './host-shark-tank';
import { deferredCaptureSession } from '../shark-tank';
import type { SharkTank } from '../shark-tank';
import { isBareTarget, targetToJSON } from '../target';
import type { CaptureOptions, Target } from '../target';

/** The fleet cannot be built as asked (no members, two members with the same node name). */
export class FleetConfigError extends CshargError {
  constructor(detail: string) {
    super('FLEET_CONFIG', `fleet: ${detail}`);
  }
}

/** One member's discovery failed. */
export interface FleetMemberFailure {
  /** the member's description (its service URL, or "this machine") */
  readonly member: string;
  readonly error: Error;
}

/** Every member's discovery failed; `failures` says why, member by member. */
export class FleetDiscoveryError extends CshargError {
  constructor(readonly failures: readonly FleetMemberFailure[]) {
    super('FLEET_DISCOVERY', `fleet: discovery failed on every host: ${failures.map((f) => `${f.member}: ${f.error.message}`).join('; ')}`);
  }
}

/** No member, or more than one, serves the node a target names. */
export class FleetRoutingError extends CshargError {
  constructor(
    readonly nodeName: string,
    /** how many members serve it: 0 = none, more than 1 = ambiguous */
    readonly members: number,
  ) {
    super('FLEET_ROUTING', members === 0
      ? `fleet: no host serves node ${JSON.stringify(nodeName)}`
      : `fleet: ${members} hosts serve node ${JSON.stringify(nodeName)}, cannot tell which to capture from`);
  }
}

export interface SharkTankFleetOptions {
  /** options for members given by URL */
  readonly host?: HostClientOptions;
  /** told about each member whose discovery failed while others succeeded */
  readonly onWarning?: (failure: FleetMemberFailure) => void;
}

export interface SharkTankFleet extends SharkTank {
  readonly members: readonly SharkTank[];
  /** the failures of the latest targets() (empty when every member answered) */
  readonly warnings: readonly FleetMemberFailure[];
}

/** The node name a member serves, when it is known without discovery (host and local tanks). */
function knownNodeName(tank: SharkTank): string | undefined {
  const t = tank as SharkTank & { nodeName?: unknown; service?: { nodeName?: unknown } };
  if (typeof t.nodeName === 'string' && t.nodeName !== '') return t.nodeName;
  if (typeof t.service?.nodeName === 'string' && t.service.nodeName !== '') return t.service.nodeName;
  return undefined;
}


/** A bare or partial target as a member would complete it: name and prefix, and type or netns when given. */
function sameTarget(wanted: Target, found: Target): boolean {
  if (!isBareTarget(wanted)) return found.netns === wanted.netns && (!wanted.name || found.name === wanted.name);
  return found.name === wanted.name && (found.prefix ?? '') === (wanted.prefix ?? '') && (!wanted.type || found.type === wanted.type);
}

/** A SharkTank over several hosts: URLs (Edgeshark services) and tanks, in any mix. */
export function newSharkTankFleet(members: readonly (string | SharkTank)[], options: SharkTankFleetOptions = {}): SharkTankFleet {
  if (members.length === 0) throw new FleetConfigError('give at least one host URL or SharkTank');
  const tanks = members.map((m) => (typeof m === 'string' ? newSharkTankOnHost(m, options.host) : m));
  const named = new Map<string, SharkTank>();
  for (const tank of tanks) {
    const node = knownNodeName(tank);
    if (node === undefined) continue;
    if (named.has(node)) throw new FleetConfigError(`two members serve node ${JSON.stringify(node)} (give local tanks distinct nodeName options)`);
    named.set(node, tank);
  }
  /** which member each target handed out came from */
  const origin = new WeakMap<Target, SharkTank>();
  /** each member's targets at its latest successful discovery */
  const discovered = new Map<SharkTank, readonly Target[]>();
  let warnings: FleetMemberFailure[] = [];

  const targets = async (): Promise<Target[]> => {
    const results = await Promise.allSettled(tanks.map((t) => t.targets()));
    const failures: FleetMemberFailure[] = [];
    const all: Target[] = [];
    results.forEach((result, i) => {
      const tank = tanks[i]!;
      if (result.status === 'rejected') {
        failures.push({ member: tank.description, error: asError(result.reason) });
        return;
      }
      discovered.set(tank, result.value);
      for (const target of result.value) {
        origin.set(target, tank);
        all.push(target);
      }
    });
    if (failures.length === tanks.length) throw new FleetDiscoveryError(failures);
    warnings = failures;
    for (const f of failures) options.onWarning?.(f);
    return all;
  };

  const membersServing = (nodeName: string): SharkTank[] => {
    const byName = named.get(nodeName);
    if (byName) return [byName];
    return tanks.filter((t) => discovered.get(t)?.some((x) => x.nodeName === nodeName));
  };

  /** The member to capture `target` from; discovers (again) when what is known does not tell. */
  const route = async (target: Target): Promise<SharkTank> => {
    const known = origin.get(target);
    if (known) return known;
    if (target.nodeName) {
      let serving = membersServing(target.nodeName);
      if (serving.length === 0) {
        await targets().catch(() => undefined);
        serving = membersServing(target.nodeName);
      }
      if (serving.length !== 1) throw new FleetRoutingError(target.nodeName, serving.length);
      return serving[0]!;
    }
    if (tanks.length === 1) return tanks[0]!;
    await targets();
    const matching = tanks.filter((t) => discovered.get(t)?.some((x) => sameTarget(target, x)));
    if (matching.length !== 1) throw new TargetNotFoundError(targetToJSON(target), matching.length);
    return matching[0]!;
  };

  return {
    description: `fleet of ${tanks.length} (${tanks.map((t) => t.description).join(', ')})`,
    members: tanks,
    get warnings() {
      return warnings;
    },
    targets,
    clear() {
      for (const t of tanks) t.clear();
      discovered.clear();
    },
    openCapture(target: Target, captureOptions: CaptureOptions, handlers: CaptureHandlers): CaptureSession {
      const prepare = route(target).then((tank) => (h: CaptureHandlers) => tank.openCapture(target, captureOptions, h));
      return deferredCaptureSession(prepare, handlers);
    },
  };
}
