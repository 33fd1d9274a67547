// Why a capture or a discovery failed, as typed errors whose messages name the target and the URL
// and say what a user can do about it.

import { CshargError } from './errors';

/** The parts of a Kubernetes `Status` object that errors use. */
export interface KubeStatus {
  /** the API server's own words, e.g. `services "x" not found` */
  readonly message: string;
  /** e.g. Unauthorized, Forbidden, NotFound, ServiceUnavailable; '' when absent */
  readonly reason: string;
  /** details.kind and details.name, when the Status has them */
  readonly detailsKind?: string;
  readonly detailsName?: string;
}

/** Where an error happened: the capture target (described for humans) and the service URL. */
export interface CaptureContext {
  /** e.g. `docker container "web" on node "host1"`; empty when unknown */
  target: string;
  /** the WebSocket URL (query included) or the discovery URL */
  url: string;
}

function where(ctx: CaptureContext): string {
  const url = urlWithoutQuery(ctx.url);
  return ctx.target ? `capture of ${ctx.target} at ${url}` : `capture at ${url}`;
}

/** The query repeats the whole target as JSON; messages show the URL without it. */
export function urlWithoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The WebSocket handshake failed: answered without 101, refused, or timed out. */
export class CaptureHandshakeError extends CshargError {
  constructor(
    readonly context: CaptureContext,
    /** the HTTP status when the server answered; undefined when it never did */
    readonly status: number | undefined,
    /** the start of the response body (bounded) */
    readonly bodyStart: string,
    detail: string,
    options?: { cause?: unknown; kubeStatus?: KubeStatus },
  ) {
    super('CAPTURE_HANDSHAKE', `${where(context)}: ${detail}`, options);
    this.kubeStatus = options?.kubeStatus;
  }

  /** the Kubernetes API server's Status when it (not Packetflix) refused the handshake */
  readonly kubeStatus: KubeStatus | undefined;
}

/**
 * The server reported that the capture failed (Packetflix's Close 1006, or any Close code other
 * than 1000), or closed the connection without any Close frame.
 */
export class CaptureFailedError extends CshargError {
  constructor(
    readonly context: CaptureContext,
    /** the server's reason text; undefined when the server sent none */
    readonly reason: string | undefined,
    /** the Close code; undefined when the server sent no Close frame */
    readonly closeCode: number | undefined,
    detail: string,
  ) {
    super('CAPTURE_FAILED', `${where(context)} failed: ${detail}`);
  }
}

/** The server broke the protocol: a text message, an oversized or malformed frame. */
export class CaptureProtocolError extends CshargError {
  constructor(readonly context: CaptureContext, detail: string, options?: { cause?: unknown }) {
    super('CAPTURE_PROTOCOL', `${where(context)}: protocol error: ${detail}`, options);
  }
}

/** The connection broke (reset, network error) without a Close from the server. */
export class CaptureConnectionLostError extends CshargError {
  constructor(readonly context: CaptureContext, detail: string, options?: { cause?: unknown }) {
    super('CAPTURE_CONNECTION_LOST', `${where(context)}: connection lost: ${detail}`, options);
  }
}

/** The writable the capture goes into failed or was closed; the capture was stopped gracefully. */
export class CaptureWriterError extends CshargError {
  constructor(readonly context: CaptureContext, detail: string, options?: { cause?: unknown }) {
    super('CAPTURE_WRITER_FAILED', `${where(context)} stopped: the output failed: ${detail}`, options);
  }
}

/** The discovery request failed: a non-2xx status, a non-JSON body, a timeout or no connection. */
export class DiscoveryError extends CshargError {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    readonly bodyStart: string,
    detail: string,
    options?: { cause?: unknown; kubeStatus?: KubeStatus },
  ) {
    super('DISCOVERY_FAILED', `discovery at ${url} failed: ${detail}`, options);
    this.kubeStatus = options?.kubeStatus;
  }

  /** the Kubernetes API server's Status when it (not Packetflix) refused the request */
  readonly kubeStatus: KubeStatus | undefined;
}

/** At most `max` characters of a response body, for error messages. */
export function bodyStartText(body: Buffer | string, max = 200): string {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
