// csharg's SharkTank on a host: discovery and captures through one Packetflix service URL.

import type { Writable } from 'node:stream';
import type { CaptureHandlers, CaptureSession } from '../capture-source';
import { DiscoveryError } from '../capture-errors';
import { DEFAULT_SERVICE_TIMEOUT_MS, DEFAULT_STOP_TIMEOUT_MS, openCaptureSocket } from './capture-socket';
import type { CaptureTlsOptions } from './capture-socket';
import { streamCaptureInto } from '../capture-streamer';
import type { CaptureStreamer } from '../capture-streamer';
import { captureServiceHeaders, captureServiceQueryParams, completeTarget, parsePodName } from './capture-request';
import { CshargError, errorMessage } from '../errors';
import { fetchDiscoveryJSON } from './http-discovery';
import { proxyAgentFor } from './proxy-agent';
import { captureUrl, discoveryUrl, parseServiceUrl } from './service-url';
import type { ServiceUrl } from './service-url';
import { deferredCaptureSession } from '../shark-tank';
import type { SharkTank } from '../shark-tank';
import { withShbEdit } from '../shb/edited-session';
import { captureTargetMetadata } from '../shb/shb-editor';
import { describeTarget } from '../describe-target';
import { isBareTarget, parseDiscovery } from '../target';
import type { CaptureOptions, Target } from '../target';
import { TargetCache } from '../target-cache';

/** Default for HostClientOptions.connectTimeout (ms). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface HostClientOptions {
  /** sent as `Authorization: Bearer TOKEN` (for the authenticating proxy in front) */
  bearerToken?: string;
  /** ms for the discovery request and the WebSocket handshake; 0 = none (default 30000) */
  timeout?: number;
  /**
   * ms until discovery's TCP connection must stand, so that a host that never answers is noticed
   * early; the answer may still take `timeout` (default 5000; 0 = none; none either when `timeout` is 0)
   */
  connectTimeout?: number;
  /** accept any server certificate (csharg's insecureSkipVerify) */
  insecureSkipVerify?: boolean;
  /** CA bundle and client certificate for https/wss */
  tls?: { ca?: CaptureTlsOptions['ca']; cert?: CaptureTlsOptions['cert']; key?: CaptureTlsOptions['key'] };
  /** how long a graceful stop waits for the server's Close echo (ms, default 5000) */
  stopTimeout?: number;
  /**
   * HTTP proxy (`http://[user:pass@]host:port`) for discovery and captures, reached with CONNECT;
   * default: from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (upper or lower case) when set; false = none
   */
  proxy?: string | false;
  /** client heartbeat of capture sockets: ping interval and pong timeout in ms; 0 = off (default 15000) */
  heartbeatMs?: number;
}

/** A SharkTank for one Packetflix service, plus csharg's Writable-based capture API. */
export interface HostSharkTank extends SharkTank {
  readonly service: ServiceUrl;
  /** captures `target` (completed from discovery when bare) into `writable` (not ended) */
  capture(writable: Writable, target: Target, options?: CaptureOptions): CaptureStreamer;
  /** captures a pod by `name` or `namespace/name` (no namespace = `default`) */
  capturePod(writable: Writable, podName: string, options?: CaptureOptions): CaptureStreamer;
  /** captures the container `name` on node `nodeName` (the service URL's host for a host) */
  captureContainer(writable: Writable, nodeName: string, name: string, options?: CaptureOptions): CaptureStreamer;
}

/**
 * A client of the Packetflix service at `hostUrl` (no scheme = http; a path is the base path).
 * Throws ServiceUrlError for a URL it cannot use and ProxyUrlError for a proxy setting (option or
 * environment) it cannot use; does no I/O until asked.
 */
