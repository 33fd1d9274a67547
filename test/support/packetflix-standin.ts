// A wire-spec stand-in for Packetflix, which cannot be built here (the Go module proxy refuses
// github.com/siemens/*). It implements ../shared/spec/edgeshark-wire.md as faithfully as a test
// server can: the routes and their status codes, the query plus Clustershark-* headers (headers
// win), discovery JSON for the bed's namespaces, binary-only messages exactly as dumpcap's reads
// return them (not aligned to pcapng blocks), and the ending rules (echo of the client's Close
// with `ciao` then SIGTERM to dumpcap; Close 1000 `capture process terminated` then waiting for
// the client; Close 1006 with a reason written as raw bytes, since ws refuses to send 1006; no
// Close frame at all for reasons over 123 bytes). Captures run REAL dumpcap inside the bed's
// namespaces via nsenter.
//
// Test knobs (`behaviour`) provoke what the real server does rarely: handshake refusals, a text
// message, a reset connection, a server that never echoes a Close, a dead Gostwire, a server that
// stalls (stops sending and stops reading, so pings go unanswered, as when frozen with SIGSTOP).
// With `tls` it serves https/wss.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable, Transform } from 'node:stream';
import { WebSocketServer } from 'ws';
import { shbEditStream } from '../../src/core/shb/shb-editor';
import type { CaptureTargetMetadata } from '../../src/core/shb/shb-editor';
import type WebSocket from 'ws';
import type { BedEnv } from './testbed';

/** A target as the stand-in's discovery lists it (Gostwire's JSON keys). */
export interface StandinTarget {
  name: string;
  type: string;
  netns: number;
  'network-interfaces': string[];
  prefix: string;
  pid: number;
  starttime: number;
}

export interface StandinBehaviour {
  /** answer every capture upgrade with this status and body instead of switching protocols */
  handshakeReply?: { status: number; body: string };
  /**
   * after the first binary message: send a text message, reset the TCP connection, or stall
   * (send nothing more and read nothing more, so pings are never answered; dumpcap keeps running)
   */
  afterFirstMessage?: 'text' | 'reset' | 'stall';
  /** ignore the client's bytes after the first message, so a client Close is never echoed */
  neverEchoClose?: boolean;
  /** replace every capture's failure reason (to provoke the >123-byte case) */
  failureReason?: string;
  /** discovery: answer with this status and body, or never answer */
  discovery?: { status: number; body: string } | 'hang';
}

export interface StandinCapture {
  /** dumpcap's PID (nsenter execs it) */
  pid: number;
  args: string[];
  /** resolves with dumpcap's exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** the Close the client sent, if any (set when the connection has closed) */
  clientClose?: { code: number; reason: string };
  /** resolves when the client's connection has closed */
  connectionClosed: Promise<void>;
  /** the capture parameters as the stand-in understood them (headers override the query) */
  params: { container?: string; netns?: string; nif?: string; filter?: string; chaste: boolean };
  /** the Authorization header of the upgrade request */
  authorization?: string;
  /** the upgrade request as the server's HTTP parser saw it: target (path and query) and raw headers */
  request: { url: string; rawHeaders: string[] };
}

export interface PacketflixStandin {
  /** http://127.0.0.1:PORT */
  url: string;
  targets: StandinTarget[];
  behaviour: StandinBehaviour;
  captures: StandinCapture[];
  /** how many discovery requests were answered (or left hanging) */
  discoveryRequests: number;
  /** stops the server, SIGTERMs every dumpcap still running (by PID) and waits for them */
  close(): Promise<void>;
}

export interface StandinOptions {
  /**
   * Edits the first SHB of each stream as the server does (default: this project's editor with
   * node-name `packetflix-standin`, so tests can tell the client's block from the server's);
   * null sends dumpcap's stream unedited.
   */
  serverShbEdit?: ((metadata: CaptureTargetMetadata) => Transform) | null;
  /** serve https/wss with this certificate (url then starts with https://) */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** Reads `/proc/PID/stat` field 22 (start time in clock ticks). */
export function processStartTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[19]);
}

/** The bed's namespaces as Gostwire would list them, plus one docker container and one pod alias. */
export function bedTargets(bed: BedEnv): StandinTarget[] {
  const targets: StandinTarget[] = [];
  for (const ns of bed.namespaces) {
    const nifs = ns.interfaces.filter((i) => i.up).map((i) => i.name);
    if (ns.keeperPid !== null) {
      const comm = readFileSync(`/proc/${ns.keeperPid}/comm`, 'utf8').trim();
      const starttime = processStartTime(ns.keeperPid);
      targets.push({ name: `${comm}(${ns.keeperPid})`, type: 'proc', netns: ns.netns, 'network-interfaces': nifs, prefix: '', pid: ns.keeperPid, starttime });
      if (ns.host === 't2') targets.push({ name: 't2-web', type: 'docker', netns: ns.netns, 'network-interfaces': nifs, prefix: '', pid: ns.keeperPid, starttime });
      if (ns.host === 't1') targets.push({ name: 'default/t1-pod', type: 'pod', netns: ns.netns, 'network-interfaces': nifs, prefix: '', pid: ns.keeperPid, starttime });
    } else {
      targets.push({ name: `/run/netns/${ns.name}`, type: 'bindmount', netns: ns.netns, 'network-interfaces': nifs, prefix: '', pid: 0, starttime: 0 });
    }
  }
  return targets;
}

