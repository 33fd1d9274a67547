// Errors as a node shows them. The status under the node gives the short reason first ("invalid
// capture filter", "unauthorized (HTTP 401)"); the error that reaches Catch nodes and the debug
// sidebar is one line of text: the reason (the server's or dumpcap's own words), then the target
// and the URL, then the error's code in brackets. Text, not an Error object: Node-RED shows an
// Error object in the debug sidebar as a collapsed object, and Catch nodes would read
// "CaptureFailedError: capture of … failed: …", the reason last.
import {
  CaptureConnectionLostError,
  CaptureFailedError,
  CaptureHandshakeError,
  CaptureProtocolError,
  CaptureWriterError,
  DiscoveryError,
  urlWithoutQuery,
} from '../../core/capture-errors';
import type { CaptureContext } from '../../core/capture-errors';
import { CaptureRequestError, CshargError, DiscoveryFormatError, PodNameError, ServiceUrlError, TargetNotFoundError, errorMessage } from '../../core/errors';
import {
  CapturePrivilegeError,
  DumpcapFailedError,
  LocalDiscoveryError,
  LocalTargetError,
  LocalToolMissingError,
  TargetGoneError,
} from '../../core/local/errors';
import { kubeShortReason } from '../../core/host/kube-status';
import type { KubeStatus } from '../../core/host/kube-status';
import type { DoneFunction, NodeStatus, RuntimeNode } from './node-red-api';

export const MAX_STATUS_TEXT = 60;

export interface ErrorReport {
  /** the short reason, for the status under the node: lower case, a few words */
  readonly reason: string;
  /** the whole message as one line: reason first, target and URL after, the code last */
  readonly text: string;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The short reason of a failure that Packetflix or dumpcap reported in its own words. */
function serverReason(reason: string): string {
  if (/^Invalid capture filter/i.test(reason)) return 'invalid capture filter';
  const device = /^There is no device named "([^"]*)"/.exec(reason);
  if (device) return `no interface "${device[1]}"`;
  if (/^cannot lock target network stack/.test(reason)) return 'cannot enter the target (no process in it?)';
  if (/^could not locate network namespace/.test(reason)) return 'target not found on the host (gone?)';
  if (/^(either container or netns|container and netns|invalid netns|invalid container)/.test(reason)) return 'invalid capture request';
  if (/permission|not permitted|privilege/i.test(reason)) return 'missing privileges';
  return reason.replace(/\.$/, '');
}

function statusName(status: number, kube?: KubeStatus): string {
  // A Kubernetes API server's refusal says which credentials, permission or Service.
  const k = kube ? kubeShortReason(status, kube) : '';
  if (k) return k;
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not found (wrong URL or base path?)';
  if (status === 502 || status === 503 || status === 504) return 'service unavailable';
  return 'refused';
}

/** Why a connection was not made, from the error Node gave (ECONNREFUSED, a timeout, TLS). */
function connectReason(cause: unknown, detail: string): string {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') return 'host unreachable (connection refused)';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') return `host unreachable (${code})`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
    if (/CERT|SSL|TLS|SIGNATURE|ISSUER/.test(code)) return 'TLS error (certificate)';
  }
  if (/no WebSocket handshake within|no answer within/.test(detail)) return 'host unreachable (timeout)';
  if (/invalid URL|invalid capture URL/.test(detail)) return 'invalid host URL';
  if (/invalid bearer token/.test(detail)) return 'invalid bearer token';
  return 'host unreachable';
}

/** Splits a capture error's message into "where" (target and URL) and what went wrong. */
function captureParts(context: CaptureContext, message: string): { where: string; detail: string } {
  const url = urlWithoutQuery(context.url);
  const where = context.target ? `capture of ${context.target} at ${url}` : `capture at ${url}`;
  if (!message.startsWith(where)) return { where: '', detail: message };
  const detail = message.slice(where.length).replace(/^( failed| stopped)?: /, '').replace(/^protocol error: |^connection lost: |^the output failed: /, '');
  return { where, detail };
}

