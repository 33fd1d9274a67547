// The capture target model of Edgeshark's discovery (Gostwire via Packetflix), its validating
// parser, and csharg's exact JSON serialisation of a target (used in capture requests).

import { DiscoveryFormatError } from './errors';
import { isRecordLike } from './records';

/** Identity of the Kubernetes cluster a target belongs to (cluster mode only). */
export interface TargetCluster {
  /** the client-local context name */
  readonly context: string;
  /** UID of the cluster's kube-system namespace; empty or absent when unknown */
  readonly uid?: string;
}

/**
 * A capture target: a container, pod, process or process-less network namespace. A target
 * without `netns` is "bare": it names what to capture and is completed from discovery.
 */
export interface Target {
  /** container name; `namespace/pod` for pods; `comm(PID)` for processes; bind-mount path(s) */
  readonly name: string;
  /** `pod`, `proc`, `bindmount`, or a container engine (`docker`, `containerd`, ...) */
  readonly type: string;
  /** inode of the network namespace; absent (or 0) in a bare target */
  readonly netns?: number;
  /** JSON `network-interfaces`: interfaces that are up, in no particular order */
  readonly networkInterfaces?: readonly string[];
  /** disambiguates containers of nested engines (Docker-in-Docker, KinD) */
  readonly prefix?: string;
  /** the namespace's leading process */
  readonly pid?: number;
  /** start time of `pid` in clock ticks since boot */
  readonly starttime?: number;
  /** JSON `node-name`: the host part of the service URL, filled in by the client */
  readonly nodeName?: string;
  readonly cluster?: TargetCluster;
  /** JSON `capture-service` (cluster mode only) */
  readonly captureService?: string;
  /** JSON `captureport` (cluster mode only) */
  readonly capturePort?: number;
  /** keys this library does not know, kept as they came (never serialised into requests) */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type Targets = readonly Target[];

/** What and how to capture from a target. */
export interface CaptureOptions {
  /** interfaces to capture; empty or absent = the target's interfaces (see `AllNifs`) */
  readonly nifs?: readonly string[];
  /** capture filter in pcap-filter syntax; empty = everything */
  readonly filter?: string;
  /** ask for no promiscuous mode (only a request: other captures may have it on already) */
  readonly avoidPromiscuousMode?: boolean;
}

/** Capture all interfaces of the target (csharg's `AllNifs`). */
export const AllNifs: readonly string[] = Object.freeze([]);

/** The JSON key of each Target property, in the order csharg writes them. */
const JSON_KEYS = {
  name: 'name',
  type: 'type',
  netns: 'netns',
  networkInterfaces: 'network-interfaces',
  prefix: 'prefix',
  starttime: 'starttime',
  pid: 'pid',
  nodeName: 'node-name',
  cluster: 'cluster',
  captureService: 'capture-service',
  capturePort: 'captureport',
} as const;

const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.values(JSON_KEYS));


function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return `non-integer number ${value}`;
  return typeof value;
}

/** Reads the keys of one target object; `label` names the target in errors. */
class TargetReader {
  constructor(
    private readonly json: Record<string, unknown>,
    private readonly label: string,
    /** dotted path of a nested object (`cluster.`), so errors name the full key */
    private readonly keyPrefix = '',
  ) {}

  fail(key: string, detail: string): never {
    throw new DiscoveryFormatError(this.keyPrefix + key, this.label, detail);
  }

  requiredString(key: string): string {
    const value = this.json[key];
    if (value === undefined || value === null) this.fail(key, 'is missing');
    if (typeof value !== 'string') this.fail(key, `must be a string, got ${describe(value)}`);
    return value;
  }

