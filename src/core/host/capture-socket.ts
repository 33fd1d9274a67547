// One capture WebSocket to Packetflix, as an event-based session: chunks in, exactly one end
// reason out. Everything that can go wrong (handshake, server failure close, protocol, lost
// connection, a throwing handler) ends in `onEnd`, never in an exception, and never leaves the
// socket open.

import type { Duplex } from 'node:stream';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { CaptureEnd, CaptureHandlers, CaptureSession } from '../capture-source';
import {
  bodyStartText,
  CaptureConnectionLostError,
  CaptureFailedError,
  CaptureHandshakeError,
  CaptureProtocolError,
} from '../capture-errors';
import type { CaptureContext } from '../capture-errors';
import { closeFrameAtEnd, ReceivedTail } from './close-frame-tail';
import { DEFAULT_HEARTBEAT_MS, Heartbeat } from './heartbeat';
import { ProxyConnectError } from './proxy-agent';
import { asError } from '../errors';

/** csharg's default for the discovery request and the WebSocket handshake. */
export const DEFAULT_SERVICE_TIMEOUT_MS = 30_000;
/** How long a graceful stop waits for the server's Close echo before force-closing. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** Packetflix messages are at most 32 KiB; anything near this bound is not Packetflix. */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
/** csharg's Close reason for a client stop. */
export const CLIENT_CLOSE_REASON = 'ciao';

const HANDSHAKE_BODY_LIMIT = 4096;
const HANDSHAKE_BODY_WAIT_MS = 2_000;

export interface CaptureTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** false skips certificate verification (csharg's insecureSkipVerify) */
  rejectUnauthorized?: boolean;
}

export interface CaptureSocketOptions {
  /** handshake timeout in ms; 0 = none (default 30 s) */
  handshakeTimeoutMs?: number;
  /** graceful stop: how long to wait for the Close echo (default 5 s) */
  stopTimeoutMs?: number;
  /** largest accepted message (default 16 MiB) */
  maxPayload?: number;
  tls?: CaptureTlsOptions;
  /** the target, described for humans, for error messages */
  targetDescription?: string;
  /** connects through this agent (e.g. a proxy tunnel, see proxy-agent.ts) */
  agent?: Agent;
  /**
   * client heartbeat, from the first message on: a ping every this many ms; a whole interval
   * after a ping without a pong or data ends the capture with CaptureConnectionLostError; 0 = off
   * (default 15000)
   */
  heartbeatMs?: number;
}

/** A capture session over one WebSocket; see `CaptureSession`. */
export interface CaptureSocketSession extends CaptureSession {
  /** resolves with the end reason once the capture has ended (does not stop it) */
  readonly ended: Promise<CaptureEnd>;
}

type Phase = 'connecting' | 'open' | 'closing' | 'ended';

