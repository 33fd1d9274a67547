// A TLS-terminating TCP relay for tests, as real deployments put one in front of Packetflix (which
// has no TLS of its own): a node:tls server on 127.0.0.1 with a certificate from a CA the test
// makes with openssl, relaying the decrypted bytes unchanged over plain TCP to the real service.
// It counts completed TLS handshakes and the upstream connections it opened, so a test can tell
// that a rejected client never reached the service. It imitates no service: every request is
// answered by the real Packetflix (and, for discovery, the real Gostwire behind it).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface TestCertificates {
  /** the CA certificate (PEM) */
  ca: Buffer;
  /** the server's key and certificate (PEM), for 127.0.0.1 and localhost, signed by the CA */
  key: Buffer;
  cert: Buffer;
}

/** Makes a CA named `caName` and a server certificate for 127.0.0.1 signed by it (EC P-256), in `dir`. */
export async function makeTestCertificates(dir: string, caName: string): Promise<TestCertificates> {
  const openssl = (args: string[]): Promise<unknown> => execFileAsync('openssl', args, { cwd: dir, timeout: 60_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', `${caName}.key`, '-out', `${caName}.crt`, '-days', '2', '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', ...ec, '-keyout', `${caName}-server.key`, '-out', `${caName}-server.csr`, '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, `${caName}-ext.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(['x509', '-req', '-in', `${caName}-server.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
    '-out', `${caName}-server.crt`, '-days', '2', '-extfile', `${caName}-ext.cnf`]);
  const read = (f: string): Buffer => readFileSync(path.join(dir, f));
  return { ca: read(`${caName}.crt`), key: read(`${caName}-server.key`), cert: read(`${caName}-server.crt`) };
}

/** A client certificate for `clientName` signed by the CA `caName` that `makeTestCertificates` made in `dir`. */
export async function makeClientCertificate(dir: string, caName: string, clientName: string): Promise<{ key: Buffer; cert: Buffer }> {
  const openssl = (args: string[]): Promise<unknown> => execFileAsync('openssl', args, { cwd: dir, timeout: 60_000 });
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${clientName}.key`,
    '-out', `${clientName}.csr`, '-subj', `/CN=${clientName}`]);
  writeFileSync(path.join(dir, `${clientName}-ext.cnf`), 'extendedKeyUsage=clientAuth\n');
  await openssl(['x509', '-req', '-in', `${clientName}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
    '-out', `${clientName}.crt`, '-days', '2', '-extfile', `${clientName}-ext.cnf`]);
  return { key: readFileSync(path.join(dir, `${clientName}.key`)), cert: readFileSync(path.join(dir, `${clientName}.crt`)) };
}

export interface TlsTerminatorOptions {
  key: Buffer;
  cert: Buffer;
  /** require a client certificate signed by this CA (mutual TLS, as an authenticating proxy may) */
  clientCa?: Buffer;
}

export interface TlsTerminator {
  /** https://127.0.0.1:PORT */
  url: string;
  port: number;
  /** TLS handshakes completed (each then relayed upstream) */
  handshakes: number;
  /** plain TCP connections opened to the upstream service */
  upstreamConnections: number;
  /** closes the listener and every relayed connection */
  close(): Promise<void>;
}

/** A TLS terminator on 127.0.0.1 relaying to `upstream` (`http://HOST:PORT`). */
export async function startTlsTerminator(upstream: string, options: TlsTerminatorOptions): Promise<TlsTerminator> {
  const { hostname, port } = new URL(upstream);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = tls.createServer({
    key: options.key,
    cert: options.cert,
    ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  }, (client) => {
    terminator.handshakes++;
    track(client);
    const service = net.connect({ host: hostname, port: Number(port) });
    terminator.upstreamConnections++;
    track(service);
    const done = (): void => {
      client.destroy();
      service.destroy();
    };
    client.on('error', done).on('close', done);
    service.on('error', done).on('close', done);
    client.pipe(service).pipe(client);
  });
  server.on('connection', track);
  const terminator: TlsTerminator = {
    url: '',
    port: 0,
    handshakes: 0,
    upstreamConnections: 0,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  terminator.port = (server.address() as AddressInfo).port;
  terminator.url = `https://127.0.0.1:${terminator.port}`;
  return terminator;
}
