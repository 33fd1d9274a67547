// A tiny real HTTP proxy on 127.0.0.1 for tests of the client's proxy support: it logs every
// request (CONNECT, or a plain absolute-form request such as Go's http.Client sends for http://
// URLs: destination and Proxy-Authorization), tunnels or forwards it, and can refuse requests or
// require credentials. It is a test fixture that imitates no Edgeshark service: the integration
// tests put it in front of the real Packetflix of the test bed.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface ConnectLogEntry {
  /** `CONNECT`, or the method of a plain (absolute-form) request the proxy forwarded */
  method: string;
  /** `host:port` of the CONNECT request line, or of a plain request's URL */
  destination: string;
  /** a plain request's absolute URL */
  url?: string;
  proxyAuthorization?: string;
  /** the status the proxy answered */
  status: number;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  log: ConnectLogEntry[];
  /** answer every request with this status and body instead of tunnelling or forwarding it */
  refuse?: { status: number; body: string };
  /** when set, a request without exactly this Proxy-Authorization is answered 407 */
  requireAuthorization?: string;
  /** TCP connections the proxy opened to destinations (a refused request opens none) */
  upstreamConnections: number;
  /** closes the listener and every tunnel */
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  // A plain request in absolute form (`GET http://host:port/path`): forwarded as an HTTP proxy does.
  const server = http.createServer((req, res) => {
    let target: URL | undefined;
    try {
      target = new URL(req.url ?? '');
    } catch {
      // origin-form: not a proxy request
    }
    const entry: ConnectLogEntry = { method: req.method ?? '', destination: target?.host ?? '', status: 0 };
    if (target) entry.url = target.href;
    if (req.headers['proxy-authorization'] !== undefined) entry.proxyAuthorization = req.headers['proxy-authorization'];
    proxy.log.push(entry);
    const answer = (status: number, body: string): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(body);
    };
    if (!target || target.protocol !== 'http:') return answer(400, 'absolute http:// URL expected\n');
    if (proxy.refuse) return answer(proxy.refuse.status, proxy.refuse.body);
    if (proxy.requireAuthorization !== undefined && entry.proxyAuthorization !== proxy.requireAuthorization) {
      return answer(407, 'Proxy Authentication Required\n');
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    proxy.upstreamConnections++;
    const upstream = http.request({ host: target.hostname, port: target.port || 80, path: `${target.pathname}${target.search}`, method: req.method, headers, agent: false }, (response) => {
      entry.status = response.statusCode ?? 0;
      res.writeHead(entry.status, response.headers);
      response.pipe(res);
    });
    upstream.on('error', () => {
      if (entry.status === 0) answer(502, 'upstream unreachable\n');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  server.on('connection', track);

  const proxy: ConnectProxy = {
    url: '',
    port: 0,
    log: [],
    upstreamConnections: 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const destination = req.url ?? '';
    const entry: ConnectLogEntry = { method: 'CONNECT', destination, status: 0 };
    if (req.headers['proxy-authorization'] !== undefined) entry.proxyAuthorization = req.headers['proxy-authorization'];
    proxy.log.push(entry);
    client.on('error', () => undefined);
    const answer = (status: number, body: string): void => {
      entry.status = status;
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (proxy.refuse) return answer(proxy.refuse.status, proxy.refuse.body);
    if (proxy.requireAuthorization !== undefined && entry.proxyAuthorization !== proxy.requireAuthorization) {
      return answer(407, 'Proxy Authentication Required\n');
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(destination);
    if (!m) return answer(400, 'bad CONNECT target\n');
    const upstream = net.connect({ host: m[1]!, port: Number(m[2]) });
    proxy.upstreamConnections++;
    track(upstream);
    upstream.on('error', () => {
      if (entry.status === 0) answer(502, 'upstream unreachable\n');
      else client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.once('connect', () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}
