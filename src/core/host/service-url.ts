// The Packetflix service URL a user gives (`--host`, a flow setting): normalised once, then the
// discovery and capture URLs and the node name are derived from it.

import { ServiceUrlError } from '../errors';

/** A normalised Packetflix service URL. */
export interface ServiceUrl {
  /** `http:` or `https:` */
  readonly protocol: 'http:' | 'https:';
  /** host name (IPv6 in brackets) and the port when it is not the scheme's default */
  readonly host: string;
  /** the service's base path without a trailing slash: `""` or e.g. `/edgeshark` */
  readonly basePath: string;
  /** e.g. `http://localhost:5001` or `https://edge.example/edgeshark` */
  readonly httpBase: string;
  /** the same with `ws:` / `wss:` */
  readonly wsBase: string;
  /**
   * The host part as node name for discovered targets: the host name without port, and for
   * IPv6 without brackets (as Go's net.SplitHostPort gives it), e.g. `localhost`, `::1`.
   */
  readonly nodeName: string;
}

const ONLY_HOST = 'only host name and optional port number allowed';

/**
 * Normalises a service URL: no scheme means `http://` (`ws://`/`wss://` are taken as
 * `http://`/`https://`); user info, a query or a fragment is a ServiceUrlError `only host name
 * and optional port number allowed`; a path is kept as the base path.
 */
export function parseServiceUrl(hostUrl: string): ServiceUrl {
  const text = hostUrl.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  let withScheme: string;
  if (scheme === undefined) withScheme = `http://${text}`;
  else if (scheme === 'http' || scheme === 'https') withScheme = text;
  else if (scheme === 'ws' || scheme === 'wss') withScheme = `${scheme === 'ws' ? 'http' : 'https'}${text.slice(scheme.length)}`;
  else throw new ServiceUrlError(hostUrl, `unsupported scheme "${scheme}:" in service URL ${JSON.stringify(hostUrl)}: use http:// or https://`);

  // Check the raw text: WHATWG URL silently drops an empty query ("?") or user info ("@").
  const afterScheme = withScheme.slice(withScheme.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?#\\]/, 1)[0] ?? '';
  if (authority.includes('@') || /[?#]/.test(afterScheme)) throw new ServiceUrlError(hostUrl, ONLY_HOST);

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ServiceUrlError(hostUrl, `invalid service URL ${JSON.stringify(hostUrl)}`);
  }
  if (url.hostname === '') throw new ServiceUrlError(hostUrl, `invalid service URL ${JSON.stringify(hostUrl)}: no host name`);

  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const basePath = url.pathname.replace(/\/+$/, '');
  const wsProtocol = protocol === 'https:' ? 'wss:' : 'ws:';
  return Object.freeze({
    protocol,
    host: url.host,
    basePath,
    httpBase: `${protocol}//${url.host}${basePath}`,
    wsBase: `${wsProtocol}//${url.host}${basePath}`,
    nodeName: url.hostname.replace(/^\[(.*)\]$/, '$1'),
  });
}

/** `BASE/discover/mobyshark`: Gostwire's target list, proxied by Packetflix. */
export function discoveryUrl(service: ServiceUrl): string {
  return `${service.httpBase}/discover/mobyshark`;
}

/** `ws(s)://HOST[:PORT][/BASEPATH]/capture?QUERY`; no `?` when the query is empty. */
export function captureUrl(service: ServiceUrl, query: URLSearchParams | string): string {
  const encoded = query.toString();
  return `${service.wsBase}/capture${encoded === '' ? '' : `?${encoded}`}`;
}