/** The `ws` client options a capture socket needs (also for callers who connect it themselves). */
export function captureClientOptions(headers: Record<string, string>, options: CaptureSocketOptions): WebSocket.ClientOptions {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
  // `closeTimeout` (ws >= 8.18) bounds ws's own wait for the Close echo; @types/ws lacks it.
  return {
    headers,
    perMessageDeflate: false,
    followRedirects: false,
    maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    closeTimeout: options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    ...(handshakeTimeoutMs > 0 ? { handshakeTimeout: handshakeTimeoutMs } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
    ...options.tls,
  } as WebSocket.ClientOptions;
}

/**
 * Opens the capture socket at `url` (ws: or wss:) with the given request headers and reports
 * every binary message to `handlers.onChunk` and the end, exactly once, to `handlers.onEnd`.
 */
export function openCaptureSocket(
  url: string,
  headers: Record<string, string>,
  options: CaptureSocketOptions,
  handlers: CaptureHandlers,
): CaptureSocketSession {
  let websocket: WebSocket;
  try {
    websocket = new WebSocket(url, captureClientOptions(headers, options));
  } catch (err) {
    // A malformed URL: report it like every other failure, asynchronously.
    const context: CaptureContext = { target: options.targetDescription ?? '', url };
    const error = new CaptureHandshakeError(context, undefined, '', `invalid capture URL: ${(err as Error).message}`, { cause: err });
    const ended = new Promise<CaptureEnd>((resolve) => {
      setImmediate(() => {
        try {
          handlers.onEnd({ kind: 'error', error });
        } catch {
          // nowhere left to report the handler's own failure
        }
        resolve({ kind: 'error', error });
      });
    });
    return { ended, stop: () => ended, pause() {}, resume() {} };
  }
  return attachCaptureSocket(websocket, options, handlers);
}

/**
 * Runs a capture session on a `ws` WebSocket that is connecting or open (for callers who create
 * the socket themselves, e.g. through their own agent or proxy).
 */
export function attachCaptureSocket(websocket: WebSocket, options: CaptureSocketOptions, handlers: CaptureHandlers): CaptureSocketSession {
  const url = websocket.url;
  const context: CaptureContext = { target: options.targetDescription ?? '', url };
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;

  let phase: Phase = websocket.readyState === WebSocket.CONNECTING ? 'connecting' : 'open';
  let stopRequested = false;
  let failure: Error | undefined;
  let pauseWanted = false;
  let safetyTimer: NodeJS.Timeout | undefined;
  let resolveEnded!: (end: CaptureEnd) => void;
  const ended = new Promise<CaptureEnd>((resolve) => {
    resolveEnded = resolve;
  });

  // The raw socket, tapped for every byte after the HTTP upgrade: the tail recovers a rejected
  // 1006 Close frame, 'end' tells a server that hung up from a connection that broke. The tap is
  // put on at 'open', which ws emits right after attaching its own reader and before any byte
  // flows (bytes that came with the 101 response are re-read then too); tapping earlier, at
  // 'upgrade', would switch the socket to flowing mode and steal those bytes from ws. It is
  // prepended so that it has seen a frame before ws's parser reacts to it. Tapping the socket ws
  // was given (rather than creating the TCP socket ourselves) keeps agents, proxies and TLS working.
  const tail = new ReceivedTail();
  let serverHungUp = false;
  let socketError: Error | undefined;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const heartbeat = new Heartbeat(heartbeatMs, {
    ping: () => websocket.ping(),
    silent: () => {
      fail(
        new CaptureConnectionLostError(
          context,
          `the service stopped answering: no pong and no data within ${heartbeatMs} ms of a ping (Packetflix frozen or overloaded, or the network path stalled); check the service and try again`,
        ),
      );
      websocket.terminate();
    },
  });
  const tap = (socket: Duplex | undefined): void => {
    if (!socket) return;
    socket.prependListener('data', (chunk: Buffer) => {
      heartbeat.heard();
      tail.push(chunk);
    });
    socket.once('end', () => {
      serverHungUp = true;
    });
    socket.on('error', (err: Error) => {
      socketError ??= err;
    });
  };
  // Packetflix reads nothing from the socket, pongs included, until its dumpcap runs, and it may
  // first spend seconds looking the target up in Gostwire: silence before the first message is the
  // server at work, not a dead server. The heartbeat starts with the first message (the SHB, which
  // dumpcap writes at once), and runs only while reading is not paused.
  let messageSeen = false;
  const startHeartbeat = (): void => {
    if (messageSeen && !pauseWanted) heartbeat.start();
  };
  if (phase === 'open') tap(rawSocketOf(websocket));

  const fail = (err: Error): void => {
    failure ??= err;
  };

  const finish = (end: CaptureEnd): void => {
    if (phase === 'ended') return;
    phase = 'ended';
    heartbeat.stop();
    clearTimeout(safetyTimer);
    if (websocket.readyState !== WebSocket.CLOSED) websocket.terminate();
    try {
      handlers.onEnd(end);
    } catch {
      // The handler's own failure has nowhere left to go; the end is still reported below.
    }
    resolveEnded(end);
  };

  /** Starts (or joins) a bounded closing handshake; `finish` runs on ws's 'close'. */
  const beginClose = (code: number, reason: string): void => {
    if (phase === 'ended') return;
    if (websocket.readyState === WebSocket.CONNECTING) {
      websocket.terminate();
      return;
    }
    phase = 'closing';
    // The stop timeout bounds the closing handshake; the heartbeat is not needed for it.
    heartbeat.stop();
    // Reading must go on, or the echo (and the data in flight before it) is never seen.
    websocket.resume();
    if (websocket.readyState === WebSocket.OPEN) websocket.close(code, reason);
    safetyTimer ??= setTimeout(() => {
      websocket.terminate();
      // ws reports 'close' once the socket is gone; this guards against it never coming.
      setTimeout(() => finish(endFromClose(1006)), 1_000).unref();
    }, stopTimeoutMs + 100);
  };

  const endFromClose = (code: number, reasonText = ''): CaptureEnd => {
    if (failure) return { kind: 'error', error: failure };
    if (stopRequested) return { kind: 'stopped' };
    if (code === 1000) return { kind: 'completed' };
    if (code === 1006) {
      if (socketError || !serverHungUp) {
        const detail = socketError ? socketError.message : 'the connection closed without a Close frame';
        return { kind: 'error', error: new CaptureConnectionLostError(context, `${detail}; check the network path to the service and try again`, { cause: socketError }) };
      }
      // A hang-up without a Close frame once the capture ran is the server going away (Packetflix
      // killed or crashed), not a refused request: its over-long reasons come before any data.
      if (messageSeen) {
        return {
          kind: 'error',
          error: new CaptureConnectionLostError(context, 'the server closed the connection in the middle of the capture without a Close frame (Packetflix stopped or crashed; check the service and try again)'),
        };
      }
      return {
        kind: 'error',
        error: new CaptureFailedError(
          context,
          undefined,
          undefined,
          'the server closed the connection without a reason: Packetflix sends none when its reason is longer than 123 bytes or when the capture request crashed it (check the target, interfaces and filter, or the Packetflix log)',
        ),
      };
    }
    const reason = reasonText || undefined;
    return {
      kind: 'error',
      error: new CaptureFailedError(context, reason, code, `the server closed the capture with code ${code}${reason ? `: ${reason}` : ' and no reason'}`),
    };
  };

  websocket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
    readBoundedBody(response, (body) => {
      const status = response.statusCode ?? 0;
      const bodyStart = bodyStartText(body);
      fail(
        new CaptureHandshakeError(
          context,
          status,
          bodyStart,
          `the server answered HTTP ${status} ${response.statusMessage ?? ''} instead of switching to WebSocket${bodyStart ? `: ${bodyStart}` : ''} (${handshakeHint(status)})`,
        ),
      );
      request.destroy();
      websocket.terminate();
    });
  });

  websocket.on('open', () => {
    if (phase !== 'connecting') return;
    phase = 'open';
    tap(rawSocketOf(websocket));
    if (pauseWanted) websocket.pause();
  });

  websocket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
    if (phase === 'ended') return;
    if (!isBinary) {
      fail(new CaptureProtocolError(context, 'the server sent a text message; Packetflix sends binary pcapng only (is this URL really a Packetflix capture service?)'));
      beginClose(1002, 'text message not expected');
      return;
    }
    if (!messageSeen) {
      messageSeen = true;
      startHeartbeat();
    }
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    try {
      handlers.onChunk(chunk);
    } catch (err) {
      fail(asError(err));
      beginClose(1000, CLIENT_CLOSE_REASON);
    }
  });

  websocket.on('error', (err: Error & { code?: string }) => {
    if (phase === 'ended') return;
    if (phase === 'connecting') {
      if (!stopRequested && !failure) {
        const detail = err.message.includes('handshake has timed out')
          ? `no WebSocket handshake within ${handshakeTimeoutMs} ms (is the service reachable? raise the timeout?)`
          : err instanceof ProxyConnectError
            ? `cannot open the capture WebSocket: ${err.message}`
            : `cannot open the capture WebSocket: ${oneLine(err.message)} (${certificateHint(err) ?? 'is the service running at this URL?'})`;
        fail(new CaptureHandshakeError(context, undefined, '', detail, { cause: err }));
      }
      return;
    }
    if (err.code === 'WS_ERR_INVALID_CLOSE_CODE') {
      const close = closeFrameAtEnd(tail.bytes());
      fail(
        close
          ? new CaptureFailedError(context, close.reason, close.code, close.reason || 'the server reported a failure without a reason')
          : new CaptureFailedError(context, undefined, undefined, `the server sent a failure Close (${err.message}) whose reason could not be recovered`),
      );
      // A server-reported failure needs no closing handshake: the capture is already gone.
      websocket.terminate();
      return;
    }
    if (err.code?.startsWith('WS_ERR_')) {
      fail(new CaptureProtocolError(context, `${err.message} (${err.code})`, { cause: err }));
      beginClose(1002, 'protocol error');
      return;
    }
    fail(new CaptureConnectionLostError(context, err.message, { cause: err }));
  });

  websocket.on('close', (code: number, reason: Buffer) => {
    finish(endFromClose(code, reason.toString('utf8')));
  });

  if (websocket.readyState === WebSocket.CLOSING || websocket.readyState === WebSocket.CLOSED) {
    // Nothing will ever arrive on a socket that is already going away.
    setImmediate(() => finish({ kind: 'error', error: new CaptureConnectionLostError(context, 'the WebSocket was already closed when the capture started') }));
  }

  const stop = (): Promise<CaptureEnd> => {
    if (phase !== 'ended' && !stopRequested) {
      stopRequested = true;
      beginClose(1000, CLIENT_CLOSE_REASON);
    }
    return ended;
  };

  return {
    ended,
    stop,
    pause() {
      pauseWanted = true;
      // Nothing is read while paused, pongs included: the heartbeat would misread that as silence.
      heartbeat.suspend();
      if (phase === 'open') websocket.pause();
    },
    resume() {
      pauseWanted = false;
      if (phase === 'open') {
        websocket.resume();
        startHeartbeat();
      }
    },
  };
}

