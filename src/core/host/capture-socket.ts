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
import { kubeStatusDetail, parseKubeStatus } from './kube-status';
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
  /**
   * only for a WebSocket attached after it opened (`attachCaptureSocket`): the socket under it,
   * e.g. `response.socket` from its 'upgrade' event; without it that session cannot recover the
   * reason of Packetflix's failure close nor tell a server that hung up from a broken connection
   */
  rawSocket?: Duplex;
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
 * the socket themselves, e.g. through their own agent or proxy). Attach it while the socket is
 * still connecting: only then does the session see the raw socket (see `CaptureSocket`), which it
 * needs to recover the reason of Packetflix's failure close and to tell a server that hung up from
 * a broken connection. For a socket that is already open, give that raw socket as `options.rawSocket`.
 */
export function attachCaptureSocket(websocket: WebSocket, options: CaptureSocketOptions, handlers: CaptureHandlers): CaptureSocketSession {
  return new CaptureSocket(websocket, options, handlers);
}

/**
 * One capture session on one `ws` WebSocket. Its life is the `phase` field:
 * connecting → open → closing → ended (a session may skip steps, never go back); every event
 * handler first asks the phase. The first failure seen is kept in `failure` and decides the end
 * reported when ws finally says 'close'; `finish` reports it exactly once.
 */