function shortReason(err: unknown): string {
  if (err instanceof CaptureFailedError) {
    if (err.reason) return serverReason(err.reason);
    return err.closeCode === undefined ? 'capture failed (no reason given)' : `capture failed (close code ${err.closeCode})`;
  }
  if (err instanceof CaptureHandshakeError) {
    if (err.status !== undefined) return `${statusName(err.status, err.kubeStatus)} (HTTP ${err.status})`;
    return connectReason(err.cause, err.message);
  }
  if (err instanceof DiscoveryError) {
    if (err.status !== undefined && (err.status < 200 || err.status > 299)) return `discovery${err.kubeStatus ? ':' : ''} ${statusName(err.status, err.kubeStatus)} (HTTP ${err.status})`;
    if (err.status !== undefined) return 'discovery answer unreadable';
    return connectReason(err.cause, err.message);
  }
  if (err instanceof CaptureConnectionLostError) return 'connection lost';
  if (err instanceof CaptureProtocolError) return 'protocol error (is this Packetflix?)';
  if (err instanceof CaptureWriterError) return 'output failed';
  if (err instanceof TargetNotFoundError) return err.matches === 0 ? 'unknown target' : 'ambiguous target';
  if (err instanceof CapturePrivilegeError) return 'missing privileges';
  if (err instanceof LocalToolMissingError) return `${err.tool} missing`;
  if (err instanceof TargetGoneError) return 'target gone';
  if (err instanceof LocalTargetError) return 'cannot capture the target locally';
  if (err instanceof DumpcapFailedError) return err.reason ? serverReason(err.reason) : 'dumpcap failed';
  if (err instanceof LocalDiscoveryError) return 'local discovery failed';
  if (err instanceof ServiceUrlError) return 'invalid host URL';
  if (err instanceof CaptureRequestError || err instanceof PodNameError) return 'invalid capture request';
  if (err instanceof DiscoveryFormatError) return 'discovery answer unreadable';
  return '';
}

/** The short reason and the whole message of any error, as the nodes show them. */
export function describeError(err: unknown): ErrorReport {
  const message = oneLine(errorMessage(err));
  const code = err instanceof CshargError ? ` [${err.code}]` : '';
  let reason = shortReason(err);
  let detail = message;
  let where = '';
  if (err instanceof CaptureFailedError || err instanceof CaptureHandshakeError || err instanceof CaptureConnectionLostError || err instanceof CaptureProtocolError || err instanceof CaptureWriterError) {
    ({ where, detail } = captureParts(err.context, message));
  } else if (err instanceof DiscoveryError) {
    // kept whole ("discovery at URL failed: …" names what was asked), after the short reason
    detail = message;
  } else if (err instanceof DumpcapFailedError) {
    const prefix = `capture of ${err.target} failed: `;
    if (message.startsWith(prefix)) {
      detail = message.slice(prefix.length);
      where = `capture of ${err.target} on this machine`;
    }
  }
  if (!reason) reason = detail;
  // The reason goes first, unless the detail already starts with it (say it once).
  const head = detail.toLowerCase().startsWith(reason.toLowerCase()) ? detail : `${reason}: ${detail}`;
  return { reason, text: `${head}${where ? ` — ${where}` : ''}${code}` };
}

/** The whole message of an error, reason first (for Catch nodes, the debug sidebar and the log). */
export function errorText(err: unknown): string {
  return describeError(err).text;
}

/** A red status with the short reason. */
export function errorStatus(err: unknown): NodeStatus {
  return { fill: 'red', shape: 'ring', text: cut(describeError(err).reason, MAX_STATUS_TEXT) };
}


/** Finishes a message with a failure: the status under the node, the text to Catch nodes. */
export function failMessage(node: RuntimeNode, err: unknown, done: DoneFunction): void {
  node.status(errorStatus(err));
  done(errorText(err));
}

/**
 * A configuration the node cannot run with: shown under the node and logged at deploy, and every
 * message that arrives later finishes with the same error, so that Catch nodes see it too.
 */
export function rejectConfiguration(node: RuntimeNode, err: unknown): void {
  node.status(errorStatus(err));
  node.error(errorText(err), {});
  node.on('input', (_msg, _send, done) => done(errorText(err)));
}