/** ws keeps the raw socket private; a session attached to an open WebSocket needs it for the tap. */
function rawSocketOf(websocket: WebSocket): Duplex | undefined {
  return (websocket as unknown as { _socket?: Duplex | null })._socket ?? undefined;
}

/** Reads at most HANDSHAKE_BODY_LIMIT bytes of a response, for at most a short while. */
function readBoundedBody(response: IncomingMessage, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  let size = 0;
  let called = false;
  const complete = (): void => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    response.removeAllListeners('data');
    done(Buffer.concat(parts).subarray(0, HANDSHAKE_BODY_LIMIT));
  };
  const timer = setTimeout(complete, HANDSHAKE_BODY_WAIT_MS);
  response.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
    if (size >= HANDSHAKE_BODY_LIMIT) complete();
  });
  response.once('end', complete);
  response.once('error', complete);
  response.once('close', complete);
}

/** What to do about a TLS certificate failure; undefined for other errors. */
export function certificateHint(err: Error & { code?: string }): string | undefined {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the certificate is not for this host name; use the name it was issued for';
  // A TLS alert is the server's word about *our* side (OpenSSL names them ERR_SSL_…_ALERT_…):
  // certificate required, bad or unknown certificate, unknown CA all mean it refused the client
  // certificate, which neither tls.ca nor insecureSkipVerify can mend.
  if (/_ALERT_/.test(code) && /CERTIFICATE|UNKNOWN_CA/.test(code)) {
    return 'the server refused the client certificate: give one it accepts (the tls.cert and tls.key options)';
  }
  // One text for every face: the library's option names, and how the csharg command gives the same.
  if (/CERT|SIGNATURE|ISSUER/.test(code)) {
    return "the server's certificate is not trusted: give its CA (the tls.ca option), or turn on insecureSkipVerify (csharg command: NODE_EXTRA_CA_CERTS=CA-FILE, or -k)";
  }
  return undefined;
}

/** An error's message on one line (OpenSSL's texts end in a newline and carry its details after it). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function handshakeHint(status: number): string {
  if (status === 401 || status === 403) return 'check the bearer token and the proxy in front of Packetflix';
  if (status === 404) return 'check the service URL and its base path';
  if (status === 400) return 'is this a Packetflix capture service?';
  if (status === 431 || status === 414) return 'the request is too large for the server or a proxy in front: a very long target name, interface list or filter';
  if (status === 502 || status === 503 || status === 504) return 'the proxy cannot reach Packetflix';
  return 'check the service URL';
}
