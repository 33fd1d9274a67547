// The test bed's Kubernetes part (scripts/edgeshark-testbed.sh, docs/testbed.md) as it runs: the
// real kube-apiserver and etcd by their PIDs, where they listen (the bed's own addresses only), the
// API server's TLS (its own CA, the serving certificate for 198.18.255.1, the client certificate it
// accepts), who the token and the certificate are to the API server, the objects its service proxy
// needs, and that `kube-up` on a running bed changes nothing. No traffic of its own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import https from 'node:https';
import { test } from 'node:test';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { kubeRequest, requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { BED_SCRIPT, bedAddress, serviceUrl } from '../support/testbed';

const execFileAsync = promisify(execFile);

/** The TCP addresses a process listens on (ss). */
async function listening(pid: number): Promise<string[]> {
  const { stdout } = await execFileAsync('ss', ['-H', '-ltnp']);
  return stdout.split('\n').filter((l) => l.includes(`pid=${pid},`)).map((l) => l.trim().split(/\s+/)[3] ?? '').sort();
}

/** Who the API server takes the caller for (SelfSubjectReview): user name and groups. */
async function whoAmI(kube: BedKube, auth: { token: string } | { cert: string; key: string }): Promise<{ username: string; groups: string[] }> {
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.request(`${kube.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      method: 'POST',
      ca: readFileSync(kube.ca),
      ...('token' in auth ? { headers: { Authorization: `Bearer ${auth.token}` } } : { cert: readFileSync(auth.cert), key: readFileSync(auth.key) }),
      timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 201 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
    });
    req.on('error', reject);
    req.setHeader('Content-Type', 'application/json');
    req.end(body);
  });
  const info = (JSON.parse(text) as { status: { userInfo: { username: string; groups?: string[] } } }).status.userInfo;
  return { username: info.username, groups: info.groups ?? [] };
}

test('kube-apiserver and etcd run as recorded (PIDs, programs) and listen on the bed\'s own addresses only', { timeout: 60_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  assert.match(readlinkSync(`/proc/${s.kube.apiserverPid}/exe`), /\/kube-apiserver-v1\.37\.2$/);
  assert.equal(readlinkSync(`/proc/${s.kube.etcdPid}/exe`), '/usr/bin/etcd');
  assert.deepEqual(await listening(s.kube.apiserverPid), [new URL(s.kube.url).host]);
  assert.deepEqual(await listening(s.kube.etcdPid), ['127.0.0.1:23790', '127.0.0.1:23800']);
  assert.equal(new URL(s.kube.url).hostname, '198.18.255.1', 'svc1\'s host-side veth');
});

test('TLS: the serving certificate is for 198.18.255.1 from the API server\'s own CA; without that CA the connection is refused; the client certificate is CN csharg-client, O system:masters', { timeout: 60_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const { hostname, port } = new URL(s.kube.url);
  const peer = await new Promise<X509Certificate>((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca: readFileSync(s.kube.ca), servername: '' }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
  const ca = new X509Certificate(readFileSync(s.kube.ca));
  assert.ok(peer.verify(ca.publicKey), 'signed by the bed\'s Kubernetes CA');
  assert.equal(peer.subjectAltName, `IP Address:${hostname}`);
  assert.notEqual(ca.fingerprint256, new X509Certificate(readFileSync(`${s.bed.stateDir}/nginx/ca.pem`)).fingerprint256, 'not nginx\'s CA');
  const refused = await new Promise<Error>((resolve) => {
    const socket = tls.connect({ host: hostname, port: Number(port), servername: '' }, () => {
      socket.destroy();
      resolve(new Error('connected without the CA'));
    });
    socket.on('error', resolve);
  });
  assert.match(refused.message, /self[- ]signed certificate in certificate chain|unable to verify|unable to get local issuer/, refused.message);
  const client = new X509Certificate(readFileSync(s.kube.clientCert));
  assert.ok(client.verify(ca.publicKey));
  assert.match(client.subject, /^O=system:masters$/m);
  assert.match(client.subject, /^CN=csharg-client$/m);
});

test('the admin token is user admin in system:masters, the client certificate csharg-client in system:masters; an unknown token is 401, the forbidden token 403 (RBAC)', { timeout: 60_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const admin = await whoAmI(s.kube, { token: s.kube.token });
  assert.equal(admin.username, 'admin');
  assert.ok(admin.groups.includes('system:masters'), admin.groups.join(','));
  const cert = await whoAmI(s.kube, { cert: s.kube.clientCert, key: s.kube.clientKey });
  assert.equal(cert.username, 'csharg-client');
  assert.ok(cert.groups.includes('system:masters'), cert.groups.join(','));
  assert.equal((await kubeRequest(s.kube, 'GET', '/api/v1/namespaces', { token: `${s.kube.token}x` })).status, 401);
  const forbidden = await kubeRequest(s.kube, 'GET', '/api/v1/namespaces/edgeshark/services', { token: s.kube.forbiddenToken });
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.body, /User \\"nobody\\" cannot list resource \\"services\\"/);
});

test('the objects the service proxy needs: Service packetflix (5001 named http, no selector), an EndpointSlice whose endpoint targets Pod packetflix-svc1 with podIP = svc1\'s address; the proxy answers as svc1 does', { timeout: 60_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const get = async <T>(path: string): Promise<T> => {
    const res = await kubeRequest(s.kube, 'GET', path);
    assert.equal(res.status, 200, `${path}: ${res.body}`);
    return JSON.parse(res.body) as T;
  };
  const ns = s.kube.namespace;
  assert.equal(s.kube.service, `${ns}/packetflix:5001`);
  await get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
  const svc = await get<{ spec: { selector?: object; ports: { name: string; port: number }[] } }>(`/api/v1/namespaces/${ns}/services/packetflix`);
  assert.equal(svc.spec.selector, undefined);
  assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port]), [['http', 5001]]);
  const slices = await get<{ items: { endpoints: { addresses: string[]; targetRef?: { kind: string; name: string } }[]; ports: { name: string; port: number }[] }[] }>(
    `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dpacketflix`,
  );
  assert.equal(slices.items.length, 1);
  const endpoint = slices.items[0]!.endpoints[0]!;
  const svc1 = bedAddress(s.bed, 'svc1');
  assert.deepEqual(endpoint.addresses, [svc1]);
  assert.deepEqual(slices.items[0]!.ports.map((p) => [p.name, p.port]), [['http', 5001]]);
  assert.equal(endpoint.targetRef?.kind, 'Pod');
  const pod = await get<{ spec: { nodeName: string }; status: { phase: string; podIP: string } }>(`/api/v1/namespaces/${ns}/pods/${endpoint.targetRef.name}`);
  assert.equal(pod.status.podIP, svc1);
  assert.equal(pod.status.phase, 'Running');
  assert.equal(new URL(s.kube.upstream ?? '').hostname, svc1);
  // Packetflix's /version, through the proxy and straight from svc1.
  const proxied = await kubeRequest(s.kube, 'GET', `${new URL(s.kube.proxyUrl).pathname}/version`);
  assert.equal(proxied.status, 200, proxied.body);
  const direct: unknown = await (await fetch(`${serviceUrl(s.bed, 'svc1')}/version`)).json();
  assert.deepEqual(JSON.parse(proxied.body), direct);
  const none = await kubeRequest(s.kube, 'GET', `${new URL(s.kube.noEndpointsProxyUrl).pathname}/version`);
  assert.equal(none.status, 503);
});

test('the kubeconfig files name the API server, with the token and the CA file, or with the client certificate, key and CA embedded', { timeout: 30_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const byToken = readFileSync(s.kube.kubeconfig, 'utf8');
  assert.match(byToken, new RegExp(`^    server: ${s.kube.url.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(byToken, new RegExp(`^    certificate-authority: ${s.kube.ca}$`, 'm'));
  assert.match(byToken, new RegExp(`^    token: ${s.kube.token}$`, 'm'));
  assert.match(byToken, /^current-context: csharg-testbed$/m);
  const byCert = readFileSync(s.kube.kubeconfigClientCert, 'utf8');
  const b64 = (file: string): string => readFileSync(file).toString('base64');
  assert.ok(byCert.includes(`certificate-authority-data: ${b64(s.kube.ca)}\n`));
  assert.ok(byCert.includes(`client-certificate-data: ${b64(s.kube.clientCert)}\n`));
  assert.ok(byCert.includes(`client-key-data: ${b64(s.kube.clientKey)}\n`));
  assert.ok(!/token:/.test(byCert), 'no token in the client-certificate kubeconfig');
});

test('kube-up on a running bed keeps both processes and the token', { timeout: 120_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  await execFileAsync('bash', [BED_SCRIPT, 'kube-up'], { timeout: 110_000 });
  const { stdout } = await execFileAsync('bash', [BED_SCRIPT, 'env'], { maxBuffer: 16 * 1024 * 1024 });
  const after = (JSON.parse(stdout) as { kube: BedKube | null }).kube;
  assert.ok(after);
  assert.equal(after.apiserverPid, s.kube.apiserverPid);
  assert.equal(after.etcdPid, s.kube.etcdPid);
  assert.equal(after.token, s.kube.token);
});