export function newSharkTankOnHost(hostUrl: string, options: HostClientOptions = {}): HostSharkTank {
  const service = parseServiceUrl(hostUrl);
  const timeoutMs = options.timeout ?? DEFAULT_SERVICE_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeout ?? DEFAULT_STOP_TIMEOUT_MS;
  const tls: CaptureTlsOptions = { ...options.tls, ...(options.insecureSkipVerify ? { rejectUnauthorized: false } : {}) };
  // Discovery (http/https) and capture (ws/wss) share scheme, host and port, so one proxy choice.
  const agent = proxyAgentFor(service.httpBase, options.proxy, timeoutMs);
  const cache = new TargetCache();
  let discovering: Promise<Target[]> | undefined;

  const discover = async (): Promise<Target[]> => {
    const url = discoveryUrl(service);
    const json = await fetchDiscoveryJSON(url, {
      timeoutMs,
      connectTimeoutMs: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
      tls,
      ...(agent ? { agent } : {}),
      ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}),
    });
    let parsed: Target[];
    try {
      parsed = parseDiscovery(json);
    } catch (err) {
      throw new DiscoveryError(url, 200, '', errorMessage(err), { cause: err });
    }
    // csharg leaves node-name empty when the URL has no port; the host name is always meant.
    const targets = parsed.map((t) => ({ ...t, nodeName: service.nodeName }));
    cache.set(targets);
    return targets;
  };

  const targets = (): Promise<Target[]> => {
    if (!cache.isEmpty()) return Promise.resolve([...cache.targets()]);
    // Concurrent callers share one request.
    discovering ??= discover().finally(() => {
      discovering = undefined;
    });
    return discovering;
  };

  /** The target to request: bare ones completed from discovery (whenever bare, unlike csharg). */
  const requestTarget = async (target: Target, captureOptions: CaptureOptions): Promise<Target> => {
    if (!isBareTarget(target)) return target;
    await targets();
    const onThisHost = target.nodeName ? target : { ...target, nodeName: service.nodeName };
    return completeTarget(onThisHost, captureOptions, cache);
  };

  const openerFor = async (target: Target, captureOptions: CaptureOptions) => {
    const full = await requestTarget(target, captureOptions);
    const url = captureUrl(service, captureServiceQueryParams(full, captureOptions));
    const headers = captureServiceHeaders(full, captureOptions, options.bearerToken);
    const metadata = captureTargetMetadata(full, captureOptions, service.nodeName);
    const targetDescription = describeTarget(full, service.nodeName);
    return withShbEdit(metadata, (handlers: CaptureHandlers) =>
      openCaptureSocket(
        url,
        headers,
        {
          targetDescription,
          handshakeTimeoutMs: timeoutMs,
          stopTimeoutMs,
          tls,
          ...(agent ? { agent } : {}),
          ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
        },
        handlers,
      ),
    );
  };

  const openCapture = (target: Target, captureOptions: CaptureOptions, handlers: CaptureHandlers): CaptureSession =>
    deferredCaptureSession(openerFor(target, captureOptions), handlers);

  const capture = (writable: Writable, target: Target, captureOptions: CaptureOptions = {}): CaptureStreamer =>
    streamCaptureInto(writable, (handlers) => openCapture(target, captureOptions, handlers), {
      target: describeTarget(target, service.nodeName),
      url: `${service.wsBase}/capture`,
    });

  return {
    service,
    description: service.httpBase,
    targets,
    clear: () => cache.clear(),
    openCapture,
    capture,
    capturePod(writable, podName, captureOptions = {}) {
      let name: string;
      try {
        name = parsePodName(podName).qualifiedName;
      } catch (err) {
        // Reported through the streamer like every other failure.
        return streamCaptureInto(writable, (handlers) => failedSession(err, handlers), { target: `pod ${JSON.stringify(podName)}`, url: service.httpBase });
      }
      return capture(writable, { name, type: 'pod' }, captureOptions);
    },
    captureContainer(writable, nodeName, name, captureOptions = {}) {
      return capture(writable, { name, type: '', nodeName }, captureOptions);
    },
  };
}

function failedSession(err: unknown, handlers: CaptureHandlers): CaptureSession {
  const error = err instanceof Error ? err : new CshargError('CAPTURE_REQUEST', String(err));
  const end = Promise.resolve({ kind: 'error', error } as const);
  void end.then((e) => handlers.onEnd(e));
  return { stop: () => end, pause() {}, resume() {} };
}
