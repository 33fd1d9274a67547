// Test helper (no tests here): a plain HTTP front on 127.0.0.1 for a real Packetflix that hands
// every client the same discovery answer. Gostwire lists targets, and each target's interfaces,
// in a new random order on every request, so two clients asking one after the other never see
// the same bytes; the differential tests of `csharg list` need both clients to format the very
// same answer. The first GET /discover/mobyshark of a round is passed to the real service and
// its status and body are kept; every later one gets them unchanged until next() starts a new
// round. Nothing else is served (404).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscoverySnapshot {
  /** http://127.0.0.1:PORT, to give both clients as --host */
  readonly url: string;
  /** requests that reached the real service (one per round that was asked) */
  readonly upstreamRequests: number;
  /** requests answered, from the real service or the kept answer */
  readonly served: number;
  /** the kept answer's body (undefined before the first request of a round) */
  body(): Buffer | undefined;
  /** forget the kept answer: the next request asks the real service again */
  next(): void;
  close(): Promise<void>;
}

interface Kept {
  status: number;
  contentType: string;
  body: Buffer;
}

function fetchUpstream(upstream: string, path: string, headers: http.IncomingHttpHeaders): Promise<Kept> {
  return new Promise((resolve, reject) => {
    const forward: http.OutgoingHttpHeaders = {};
    if (headers.authorization !== undefined) forward.authorization = headers.authorization;
    const req = http.get(new URL(path, upstream), { headers: forward, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'] ?? 'application/json', body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`discovery at ${upstream} took over 30 s`)));
    req.on('error', reject);
  });
}

export async function startDiscoverySnapshot(upstream: string): Promise<DiscoverySnapshot> {
  let kept: Promise<Kept> | undefined;
  let keptBody: Buffer | undefined;
  let upstreamRequests = 0;
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/discover/mobyshark') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not served by the discovery snapshot\n');
      return;
    }
    if (!kept) {
      upstreamRequests++;
      kept = fetchUpstream(upstream, req.url, req.headers);
    }
    kept.then(
      (k) => {
        keptBody = k.body;
        served++;
        res.writeHead(k.status, { 'content-type': k.contentType, 'content-length': k.body.length }).end(k.body);
      },
      (err: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get upstreamRequests() {
      return upstreamRequests;
    },
    get served() {
      return served;
    },
    body: () => keptBody,
    next: () => {
      kept = undefined;
      keptBody = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
