// A tiny real HTTP CONNECT proxy on 127.0.0.1 for tests of the client's proxy support: it logs
// every CONNECT (destination and Proxy-Authorization), tunnels bytes both ways, and can refuse
// tunnels or require credentials. It is a test fixture that imitates no Edgeshark service:
// the integration tests put it in front of the real Packetflix of the test bed.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface ConnectLogEntry {
  /** `host:port` of the CONNECT request line */
  destination: string;
  proxyAuthorization?: string;
  /** the status the proxy answered */
  status: number;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  log: ConnectLogEntry[];
  /** answer every CONNECT with this status and body instead of tunnelling */
  refuse?: { status: number; body: string };
  /** when set, CONNECT without exactly this Proxy-Authorization is answered 407 */
  requireAuthorization?: string;
  /** TCP connections the proxy opened to tunnel destinations (a refused CONNECT opens none) */
  upstreamConnections: number;
  /** closes the listener and every tunnel */
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    // Only CONNECT is served; the client under test never sends absolute-form requests.
    res.writeHead(405, { 'content-type': 'text/plain' }).end('only CONNECT\n');
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
    const entry: ConnectLogEntry = { destination, status: 0 };
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
