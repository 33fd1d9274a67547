// HTTP(S) proxy support for the host client: which proxy a URL goes through (HTTPS_PROXY /
// HTTP_PROXY / NO_PROXY, upper case first, as Go's httpproxy reads them), and an http.Agent that
// reaches the service through an HTTP CONNECT tunnel, TLS-wrapped for https/wss.
//
// Every request goes through CONNECT, plain http discovery included (rather than absolute-form
// GETs): the capture WebSocket needs a tunnel anyway, so one proxy rule (CONNECT to the
// service's port) decides whether both work, and the proxy never sees or rewrites the requests.

import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { CshargError } from '../errors';

/** The tunnel could not be opened: the proxy is unreachable, refused CONNECT, or did not answer. */
export class ProxyConnectError extends CshargError {
  constructor(
    /** the proxy, without credentials, e.g. `http://proxy.example:3128` */
    readonly proxy: string,
    /** `host:port` the tunnel was for */
    readonly destination: string,
    /** the proxy's HTTP status when it answered; undefined when it never did */
    readonly status: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('PROXY_CONNECT', `proxy ${proxy} (tunnel to ${destination}): ${detail}`, options);
  }
}

/** A proxy setting that is not an http:// URL with a host. */
export class ProxyUrlError extends CshargError {
  constructor(readonly setting: string, detail: string) {
    super('PROXY_URL', detail);
  }
}

/** A parsed proxy: where to connect and the Proxy-Authorization to send. */
export interface ProxySettings {
  readonly hostname: string;
  readonly port: number;
  /** `http://host:port`, never with credentials (for messages) */
  readonly display: string;
  /** `Basic …` from the proxy URL's user info, if any */
  readonly authorization?: string;
}

/** Parses a proxy URL (`http://[user:pass@]host[:port]`; no scheme = http; default port 80). */
export function parseProxyUrl(setting: string): ProxySettings {
  const text = setting.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyUrlError(setting, `invalid proxy URL ${JSON.stringify(redact(setting))}`);
  }
  if (url.protocol !== 'http:') {
    throw new ProxyUrlError(setting, `unsupported proxy scheme "${url.protocol}" in ${JSON.stringify(redact(setting))}: only http:// proxies are supported`);
  }
  if (url.hostname === '') throw new ProxyUrlError(setting, `invalid proxy URL ${JSON.stringify(redact(setting))}: no host name`);
  const port = url.port === '' ? 80 : Number(url.port);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const settings: { -readonly [K in keyof ProxySettings]: ProxySettings[K] } = { hostname, port, display: `http://${url.host}` };
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    settings.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return settings;
}

function redact(setting: string): string {
  return setting.replace(/\/\/[^/@]*@/, '//***@');
}

/** The environment variables the proxy choice reads (process.env by default). */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

function envValue(env: ProxyEnv, name: string): string | undefined {
  const value = env[name.toUpperCase()] ?? env[name.toLowerCase()];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * The proxy for `url` (http:, https:, ws:, wss:) from the environment: HTTPS_PROXY for https/wss,
 * HTTP_PROXY for http/ws (upper case first, then lower case), unless NO_PROXY matches the host.
 * Unlike Go, localhost and loopback addresses are not exempt by themselves (as with curl): list
 * them in NO_PROXY. Undefined = connect directly.
 */
export function proxyForUrl(url: string | URL, env: ProxyEnv = process.env): ProxySettings | undefined {
  const target = typeof url === 'string' ? new URL(url) : url;
  const secure = target.protocol === 'https:' || target.protocol === 'wss:';
  const setting = envValue(env, secure ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (setting === undefined) return undefined;
  const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
  if (noProxyMatches(envValue(env, 'NO_PROXY') ?? '', target.hostname, port)) return undefined;
  return parseProxyUrl(setting);
}

/**
 * Whether NO_PROXY (a comma list) exempts `hostname`:`port`. Entries: `*` (everything), a host
 * name (that host and its subdomains), `.domain` or `*.domain` (the domain and its subdomains),
 * an IP address, a CIDR block (`10.0.0.0/8`, `fd00::/8`), each with an optional `:port`
 * (`[v6]:port` for IPv6). Case-insensitive; unparsable entries are ignored.
 */
export function noProxyMatches(noProxy: string, hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const hostIp = net.isIP(host);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const { name, entryPort } = splitEntryPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (name.includes('/')) {
      if (hostIp !== 0 && cidrContains(name, host, hostIp)) return true;
      continue;
    }
    if (net.isIP(name) !== 0) {
      if (hostIp !== 0 && sameAddress(name, host)) return true;
      continue;
    }
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    if (domain !== '' && (host === domain || host.endsWith(`.${domain}`))) return true;
  }
  return false;
}

function splitEntryPort(entry: string): { name: string; entryPort?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6) return v6[2] === undefined ? { name: v6[1]! } : { name: v6[1]!, entryPort: Number(v6[2]) };
  // A bare IPv6 address (or CIDR) has several colons and no port.
  if ((entry.match(/:/g) ?? []).length > 1) return { name: entry };
  const m = /^(.*):(\d+)$/.exec(entry);
  return m ? { name: m[1]!, entryPort: Number(m[2]) } : { name: entry };
}