  // Like Go's decoder (Gostwire and csharg are Go), null means "not set".
  optionalString(key: string): string | undefined {
    const value = this.json[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(key, `must be a string, got ${describe(value)}`);
    return value;
  }

  optionalInteger(key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.json[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
      this.fail(key, `must be an integer from 0 to ${max}, got ${typeof value === 'number' ? String(value) : describe(value)}`);
    }
    return value;
  }

  optionalStrings(key: string): readonly string[] | undefined {
    const value = this.json[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) this.fail(key, `must be an array of strings, got ${describe(value)}`);
    const strings: string[] = [];
    for (const [i, item] of value.entries()) {
      if (typeof item !== 'string') this.fail(key, `must be an array of strings, item ${i} is ${describe(item)}`);
      strings.push(item);
    }
    return strings;
  }

  optionalCluster(key: string): TargetCluster | undefined {
    const value = this.json[key];
    if (value === undefined || value === null) return undefined;
    if (!isRecordLike(value)) this.fail(key, `must be an object, got ${describe(value)}`);
    const nested = new TargetReader(value, this.label, `${this.keyPrefix}${key}.`);
    const context = nested.optionalString('context');
    const uid = nested.optionalString('uid');
    return uid === undefined ? { context: context ?? '' } : { context: context ?? '', uid };
  }
}

function labelOf(json: Record<string, unknown>, index: number | undefined): string {
  if (typeof json.name === 'string') return JSON.stringify(json.name);
  return index === undefined ? '(unnamed)' : `#${index}`;
}

/**
 * Validates one target object (from discovery, a CLI argument or a flow). A known key with the
 * wrong type throws a DiscoveryFormatError naming the key and the target; `name` and `type` are
 * required; unknown keys go to `extra`. `index` (its position in a list) names an unnamed target.
 */
export function parseTarget(json: unknown, index?: number): Target {
  if (!isRecordLike(json)) {
    throw new DiscoveryFormatError('', index === undefined ? '(unnamed)' : `#${index}`, `a target must be an object, got ${describe(json)}`);
  }
  const read = new TargetReader(json, labelOf(json, index));
  const target: { -readonly [K in keyof Target]: Target[K] } = {
    name: read.requiredString(JSON_KEYS.name),
    type: read.requiredString(JSON_KEYS.type),
  };
  const netns = read.optionalInteger(JSON_KEYS.netns);
  if (netns !== undefined) target.netns = netns;
  const nifs = read.optionalStrings(JSON_KEYS.networkInterfaces);
  if (nifs !== undefined) target.networkInterfaces = nifs;
  const prefix = read.optionalString(JSON_KEYS.prefix);
  if (prefix !== undefined) target.prefix = prefix;
  const pid = read.optionalInteger(JSON_KEYS.pid);
  if (pid !== undefined) target.pid = pid;
  const starttime = read.optionalInteger(JSON_KEYS.starttime);
  if (starttime !== undefined) target.starttime = starttime;
  const nodeName = read.optionalString(JSON_KEYS.nodeName);
  if (nodeName !== undefined) target.nodeName = nodeName;
  const cluster = read.optionalCluster(JSON_KEYS.cluster);
  if (cluster !== undefined) target.cluster = cluster;
  const captureService = read.optionalString(JSON_KEYS.captureService);
  if (captureService !== undefined) target.captureService = captureService;
  const capturePort = read.optionalInteger(JSON_KEYS.capturePort, 65535);
  if (capturePort !== undefined) target.capturePort = capturePort;

  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  for (const [key, value] of Object.entries(json)) {
    if (KNOWN_KEYS.has(key)) continue;
    extra[key] = value;
    hasExtra = true;
  }
  if (hasExtra) target.extra = extra;
  return target;
}

/**
 * Validates a discovery answer `{"metadata": ..., "containers": [...]}` (already parsed JSON).
 * Only `containers` matters; `null` there means no targets (as Go writes an empty list).
 */
export function parseDiscovery(json: unknown): Target[] {
  if (!isRecordLike(json)) throw new DiscoveryFormatError('', '', `must be a JSON object, got ${describe(json)}`);
  const containers = json.containers;
  if (containers === null) return [];
  if (containers === undefined) throw new DiscoveryFormatError('containers', '', 'is missing');
  if (!Array.isArray(containers)) throw new DiscoveryFormatError('containers', '', `must be an array, got ${describe(containers)}`);
  return containers.map((item: unknown, index) => parseTarget(item, index));
}

/** Parses the text of a discovery answer; text that is not JSON is a DiscoveryFormatError. */
export function parseDiscoveryText(text: string): Target[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const start = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new DiscoveryFormatError('', '', `is not JSON (${(error as Error).message}): ${JSON.stringify(start)}`);
  }
  return parseDiscovery(json);
}

/**
 * The target as compact JSON in csharg's key order: name, type, netns (0 when absent),
 * network-interfaces (null when absent), prefix, then only when set (non-zero, non-empty):
 * starttime, pid, node-name, cluster (uid only when non-empty), capture-service, captureport.
 * Unknown keys (`extra`) are never written.
 */
export function targetToJSON(target: Target): string {
  const json: Record<string, unknown> = {
    [JSON_KEYS.name]: target.name,
    [JSON_KEYS.type]: target.type,
    [JSON_KEYS.netns]: target.netns ?? 0,
    [JSON_KEYS.networkInterfaces]: target.networkInterfaces ?? null,
    [JSON_KEYS.prefix]: target.prefix ?? '',
  };
  if (target.starttime) json[JSON_KEYS.starttime] = target.starttime;
  if (target.pid) json[JSON_KEYS.pid] = target.pid;
  if (target.nodeName) json[JSON_KEYS.nodeName] = target.nodeName;
  if (target.cluster) {
    json[JSON_KEYS.cluster] = target.cluster.uid
      ? { context: target.cluster.context, uid: target.cluster.uid }
      : { context: target.cluster.context };
  }
  if (target.captureService) json[JSON_KEYS.captureService] = target.captureService;
  if (target.capturePort) json[JSON_KEYS.capturePort] = target.capturePort;
  return JSON.stringify(json);
}

/** A target is bare when it lacks the network namespace: it must be completed from discovery. */
export function isBareTarget(target: Target): boolean {
  return !target.netns;
}
