// GET of a discovery URL (BASE/discover/mobyshark) with a bounded body and clear failures.
// csharg ignores the status and swallows every error into an empty list; here a non-2xx status,
// a non-JSON body, a timeout or a refused connection is a DiscoveryError naming the URL.

import http from 'node:http';
import https from 'node:https';
import { bodyStartText, DiscoveryError } from '../capture-errors';
import { certificateHint, oneLine } from './capture-socket';
import { kubeStatusDetail, parseKubeStatus } from './kube-status';
import type { KubeStatus } from './kube-status';
import type { CaptureTlsOptions } from './capture-socket';
import { ProxyConnectError } from './proxy-agent';

/** Discovery of a big cluster node is a few MiB; anything this large is not discovery. */
export const DEFAULT_DISCOVERY_MAX_BYTES = 64 * 1024 * 1024;

export interface DiscoveryRequestOptions {
  bearerToken?: string;
  /** ms for the whole request; 0 = none */
  timeoutMs: number;
  /**
   * ms until the TCP connection must stand (a host that drops packets is noticed this soon, while
   * an answer may still take timeoutMs); only when shorter than a timeoutMs above 0. Not applied
   * through an agent (a proxy tunnel has its own timeout).
   */
  connectTimeoutMs?: number;
  tls?: CaptureTlsOptions;
  maxBytes?: number;
  /** connects through this agent (e.g. a proxy tunnel, see proxy-agent.ts) */
  agent?: http.Agent;
}

/** Fetches and parses the discovery JSON at `url`; rejects with a DiscoveryError. */
export function fetchDiscoveryJSON(url: string, options: DiscoveryRequestOptions): Promise<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_DISCOVERY_MAX_BYTES;
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const failWith = (status: number | undefined, body: string, detail: string, cause?: unknown, kubeStatus?: KubeStatus): void =>
      settle(() => reject(new DiscoveryError(url, status, body, detail, { cause, ...(kubeStatus ? { kubeStatus } : {}) })));

    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      failWith(undefined, '', `invalid URL: ${(err as Error).message}`, err);
      return;
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.bearerToken) {
      // Node would throw on a line break; anything outside printable ASCII could split the header.
      if (!/^[\x21-\x7e]+$/.test(options.bearerToken)) {
        failWith(undefined, '', 'invalid bearer token: expected printable ASCII without spaces (token not shown)');
        return;
      }
      headers.authorization = `Bearer ${options.bearerToken}`;
    }
    const secure = parsed.protocol === 'https:';
    let request: http.ClientRequest;
    try {
      request = (secure ? https : http).request(parsed, {
        method: 'GET',
        headers,
        ...(secure ? options.tls : {}),
        ...(options.agent ? { agent: options.agent } : {}),
      });
    } catch (err) {
      // Options Node refuses synchronously must still end as a DiscoveryError.
      failWith(undefined, '', `cannot send the request: ${(err as Error).message}`, err);
      return;
    }

    if (options.timeoutMs > 0) {
      timer = setTimeout(() => {
        failWith(undefined, '', `no answer within ${options.timeoutMs} ms (is the service reachable? raise the timeout?)`);
        request.destroy();
      }, options.timeoutMs);
    }
    const connectMs = options.connectTimeoutMs ?? 0;
    if (connectMs > 0 && !options.agent && options.timeoutMs > 0 && connectMs < options.timeoutMs) {
      request.once('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(() => {
          failWith(undefined, '', `no connection within ${connectMs} ms (is the host reachable? is the address right?)`);
          request.destroy();
        }, connectMs);
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
    }
    request.on('error', (err: Error & { code?: string }) => {
      const certificate = certificateHint(err);
      const hint = certificate
        ? ` (${certificate})`
        : err.code === 'ECONNREFUSED' && !(err instanceof ProxyConnectError)
          ? ' (is Packetflix running at this URL?)'
          : '';
      failWith(undefined, '', `${oneLine(err.message)}${hint}`, err);
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const parts: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          failWith(status, '', `the answer is larger than ${maxBytes} bytes`);
          request.destroy();
          return;
        }
        parts.push(chunk);
      });
      response.on('error', (err) => failWith(status, '', `the answer broke off: ${err.message}`, err));
      response.on('end', () => {
        const body = Buffer.concat(parts);
        if (status < 200 || status > 299) {
          const start = bodyStartText(body);
          // A Kubernetes API server's service proxy refused: its Status says why, whole.
          const kube = parseKubeStatus(body);
          if (kube) {
            failWith(status, start, `HTTP ${status} ${response.statusMessage ?? ''}: ${kubeStatusDetail(status, kube, url)}`, undefined, kube);
            return;
          }
          failWith(status, start, `HTTP ${status} ${response.statusMessage ?? ''}${start ? `: ${start}` : ''}${statusHint(status)}`);
          return;
        }
        try {
          const json: unknown = JSON.parse(body.toString('utf8'));
          settle(() => resolve(json));
        } catch (err) {
          const start = bodyStartText(body);
          failWith(status, start, `the answer (HTTP ${status}) is not JSON: ${start || '(empty body)'}`, err);
        }
      });
    });
    request.end();
  });
}

function statusHint(status: number): string {
  if (status === 502 || status === 503 || status === 504) return ' (Gostwire behind Packetflix, or the service behind the proxy, is not reachable)';
  if (status === 401 || status === 403) return ' (check the bearer token)';
  if (status === 404) return ' (check the service URL and its base path)';
  return '';
}