class CaptureFailure extends Error {}

/** Starts the stand-in on 127.0.0.1 with a free port. */
export async function startPacketflixStandin(bed: BedEnv, options: StandinOptions = {}): Promise<PacketflixStandin> {
  const targets = bedTargets(bed);
  const nsByInode = new Map(bed.namespaces.map((n) => [n.netns, n]));
  const behaviour: StandinBehaviour = {};
  const captures: StandinCapture[] = [];
  const running = new Set<ChildProcessByStdio<null, Readable, Readable>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const openSockets = new Set<Socket>();
  const state = { discoveryRequests: 0 };

  // Go's http.Server reads up to 1 MiB of request line and headers (Node: 16 KiB by default).
  const maxHeaderSize = 1024 * 1024;
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, maxHeaderSize }, (req, res) => handleHttp(req, res))
    : http.createServer({ maxHeaderSize }, (req, res) => handleHttp(req, res));
  server.on('connection', (socket: Socket) => {
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  });

  function handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    if (path === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'packetflix', version: 'standin' }));
    } else if (path === '/discover/mobyshark' || path === '/mobyshark') {
      state.discoveryRequests++;
      const d = behaviour.discovery;
      if (d === 'hang') return; // never answers; the client's timeout must end it
      if (d) {
        res.writeHead(d.status, { 'content-type': 'text/plain' }).end(d.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { standin: true }, containers: targets }));
    } else if (path === '/capture') {
      if (req.method !== 'GET') res.writeHead(405).end('method not allowed\n');
      else res.writeHead(400).end('Bad Request: WebSocket upgrade required\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const refuse = (status: number, body: string): void => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/capture') return refuse(404, '404 page not found\n');
    if (req.method !== 'GET') return refuse(405, 'method not allowed\n');
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        // an unparsable Origin differs from Host
      }
      if (originHost !== req.headers.host) return refuse(403, 'Forbidden: cross-origin capture request\n');
    }
    if (behaviour.handshakeReply) return refuse(behaviour.handshakeReply.status, behaviour.handshakeReply.body);
    wss.handleUpgrade(req, socket, head, (ws) => runCapture(ws, socket, req, url));
  });

  /** The four capture parameters: the query, overridden by Clustershark-* headers. */
  function captureParams(req: IncomingMessage, url: URL): StandinCapture['params'] {
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const pick = (key: string): string | undefined => header(`clustershark-${key}`) ?? url.searchParams.get(key) ?? undefined;
    return {
      container: pick('container'),
      netns: url.searchParams.get('netns') ?? undefined,
      nif: pick('nif'),
      filter: pick('filter'),
      chaste: header('clustershark-chaste') !== undefined || url.searchParams.has('chaste'),
    };
  }

  function resolveTarget(params: StandinCapture['params']): { nsPath: string; nifs: string[]; target: StandinTarget | undefined } {
    if (params.container !== undefined && params.netns !== undefined) throw new CaptureFailure('container and netns query parameters are mutually exclusive');
    if (params.container === undefined && params.netns === undefined) throw new CaptureFailure('either container or netns query parameter required');
    let netns: number;
    let target: StandinTarget | undefined;
    let listed: string[] = [];
    if (params.netns !== undefined) {
      if (!/^\d+$/.test(params.netns)) throw new CaptureFailure(`invalid netns "${params.netns}"`);
      netns = Number(params.netns);
    } else {
      let described: Partial<StandinTarget>;
      try {
        described = JSON.parse(params.container ?? '') as Partial<StandinTarget>;
        if (typeof described !== 'object' || described === null || typeof described.name !== 'string') throw new Error('name missing');
      } catch (err) {
        throw new CaptureFailure(`invalid container/target description: ${(err as Error).message}`);
      }
      if (described.pid && !described.starttime) throw new CaptureFailure('cannot update container meta data: pid without starttime');
      let stale = false;
      if (described.pid && described.starttime) {
        try {
          stale = processStartTime(described.pid) !== described.starttime;
        } catch {
          stale = true;
        }
      }
      if (stale || typeof described.netns !== 'number') {
        // capture by name: look the target up again by name and prefix
        target = targets.find((t) => t.name === described.name && t.prefix === (described.prefix ?? ''));
        if (!target) throw new CaptureFailure('could not locate network namespace for container');
        netns = target.netns;
      } else {
        netns = described.netns;
        target = { ...(described as StandinTarget) };
      }
      listed = described['network-interfaces'] ?? target['network-interfaces'];
    }
    const ns = nsByInode.get(netns);
    if (!ns) throw new CaptureFailure('could not locate network namespace for container');
    if (ns.keeperPid === null) throw new CaptureFailure('cannot lock target network stack');
    const requested = params.nif === undefined || params.nif === 'any' ? listed : params.nif.split('/').filter((n) => n !== '');
    return { nsPath: `/run/netns/${ns.name}`, nifs: requested.length > 0 ? requested : ['any'], target };
  }

  /** Packetflix's failure close: code 1006 with a reason, as raw bytes; none at all past 123 bytes. */
  function failureClose(socket: Socket, reasonText: string): void {
    const reason = Buffer.from(behaviour.failureReason ?? reasonText, 'utf8');
    if (reason.length > 123) {
      socket.end();
      return;
    }
    const frame = Buffer.concat([Buffer.from([0x88, reason.length + 2, 0x03, 0xee]), reason]);
    socket.end(frame);
  }

  function runCapture(ws: WebSocket, socket: Socket, req: IncomingMessage, url: URL): void {
    const params = captureParams(req, url);
    let resolved: ReturnType<typeof resolveTarget>;
    try {
      resolved = resolveTarget(params);
    } catch (err) {
      failureClose(socket, err instanceof CaptureFailure ? err.message : 'cannot start capture process');
      return;
    }
    const args = [`--net=${resolved.nsPath}`, '/usr/bin/dumpcap', '-w', '-', '-n', '-q'];
    if (params.chaste) args.push('-p');
    for (const nif of resolved.nifs) args.push('-i', nif);
    if (params.filter) args.push('-f', params.filter);
    const child = spawn('nsenter', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) {
      failureClose(socket, 'cannot start capture process');
      return;
    }
    running.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const connectionClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const record: StandinCapture = { pid: child.pid, args, exited, params, connectionClosed, request: { url: req.url ?? '', rawHeaders: [...req.rawHeaders] } };
    if (req.headers.authorization !== undefined) record.authorization = req.headers.authorization;
    captures.push(record);

    let clientGone = false;
    const killDumpcap = (): void => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    };
    ws.on('close', (code: number, reason: Buffer) => {
      clientGone = true;
      record.clientClose ??= { code, reason: reason.toString() };
      killDumpcap();
    });
    ws.on('error', () => {
      clientGone = true;
      killDumpcap();
    });

    let source: Readable = child.stdout;
    const serverShbEdit = options.serverShbEdit === undefined ? shbEditStream : options.serverShbEdit;
    if (serverShbEdit) {
      const edit = serverShbEdit({
        'container-name': resolved.target?.name ?? '',
        'container-type': resolved.target?.type ?? '',
        'node-name': 'packetflix-standin',
        'capture-filter': params.filter ?? '',
        'no-promiscuous-mode': params.chaste,
      });
      edit.on('error', () => killDumpcap());
      source = child.stdout.pipe(edit);
    }
    let first = true;
    let stalled = false;
    source.on('data', (chunk: Buffer) => {
      if (stalled || clientGone || ws.readyState !== ws.OPEN) return;
      ws.send(chunk, { binary: true });
      if (first) {
        first = false;
        if (behaviour.afterFirstMessage === 'text') ws.send('hello from the stand-in', { binary: false });
        if (behaviour.afterFirstMessage === 'reset') setTimeout(() => socket.resetAndDestroy(), 50);
        if (behaviour.afterFirstMessage === 'stall') stalled = true;
        if (behaviour.neverEchoClose || stalled) {
          // ws never sees the client's bytes (so never echoes), but still sees the hang-up.
          socket.removeAllListeners('data');
          socket.on('data', () => undefined);
        }
      }
    });
    source.once('end', () => {
      void exited.then((code) => {
        running.delete(child);
        if (clientGone || ws.readyState !== ws.OPEN) return;
        if (code === 0) {
          // then wait, without a timeout, for the client's Close
          ws.close(1000, 'capture process terminated');
          return;
        }
        const line = stderr.split('\n').find((l) => l.startsWith('dumpcap: '));
        failureClose(socket, line ? line.slice('dumpcap: '.length) : 'capture process failed');
      });
    });
  }

  // The client's Close is echoed by ws with the client's code; Packetflix's reason is `ciao`,
  // which is what csharg clients send, so ws's echo matches the real server.

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    targets,
    behaviour,
    captures,
    get discoveryRequests() {
      return state.discoveryRequests;
    },
    async close() {
      for (const child of running) {
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      }
      await Promise.all(captures.map((c) => c.exited));
      for (const s of openSockets) s.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