class CaptureSocket implements CaptureSocketSession {
  readonly ended: Promise<CaptureEnd>;
  private phase: Phase;
  private resolveEnded!: (end: CaptureEnd) => void;
  private readonly context: CaptureContext;
  private readonly stopTimeoutMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly heartbeat: Heartbeat;
  /** the last bytes received after the upgrade: a rejected 1006 Close frame ends there */
  private readonly tail = new ReceivedTail();
  /** the socket under the WebSocket, from ws's documented 'upgrade' event (or options.rawSocket) */
  private rawSocket: Duplex | undefined;
  private stopRequested = false;
  private failure: Error | undefined;
  private pauseWanted = false;
  /** the first message arrived: the capture runs (the heartbeat starts, a hang-up is no refusal) */
  private messageSeen = false;
  /** the raw socket ended (the server hung up) rather than broke */
  private serverHungUp = false;
  private socketError: Error | undefined;
  private safetyTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly websocket: WebSocket,
    options: CaptureSocketOptions,
    private readonly handlers: CaptureHandlers,
  ) {
    this.context = { target: options.targetDescription ?? '', url: websocket.url };
    this.stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.heartbeat = new Heartbeat(this.heartbeatMs, { ping: () => websocket.ping(), silent: () => this.onSilence() });
    this.ended = new Promise<CaptureEnd>((resolve) => {
      this.resolveEnded = resolve;
    });
    this.rawSocket = options.rawSocket;
    this.phase = websocket.readyState === WebSocket.CONNECTING ? 'connecting' : 'open';
    if (this.phase === 'open') this.tapRawSocket();

    websocket.on('upgrade', (response: IncomingMessage) => this.onUpgrade(response));
    websocket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => this.onUnexpectedResponse(request, response));
    websocket.on('open', () => this.onOpen());
    websocket.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    // Pongs (and messages, above) count as heard too, for a session without a raw socket to tap.
    websocket.on('pong', () => this.heartbeat.heard());
    websocket.on('error', (err: Error & { code?: string }) => this.onError(err));
    websocket.on('close', (code: number, reason: Buffer) => this.finish(this.endFromClose(code, reason.toString('utf8'))));

    if (websocket.readyState === WebSocket.CLOSING || websocket.readyState === WebSocket.CLOSED) {
      // Nothing will ever arrive on a socket that is already going away.
      setImmediate(() => this.finish({ kind: 'error', error: new CaptureConnectionLostError(this.context, 'the WebSocket was already closed when the capture started') }));
    }
  }

  stop(): Promise<CaptureEnd> {
    if (this.phase !== 'ended' && !this.stopRequested) {
      this.stopRequested = true;
      this.beginClose(1000, CLIENT_CLOSE_REASON);
    }
    return this.ended;
  }

  pause(): void {
    this.pauseWanted = true;
    // Nothing is read while paused, pongs included: the heartbeat would misread that as silence.
    this.heartbeat.suspend();
    if (this.phase === 'open') this.websocket.pause();
  }

  resume(): void {
    this.pauseWanted = false;
    if (this.phase === 'open') {
      this.websocket.resume();
      this.startHeartbeat();
    }
  }

  /**
   * ws's 'upgrade' event (documented: it passes the 101 response, an `http.IncomingMessage`) is
   * where the raw socket can be had without reaching into ws's privates: `response.socket` (also
   * documented, Node's http) is the very socket ws goes on to read the WebSocket from, whether
   * plain TCP, TLS or an agent's proxy tunnel. Only the reference is kept here; the tap goes on
   * at 'open' (see `tapRawSocket`).
   */
  private onUpgrade(response: IncomingMessage): void {
    this.rawSocket ??= response.socket ?? undefined;
  }

  private onOpen(): void {
    if (this.phase !== 'connecting') return;
    this.phase = 'open';
    this.tapRawSocket();
    if (this.pauseWanted) this.websocket.pause();
  }

  /**
   * Taps the raw socket for every byte after the HTTP upgrade: the tail recovers a rejected 1006
   * Close frame, 'end' tells a server that hung up from a connection that broke. The tap is put
   * on at 'open', which ws emits right after attaching its own reader and before any byte flows
   * (bytes that came with the 101 response are re-read then too); tapping earlier, at 'upgrade',
   * would switch the socket to flowing mode and steal those bytes from ws. It is prepended so
   * that it has seen a frame before ws's parser reacts to it. Tapping the socket ws was given
   * (rather than creating the TCP socket ourselves) keeps agents, proxies and TLS working.
   */
  private tapRawSocket(): void {
    const socket = this.rawSocket;
    if (!socket) return;
    socket.prependListener('data', (chunk: Buffer) => {
      this.heartbeat.heard();
      this.tail.push(chunk);
    });
    socket.once('end', () => {
      this.serverHungUp = true;
    });
    socket.on('error', (err: Error) => {
      this.socketError ??= err;
    });
  }

  private onUnexpectedResponse(request: ClientRequest, response: IncomingMessage): void {
    readBoundedBody(response, (body) => {
      const status = response.statusCode ?? 0;
      const bodyStart = bodyStartText(body);
      // A Kubernetes API server's service proxy refused: its Status says why, whole.
      const kube = parseKubeStatus(body);
      if (kube) {
        this.fail(
          new CaptureHandshakeError(
            this.context,
            status,
            bodyStart,
            `the Kubernetes API server answered HTTP ${status} ${response.statusMessage ?? ''} instead of switching to WebSocket: ${kubeStatusDetail(status, kube, this.context.url)}`,
            { kubeStatus: kube },
          ),
        );
        request.destroy();
        this.websocket.terminate();
        return;
      }
      this.fail(
        new CaptureHandshakeError(
          this.context,
          status,
          bodyStart,
          `the server answered HTTP ${status} ${response.statusMessage ?? ''} instead of switching to WebSocket${bodyStart ? `: ${bodyStart}` : ''} (${handshakeHint(status)})`,
        ),
      );
      request.destroy();
      this.websocket.terminate();
    });
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.phase === 'ended') return;
    this.heartbeat.heard();
    if (!isBinary) {
      this.fail(new CaptureProtocolError(this.context, 'the server sent a text message; Packetflix sends binary pcapng only (is this URL really a Packetflix capture service?)'));
      this.beginClose(1002, 'text message not expected');
      return;
    }
    if (!this.messageSeen) {
      this.messageSeen = true;
      this.startHeartbeat();
    }
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    try {
      this.handlers.onChunk(chunk);
    } catch (err) {
      this.fail(asError(err));
      this.beginClose(1000, CLIENT_CLOSE_REASON);
    }
  }

  private onError(err: Error & { code?: string }): void {
    if (this.phase === 'ended') return;
    if (this.phase === 'connecting') {
      if (!this.stopRequested && !this.failure) this.fail(new CaptureHandshakeError(this.context, undefined, '', this.handshakeFailure(err), { cause: err }));
      return;
    }
    if (err.code === 'WS_ERR_INVALID_CLOSE_CODE') {
      const close = closeFrameAtEnd(this.tail.bytes());
      this.fail(
        close
          ? new CaptureFailedError(this.context, close.reason, close.code, close.reason || 'the server reported a failure without a reason')
          : new CaptureFailedError(this.context, undefined, undefined, `the server sent a failure Close (${err.message}) whose reason could not be recovered`),
      );
      // A server-reported failure needs no closing handshake: the capture is already gone.
      this.websocket.terminate();
      return;
    }
    if (err.code?.startsWith('WS_ERR_')) {
      this.fail(new CaptureProtocolError(this.context, `${err.message} (${err.code})`, { cause: err }));
      this.beginClose(1002, 'protocol error');
      return;
    }
    this.fail(new CaptureConnectionLostError(this.context, err.message, { cause: err }));
  }

  private handshakeFailure(err: Error & { code?: string }): string {
    if (err.message.includes('handshake has timed out')) {
      return `no WebSocket handshake within ${this.handshakeTimeoutMs} ms (is the service reachable? raise the timeout?)`;
    }
    if (err instanceof ProxyConnectError) return `cannot open the capture WebSocket: ${err.message}`;
    return `cannot open the capture WebSocket: ${oneLine(err.message)} (${certificateHint(err) ?? 'is the service running at this URL?'})`;
  }

  private onSilence(): void {
    this.fail(
      new CaptureConnectionLostError(
        this.context,
        `the service stopped answering: no pong and no data within ${this.heartbeatMs} ms of a ping (Packetflix frozen or overloaded, or the network path stalled); check the service and try again`,
      ),
    );
    this.websocket.terminate();
  }

  /**
   * Packetflix reads nothing from the socket, pongs included, until its dumpcap runs, and it may
   * first spend seconds looking the target up in Gostwire: silence before the first message is the
   * server at work, not a dead server. The heartbeat starts with the first message (the SHB, which
   * dumpcap writes at once), and runs only while reading is not paused.
   */
  private startHeartbeat(): void {
    if (this.messageSeen && !this.pauseWanted) this.heartbeat.start();
  }

  /** Keeps the first failure: it decides the end. */
  private fail(err: Error): void {
    this.failure ??= err;
  }

  /** Starts (or joins) a bounded closing handshake; `finish` runs on ws's 'close'. */
  private beginClose(code: number, reason: string): void {
    if (this.phase === 'ended') return;
    const websocket = this.websocket;
    if (websocket.readyState === WebSocket.CONNECTING) {
      websocket.terminate();
      return;
    }
    this.phase = 'closing';
    // The stop timeout bounds the closing handshake; the heartbeat is not needed for it.
    this.heartbeat.stop();
    // Reading must go on, or the echo (and the data in flight before it) is never seen.
    websocket.resume();
    if (websocket.readyState === WebSocket.OPEN) websocket.close(code, reason);
    this.safetyTimer ??= setTimeout(() => {
      websocket.terminate();
      // ws reports 'close' once the socket is gone; this guards against it never coming.
      setTimeout(() => this.finish(this.endFromClose(1006)), 1_000).unref();
    }, this.stopTimeoutMs + 100);
  }

  /** Reports `end` exactly once and leaves nothing open or running. */
  private finish(end: CaptureEnd): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.heartbeat.stop();
    clearTimeout(this.safetyTimer);
    if (this.websocket.readyState !== WebSocket.CLOSED) this.websocket.terminate();
    try {
      this.handlers.onEnd(end);
    } catch {
      // The handler's own failure has nowhere left to go; the end is still reported below.
    }
    this.resolveEnded(end);
  }

  /** The end that ws's 'close' (code, reason) means, given what the session saw before it. */
  private endFromClose(code: number, reasonText = ''): CaptureEnd {
    const context = this.context;
    if (this.failure) return { kind: 'error', error: this.failure };
    if (this.stopRequested) return { kind: 'stopped' };
    if (code === 1000) return { kind: 'completed' };
    if (code === 1006) {
      if (this.socketError || !this.serverHungUp) {
        const detail = this.socketError ? this.socketError.message : 'the connection closed without a Close frame';
        return { kind: 'error', error: new CaptureConnectionLostError(context, `${detail}; check the network path to the service and try again`, { cause: this.socketError }) };
      }
      // A hang-up without a Close frame once the capture ran is the server going away (Packetflix
      // killed or crashed), not a refused request: its over-long reasons come before any data.
      if (this.messageSeen) {
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
  }
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
