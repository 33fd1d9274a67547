// Errors that come from a Kubernetes API server's service proxy
// (https://API/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/…) rather than from
// Packetflix. The API server answers a refusal with a `Status` object (JSON, kind "Status") whose
// `message` says what happened in its own words; this module turns it into what a user can act
// on: which credentials, which RBAC permission, which Service. One place for discovery
// (http-discovery.ts) and the capture handshake (capture-socket.ts).

import type { KubeStatus } from '../capture-errors';

export type { KubeStatus } from '../capture-errors';

/** A Status is a few hundred bytes; a larger body is not one worth parsing. */
const MAX_STATUS_BYTES = 64 * 1024;

/** The Status in a response body, or undefined when the body is not a Kubernetes Status object. */
export function parseKubeStatus(body: Buffer | string): KubeStatus | undefined {
  if (body.length === 0 || body.length > MAX_STATUS_BYTES) return undefined;
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!text.trimStart().startsWith('{')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (o.kind !== 'Status' || typeof o.message !== 'string') return undefined;
  const details = typeof o.details === 'object' && o.details !== null ? (o.details as Record<string, unknown>) : {};
  return {
    message: o.message,
    reason: typeof o.reason === 'string' ? o.reason : '',
    ...(typeof details.kind === 'string' ? { detailsKind: details.kind } : {}),
    ...(typeof details.name === 'string' ? { detailsName: details.name } : {}),
  };
}

/** The Service a proxy URL goes to, as --edgeshark-service writes it: NAMESPACE/NAME[:PORT]. */
export interface KubeServiceRef {
  readonly namespace: string;
  readonly name: string;
  /** the port (name or number) when the URL gives one */
  readonly port?: string;
}

/** The Service of an API server's service proxy URL (http(s) or ws(s)); undefined for any other URL. */
export function kubeServiceOfUrl(url: string): KubeServiceRef | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(?:\/|$)/.exec(pathname);
  if (!m) return undefined;
  const namespace = decodeURIComponent(m[1]!);
  // [scheme:]name[:port]; the scheme is http or https, a name never holds a colon
  let parts = decodeURIComponent(m[2]!).split(':');
  if (parts.length > 1 && (parts[0] === 'http' || parts[0] === 'https')) parts = parts.slice(1);
  const [name, port] = parts;
  if (!name) return undefined;
  return { namespace, name, ...(port ? { port } : {}) };
}

function serviceText(ref: KubeServiceRef | undefined, name: string | undefined): string {
  const bare = name ?? ref?.name;
  if (!bare) return 'the Service';
  return ref ? `the Service ${ref.namespace}/${bare}` : `the Service "${bare}"`;
}

/** `User "X" cannot VERB resource "R" [in API group "G"] [in the namespace "NS"]` from a 403. */
function forbiddenParts(message: string): { user: string; verb: string; resource: string; namespace?: string } | undefined {
  const m = /User "([^"]*)" cannot (\S+) resource "([^"]*)"(?: in API group "[^"]*")?(?: in the namespace "([^"]*)")?/.exec(message);
  if (!m) return undefined;
  return { user: m[1]!, verb: m[2]!, resource: m[3]!, ...(m[4] ? { namespace: m[4] } : {}) };
}

/**
 * What the Status means for the user, one sentence without the API server's own message: the
 * credentials (401), the missing RBAC permission (403), the Service that does not exist (404) or
 * has no ready endpoints (503).
 */
export function explainKubeStatus(httpStatus: number, status: KubeStatus, url: string): string {
  const ref = kubeServiceOfUrl(url);
  if (httpStatus === 401) {
    return 'the Kubernetes API server did not accept the credentials (the bearer token or the client certificate: wrong, expired, or for another cluster?)';
  }
  if (httpStatus === 403) {
    const f = forbiddenParts(status.message);
    if (!f) return 'the Kubernetes API server forbids this request (check the RBAC permissions of the user)';
    const where = f.namespace ? ` in the namespace "${f.namespace}"` : '';
    if (f.user === 'system:anonymous') {
      return `no credentials reached the Kubernetes API server: it took the request as user "system:anonymous", who lacks the RBAC permission ${f.verb} on ${f.resource}${where} (give a bearer token or a client certificate)`;
    }
    return `user "${f.user}" lacks the RBAC permission ${f.verb} on ${f.resource}${where} (a Role or ClusterRole granting it, bound to that user, is needed)`;
  }
  if (httpStatus === 404 && status.detailsKind === 'services') {
    return `${serviceText(ref, status.detailsName)} does not exist on the Kubernetes API server (check --edgeshark-service, or the namespace and Service in the URL)`;
  }
  if (httpStatus === 503 && /^no endpoints available for service/.test(status.message)) {
    return `${serviceText(ref, undefined)} has no ready endpoints: no Packetflix pod is running and ready behind it`;
  }
  const port = /^no service port (\S+) found for service/.exec(status.message);
  if (httpStatus === 503 && port) {
    return `${serviceText(ref, undefined)} has no port ${port[1]} (check the port in --edgeshark-service or the URL)`;
  }
  return `the Kubernetes API server refused the request${status.reason ? ` (${status.reason})` : ''}`;
}

/**
 * The detail an error shows after "HTTP 403 Forbidden: ": the explanation, then the API server's
 * message whole (never cut), quoted as in its Status object.
 */
export function kubeStatusDetail(httpStatus: number, status: KubeStatus, url: string): string {
  return `${explainKubeStatus(httpStatus, status, url)}; the API server's Status: "message":${JSON.stringify(status.message)}`;
}

/** A few words for a status line (Node-RED), e.g. "RBAC: no get on services/proxy"; '' when the HTTP status name says as much. */
export function kubeShortReason(httpStatus: number, status: KubeStatus): string {
  if (httpStatus === 401) return 'credentials not accepted';
  if (httpStatus === 403) {
    const f = forbiddenParts(status.message);
    if (f?.user === 'system:anonymous') return 'no credentials sent';
    return f ? `RBAC: no ${f.verb} on ${f.resource}` : 'API server: forbidden';
  }
  if (httpStatus === 404 && status.detailsKind === 'services') return 'Service not found';
  if (httpStatus === 503 && /^no endpoints available for service/.test(status.message)) return 'Service has no endpoints';
  if (httpStatus === 503 && /^no service port /.test(status.message)) return 'Service has no such port';
  return '';
}