function sameAddress(a: string, b: string): boolean {
  const list = new net.BlockList();
  const family = net.isIP(a) === 6 ? 'ipv6' : 'ipv4';
  list.addAddress(a, family);
  return list.check(b, net.isIP(b) === 6 ? 'ipv6' : 'ipv4');
}

function cidrContains(cidr: string, host: string, hostFamily: number): boolean {
  const [base = '', bits = ''] = cidr.split('/');
  const family = net.isIP(base);
  const prefix = Number(bits);
  if (family === 0 || !/^\d+$/.test(bits) || prefix > (family === 6 ? 128 : 32)) return false;
  try {
    const list = new net.BlockList();
    list.addSubnet(base, prefix, family === 6 ? 'ipv6' : 'ipv4');
    return list.check(host, hostFamily === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}

/** The proxy's answer to CONNECT is a status line and headers; anything longer is not a proxy. */
const MAX_CONNECT_RESPONSE_HEAD = 16 * 1024;

export interface ConnectTunnelAgentOptions {
  proxy: ProxySettings;
  /** true for https/wss: the tunnel is TLS-wrapped with the request's TLS options */
  secureEndpoint: boolean;
  /** bound on reaching the proxy and its answer to CONNECT (ms); 0 = none */
  connectTimeoutMs: number;
}

type TunnelRequestOptions = http.ClientRequestArgs & tls.ConnectionOptions;

/**
 * An http.Agent whose connections are CONNECT tunnels through an HTTP proxy. Usable with
 * `http.request`, `https.request` (set up with `secureEndpoint: true`) and `ws` (`agent` option).
 * Connections are not kept alive: each request gets its own tunnel.
 */
export class ConnectTunnelAgent extends http.Agent {
  readonly proxy: ProxySettings;
  private readonly secureEndpoint: boolean;
  private readonly connectTimeoutMs: number;

  constructor(options: ConnectTunnelAgentOptions) {
    super({ keepAlive: false });
    this.proxy = options.proxy;
    this.secureEndpoint = options.secureEndpoint;
    this.connectTimeoutMs = options.connectTimeoutMs;
    // https.request insists that its agent speaks https:.
    Object.assign(this, { protocol: options.secureEndpoint ? 'https:' : 'http:', defaultPort: options.secureEndpoint ? 443 : 80 });
  }

  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback ?? (() => undefined);
    const request = options as TunnelRequestOptions;
    const host = (request.host ?? request.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(request.port ?? (this.secureEndpoint ? 443 : 80));
    const destination = net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    openTunnel(this.proxy, destination, this.connectTimeoutMs, (err, socket) => {
      if (err || !socket) {
        done(err ?? new Error('no tunnel'), undefined as unknown as Duplex);
        return;
      }
      if (!this.secureEndpoint) {
        done(null, socket);
        return;
      }
      const servername = request.servername || (net.isIP(host) === 0 ? host : undefined);
      const secured = tls.connect({
        socket,
        ...(servername ? { servername } : {}),
        ...(request.ca !== undefined ? { ca: request.ca } : {}),
        ...(request.cert !== undefined ? { cert: request.cert } : {}),
        ...(request.key !== undefined ? { key: request.key } : {}),
        ...(request.rejectUnauthorized !== undefined ? { rejectUnauthorized: request.rejectUnauthorized } : {}),
      });
      done(null, secured);
    });
    return undefined;
  }
}

/** Opens a CONNECT tunnel to `destination` through `proxy`; exactly one callback. */
export function openTunnel(
  proxy: ProxySettings,
  destination: string,
  timeoutMs: number,
  callback: (err: ProxyConnectError | null, socket?: net.Socket) => void,
): void {
  let settled = false;
  let head = Buffer.alloc(0);
  const socket = net.connect({ host: proxy.hostname, port: proxy.port });
  const timer = timeoutMs > 0 ? setTimeout(() => fail(undefined, `no answer to CONNECT within ${timeoutMs} ms (is the proxy reachable? raise the timeout?)`), timeoutMs) : undefined;

  function settle(): boolean {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('error', onError);
    socket.removeListener('end', onEnd);
    return true;
  }
  function fail(status: number | undefined, detail: string, cause?: unknown): void {
    if (!settle()) return;
    socket.destroy();
    callback(new ProxyConnectError(proxy.display, destination, status, detail, { cause }));
  }
  function onError(err: Error & { code?: string }): void {
    const hint = err.code === 'ECONNREFUSED' ? ' (is the proxy running? check HTTPS_PROXY / HTTP_PROXY)' : '';
    fail(undefined, `cannot reach the proxy: ${err.message}${hint}`, err);
  }
  function onEnd(): void {
    fail(undefined, 'the proxy closed the connection without answering CONNECT');
  }
  function onData(chunk: Buffer): void {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_CONNECT_RESPONSE_HEAD) fail(undefined, 'the answer to CONNECT is not HTTP (no end of headers)');
      return;
    }
    const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!match) {
      fail(undefined, `the answer to CONNECT is not HTTP: ${JSON.stringify(statusLine.slice(0, 80))}`);
      return;
    }
    const status = Number(match[1]);
    if (status < 200 || status > 299) {
      const body = head.subarray(end + 4, end + 4 + 200).toString('utf8').replace(/\s+/g, ' ').trim();
      fail(status, `the proxy refused the tunnel: HTTP ${status} ${match[2] ?? ''}${body ? `: ${body}` : ''}${refusalHint(status)}`);
      return;
    }
    const rest = head.subarray(end + 4);
    if (!settle()) return;
    if (rest.length > 0) socket.unshift(rest);
    callback(null, socket);
  }

  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('end', onEnd);
  socket.once('connect', () => {
    const auth = proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '';
    socket.write(`CONNECT ${destination} HTTP/1.1\r\nHost: ${destination}\r\n${auth}\r\n`);
  });
}

function refusalHint(status: number): string {
  if (status === 407) return ' (the proxy wants credentials: put them into the proxy URL, http://user:password@proxy:port)';
  if (status === 403 || status === 405) return ' (the proxy does not allow tunnels to this host or port; add the service host to NO_PROXY?)';
  if (status === 502 || status === 503 || status === 504) return ' (the proxy cannot reach the service)';
  return '';
}

/** The agent for `url` given a proxy choice: explicit URL, false (never), or undefined (environment). */
export function proxyAgentFor(url: string, proxy: string | false | undefined, connectTimeoutMs: number, env: ProxyEnv = process.env): ConnectTunnelAgent | undefined {
  if (proxy === false) return undefined;
  const settings = proxy === undefined ? proxyForUrl(url, env) : parseProxyUrl(proxy);
  if (!settings) return undefined;
  const protocol = new URL(url).protocol;
  return new ConnectTunnelAgent({ proxy: settings, secureEndpoint: protocol === 'https:' || protocol === 'wss:', connectTimeoutMs });
}
