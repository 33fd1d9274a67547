// What a capture request carries, as URL query and as Clustershark-* headers (the Kubernetes
// API-server proxy drops query strings on WebSocket upgrades), built from the same fields; plus
// completing bare targets from discovery and parsing pod names.

import { CaptureRequestError, PodNameError, TargetNotFoundError } from '../errors';
import { isBareTarget, targetToJSON } from '../target';
import type { CaptureOptions, Target } from '../target';
import type { TargetCache } from '../target-cache';

/**
 * Upper bound of each request field (container JSON, interface list, filter). Each travels twice
 * (query, percent-encoded up to 3x, and header); three fields stay well below Go's default 1 MiB
 * limit for the request line plus headers, so the server never answers 431.
 */
export const MAX_REQUEST_FIELD_LENGTH = 32 * 1024;

/** The values of a capture request, shared by the query and the headers. */
export interface CaptureRequestFields {
  /** the target as compact JSON in csharg's key order, everything outside printable ASCII as \uXXXX */
  readonly container: string;
  /** interface names joined with `/`; absent = the server captures the target's interfaces */
  readonly nif?: string;
  /** pcap-filter expression, absent when empty */
  readonly filter?: string;
  /** ask for no promiscuous mode */
  readonly chaste: boolean;
}

// Header values must be Latin-1 without controls (Node) and the server reads them as bytes, so
// the JSON is kept to printable ASCII. JSON.stringify already escapes C0 controls; this also
// escapes DEL and everything beyond ASCII (one \uXXXX per UTF-16 unit, as JSON allows).
function asciiJSON(json: string): string {
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function checkLength(what: string, value: string): void {
  if (value.length > MAX_REQUEST_FIELD_LENGTH) {
    throw new CaptureRequestError(`${what} is too long for a capture request: ${value.length} characters, at most ${MAX_REQUEST_FIELD_LENGTH}`);
  }
}

/** The interfaces to ask for: the options' list, else the target's, else none (never `all`). */
export function captureInterfaces(target: Target, options: CaptureOptions = {}): readonly string[] | undefined {
  if (options.nifs && options.nifs.length > 0) return options.nifs;
  if (target.networkInterfaces && target.networkInterfaces.length > 0) return target.networkInterfaces;
  return undefined;
}

// Linux interface names hold neither `/` nor whitespace; anything outside printable ASCII could
// not travel in a header unchanged, and `/` would split the list.
function checkInterfaceName(name: string): void {
  if (!/^[\x21-\x2e\x30-\x7e]+$/.test(name)) {
    throw new CaptureRequestError(`invalid network interface name ${JSON.stringify(name)}: expected printable ASCII without "/" or spaces`);
  }
}

// pcap-filter treats line breaks and tabs as spaces, so they become spaces (a header cannot carry
// them); other control characters and non-ASCII text are never part of a valid filter.
function requestFilter(filter: string): string {
  const oneLine = filter.replace(/[\t\n\v\f\r]/g, ' ');
  if (!/^[\x20-\x7e]*$/.test(oneLine)) {
    throw new CaptureRequestError(`invalid capture filter ${JSON.stringify(filter)}: only printable ASCII is allowed`);
  }
  return oneLine;
}

/** The request fields for capturing `target` with `options`; throws CaptureRequestError for unsafe input. */
export function captureRequestFields(target: Target, options: CaptureOptions = {}): CaptureRequestFields {
  const container = asciiJSON(targetToJSON(target));
  checkLength('the target description', container);
  const nifs = captureInterfaces(target, options);
  let nif: string | undefined;
  if (nifs) {
    nifs.forEach(checkInterfaceName);
    nif = nifs.join('/');
    checkLength('the interface list', nif);
  }
  let filter: string | undefined;
  if (options.filter) {
    filter = requestFilter(options.filter);
    checkLength('the capture filter', filter);
  }
  const fields: { -readonly [K in keyof CaptureRequestFields]: CaptureRequestFields[K] } = {
    container,
    chaste: options.avoidPromiscuousMode === true,
  };
  if (nif !== undefined) fields.nif = nif;
  if (filter !== undefined) fields.filter = filter;
  return fields;
}

/**
 * The capture query: keys in alphabetical order (`chaste`, `container`, `filter`, `nif`), form-
 * encoded by `toString()`. `chaste` has an empty value when present.
 */
export function captureServiceQueryParams(target: Target, options: CaptureOptions = {}): URLSearchParams {
  const fields = captureRequestFields(target, options);
  const query = new URLSearchParams();
  if (fields.chaste) query.set('chaste', '');
  query.set('container', fields.container);
  if (fields.filter !== undefined) query.set('filter', fields.filter);
  if (fields.nif !== undefined) query.set('nif', fields.nif);
  return query;
}

// RFC 6750's b64token is stricter; this only keeps out what would break or split the header.
function checkBearerToken(token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CaptureRequestError('invalid bearer token: expected printable ASCII without spaces (token not shown)');
  }
}

/**
 * The same request as headers: `Clustershark-Container`, `Clustershark-Nif`,
 * `Clustershark-Filter`, `Clustershark-Chaste` (empty value), and `Authorization: Bearer TOKEN`
 * when a token is given. Every value is printable ASCII, so no value can split the request.
 */
export function captureServiceHeaders(target: Target, options: CaptureOptions = {}, bearerToken?: string): Record<string, string> {
  const fields = captureRequestFields(target, options);
  const headers: Record<string, string> = { 'Clustershark-Container': fields.container };
  if (fields.nif !== undefined) headers['Clustershark-Nif'] = fields.nif;
  if (fields.filter !== undefined) headers['Clustershark-Filter'] = fields.filter;
  if (fields.chaste) headers['Clustershark-Chaste'] = '';
  if (bearerToken) {
    checkBearerToken(bearerToken);
    headers.Authorization = `Bearer ${bearerToken}`;
  }
  return headers;
}

/**
 * The target to send: a target with a network namespace as it is; a bare one (no `netns`)
 * replaced by a copy of the one discovery knows: pods by cluster-wide name, others by node name,
 * prefix and name. Unknown or ambiguous: TargetNotFoundError `non-existing target {...}`.
 * Unlike csharg, this completes a bare target whenever it is given, not only while the cache is
 * empty. `options` is accepted for csharg parity; the interface list is chosen per request.
 */
export function completeTarget(target: Target, _options: CaptureOptions | undefined, cache: TargetCache): Target {
  if (!isBareTarget(target)) return target;
  const matches = target.type === 'pod'
    ? cache.podMatches(target.name)
    : cache.onNodeMatches(target.nodeName ?? '', target.prefix ?? '', target.name);
  const [found] = matches;
  if (matches.length !== 1 || found === undefined) throw new TargetNotFoundError(targetToJSON(target), matches.length);
  return { ...found };
}

/** A pod name split into namespace and name. */
export interface PodName {
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name`, the target name discovery uses for pods */
  readonly qualifiedName: string;
}

/** Parses `name` or `namespace/name` (no namespace = `default`); anything else is a PodNameError. */
export function parsePodName(podName: string): PodName {
  const parts = podName.split('/');
  const [namespace, name] = parts.length === 1 ? ['default', parts[0]] : parts;
  if (parts.length > 2 || !namespace || !name) throw new PodNameError(podName);
  return { namespace, name, qualifiedName: `${namespace}/${name}` };
}
