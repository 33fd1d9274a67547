// The host client over https/wss against the wire-spec stand-in for Packetflix (which cannot be
// built here; test/support/packetflix-standin.ts, REAL dumpcap) serving TLS with a certificate
// from a CA this test generates with openssl in a temporary directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CaptureHandshakeError, DiscoveryError } from '../../src/core/capture-errors';
import { newSharkTankOnHost } from '../../src/core/host-shark-tank';
import type { HostClientOptions } from '../../src/core/host-shark-tank';
import type { Target } from '../../src/core/target';
import { startConnectProxy } from '../support/connect-proxy';
import type { ConnectProxy } from '../support/connect-proxy';
import { startPacketflixStandin } from '../support/packetflix-standin';
import type { PacketflixStandin } from '../support/packetflix-standin';
import { loadBed, sendUdp, tsharkFields } from '../support/testbed';
import { Collector } from '../support/collector';

const execFileAsync = promisify(execFile);

const openssl = (dir: string, args: string[]): Promise<unknown> => execFileAsync('openssl', args, { cwd: dir, timeout: 30_000 });

/** A CA and a server certificate for 127.0.0.1 signed by it (EC P-256: fast to generate). */
async function makeCertificates(dir: string, caName: string): Promise<{ ca: Buffer; key: Buffer; cert: Buffer }> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, ['req', '-x509', ...ec, '-keyout', `${caName}.key`, '-out', `${caName}.crt`, '-days', '2', '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(dir, ['req', ...ec, '-keyout', `${caName}-server.key`, '-out', `${caName}-server.csr`, '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, `${caName}-ext.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(dir, ['x509', '-req', '-in', `${caName}-server.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial',
    '-out', `${caName}-server.crt`, '-days', '2', '-extfile', `${caName}-ext.cnf`]);
  const read = (f: string): Buffer => readFileSync(path.join(dir, f));
  return { ca: read(`${caName}.crt`), key: read(`${caName}-server.key`), cert: read(`${caName}-server.crt`) };
}

describe('host client over TLS (https/wss) to the wire-spec stand-in for Packetflix, CA made with openssl', () => {
  let standin: PacketflixStandin;
  let proxy: ConnectProxy;
  let tmp: string;
  let ca: Buffer;
  let otherCa: Buffer;
  let t2: Target;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-tls-'));
    const certs = await makeCertificates(tmp, 'csharg-test-ca');
    ca = certs.ca;
    otherCa = (await makeCertificates(tmp, 'other-ca')).ca;
    standin = await startPacketflixStandin(await loadBed(), { tls: { key: certs.key, cert: certs.cert } });
    proxy = await startConnectProxy();
    const found = (await newSharkTankOnHost(standin.url, { tls: { ca } }).targets()).find((t) => t.name === 't2-web');
    assert.ok(found);
    t2 = found;
  });
  after(async () => {
    await proxy?.close();
    await standin?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Captures 20 datagrams from t2 with the given client options; returns how many arrived. */
  const captureCount = async (options: HostClientOptions, port: number): Promise<number> => {
    const tank = newSharkTankOnHost(standin.url, options);
    assert.ok((await tank.targets()).some((t) => t.name === 't2-web'));
    const out = new Collector();
    const streamer = tank.capture(out, t2, { nifs: ['eth0'], filter: `udp port ${port}` });
    await out.started;
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 300, size: 64, port });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    const file = path.join(tmp, `tls-${port}.pcapng`);
    writeFileSync(file, Buffer.concat(out.chunks));
    return (await tsharkFields(file, ['udp.dstport'], ['-Y', `udp.dstport == ${port} && !icmp`])).length;
  };

  it('the stand-in really serves https and wss', () => {
    assert.match(standin.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(newSharkTankOnHost(standin.url).service.wsBase.slice(0, 6), 'wss://');
  });

  it('with the CA option, discovery and capture work', async () => {
    assert.equal(await captureCount({ tls: { ca } }, 24040), 20);
  });

  it('without the CA (or with another CA), discovery and capture fail with a certificate error', async () => {
    for (const options of [{}, { tls: { ca: otherCa } }] as HostClientOptions[]) {
      const tank = newSharkTankOnHost(standin.url, options);
      const discovery = await tank.targets().then(() => undefined, (e: unknown) => e);
      assert.ok(discovery instanceof DiscoveryError);
      assert.match((discovery.cause as { code?: string }).code ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
      assert.match(discovery.message, /certificate is not trusted: give its CA \(the tls\.ca option\), or turn on insecureSkipVerify/);
      const captures = standin.captures.length;
      const end = await tank.capture(new Collector(), t2).wait();
      assert.equal(end.kind, 'error');
      const error = (end as { error: Error }).error;
      assert.ok(error instanceof CaptureHandshakeError, String(error));
      assert.match(error.message, /^capture of .*t2-web.* at wss:\/\/127\.0\.0\.1:\d+\/capture: cannot open the capture WebSocket: .*certificate/);
      assert.match(error.message, /give its CA/);
      assert.equal(standin.captures.length, captures);
    }
  });

  it('insecureSkipVerify works without the CA', async () => {
    assert.equal(await captureCount({ insecureSkipVerify: true }, 24041), 20);
  });

  it('wss through the CONNECT proxy (HTTPS_PROXY) with the CA: TLS end to end inside the tunnel', async () => {
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTPS_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    try {
      const logStart = proxy.log.length;
      assert.equal(await captureCount({ tls: { ca } }, 24042), 20);
      assert.deepEqual(proxy.log.slice(logStart).map((e) => [e.destination, e.status]), [
        [new URL(standin.url).host, 200],
        [new URL(standin.url).host, 200],
      ]);
      // Through the tunnel the certificate is still checked against the service's name.
      const err = await newSharkTankOnHost(standin.url).targets().then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof DiscoveryError);
      assert.match(err.message, /certificate is not trusted/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
