// A TCP relay in front of a real service that records the head of every request a client sent: the
// HTTP request line and headers (e.g. `Authorization`, `Clustershark-*`), which the real
// Packetflix accepts but never echoes. Bytes pass through unchanged in both directions; it is a
// window onto the wire in front of the real service, with no server logic of its own. Listens on
// 127.0.0.1 only, unless a caller names another of the bed's own addresses (a Kubernetes API
// server's service proxy refuses loopback endpoints).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RelayedRequest {
  /** e.g. `GET /capture?… HTTP/1.1` */
  requestLine: string;
  /** header names lower-cased; repeated headers joined with `, ` */
  headers: Record<string, string>;
  /** the raw request head as sent, up to the blank line */
  raw: string;
}

export interface RecordingRelay {
  /** http://127.0.0.1:PORT, relaying to the target */
  url: string;
  /** one entry per request head received, keep-alive connections included */
  requests: RelayedRequest[];
  /** TCP connections accepted so far */
  readonly connections: number;
  close(): Promise<void>;
}

const MAX_HEAD = 64 * 1024;

function parseHead(raw: string): RelayedRequest {
  const [requestLine = '', ...lines] = raw.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { requestLine, headers, raw };
}

/** Where a relay listens: 127.0.0.1 and a free port unless given. */
export interface RelayListen {
  host?: string;
  port?: number;
}

/** A plain TCP relay on 127.0.0.1 to `target`; `tap` sees each connection's two sockets. */
export interface TcpRelay {
  /** http://127.0.0.1:PORT (or the host given), relaying to the target */
  url: string;
  /** TCP connections accepted so far */
  readonly connections: number;
  close(): Promise<void>;
}

/** Relays every connection to `target` (`http://HOST:PORT`) unchanged; `tap` may listen to both sockets. */
export async function startTcpRelay(target: string, tap: (client: net.Socket, upstream: net.Socket) => void, listen: RelayListen = {}): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect({ host: hostname, port: Number(port) });
    sockets.add(client).add(upstream);
    tap(client, upstream);
    client.pipe(upstream).pipe(client);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
  });
  const host = listen.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port ?? 0, host, resolve);
  });
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A relay from 127.0.0.1 (or `listen`) to `target` (`http://HOST:PORT`). */
export async function startRecordingRelay(target: string, listen: RelayListen = {}): Promise<RecordingRelay> {
  const requests: RelayedRequest[] = [];
  const relay = await startTcpRelay(target, (client) => {
    // Every request of a keep-alive connection is recorded; after an upgrade the bytes are
    // WebSocket frames, no longer requests. Bodies (Content-Length) are skipped.
    let pending = '';
    let skipBody = 0;
    let upgraded = false;
    client.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      pending += chunk.toString('latin1');
      for (;;) {
        if (skipBody > 0) {
          const skipped = Math.min(skipBody, pending.length);
          pending = pending.slice(skipped);
          skipBody -= skipped;
          if (skipBody > 0) return;
        }
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) {
          if (pending.length > MAX_HEAD) upgraded = true; // not HTTP: stop looking
          return;
        }
        const request = parseHead(pending.slice(0, end));
        requests.push(request);
        pending = pending.slice(end + 4);
        if (request.headers.upgrade !== undefined) {
          upgraded = true;
          return;
        }
        skipBody = Number(request.headers['content-length'] ?? 0) || 0;
      }
    });
  }, listen);
  return {
    url: relay.url,
    requests,
    get connections() {
      return relay.connections;
    },
    close: () => relay.close(),
  };
}
