// What RBAC a kubeconfig's user needs for Edgeshark through the API server's service proxy, found
// with the test bed's REAL kube-apiserver v1.37.2: a user of the test's own (a client certificate,
// CN csharg-f2-viewer-PID, signed with the bed's CA key, no groups) bound to a Role of the test's
// own in the Service's namespace. `get` on `services/proxy` is all discovery and the capture
// WebSocket need, and a resourceNames entry must be the proxy name as the URL has it,
// `http:packetflix:5001`: plain `packetflix` grants nothing (the API server's 403 names the
// resource it checked). The Role and RoleBinding are removed afterwards; nothing of the bed's is
// changed. Traffic: UDP 46300-46399 only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { DiscoveryError } from '../../src/core/capture-errors';
import { newSharkTankFromKubeconfig } from '../../src/core/host/kubeconfig';
import { tempDir } from '../support/cli-host';
import { Collector } from '../support/collector';
import { kubeRequest, requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { processGone } from '../support/processes';
import { dumpcapInterfaces, dumpcapWithFilter, keeperTarget, packetflixPid } from '../support/real-packetflix';
import { sendUdp, tsharkFields } from '../support/testbed';

const execFileAsync = promisify(execFile);

/** A client certificate for user `cn` (no groups) from the bed's CA; its key and certificate files. */
async function clientCertificate(kube: BedKube, dir: string, cn: string): Promise<{ cert: string; key: string }> {
  const caKey = path.join(path.dirname(kube.ca), 'ca.key');
  assert.ok(existsSync(caKey), `the bed's CA key ${caKey}`);
  const key = path.join(dir, 'user.key');
  const csr = path.join(dir, 'user.csr');
  const cert = path.join(dir, 'user.pem');
  const ext = path.join(dir, 'user.ext');
  writeFileSync(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  await execFileAsync('openssl', ['genrsa', '-out', key, '2048']);
  await execFileAsync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  // -set_serial: no serial file next to the bed's CA.
  const serial = `0x${Date.now().toString(16)}${process.pid.toString(16)}`;
  await execFileAsync('openssl', ['x509', '-req', '-in', csr, '-CA', kube.ca, '-CAkey', caKey, '-set_serial', serial, '-days', '1', '-extfile', ext, '-out', cert]);
  return { cert, key };
}

async function expectOk(kube: BedKube, method: string, apiPath: string, body?: unknown): Promise<void> {
  const res = await kubeRequest(kube, method, apiPath, body === undefined ? {} : { body });
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${apiPath}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
}

/** Polls `probe` until it returns true (RBAC changes reach the authorizer through a cache); fails after `ms`. */
async function eventually(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) assert.fail(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test('RBAC: get on services/proxy (resourceNames "http:packetflix:5001") lets a kubeconfig user list and capture; resourceNames "packetflix" gets the API server\'s 403 naming services/proxy', { timeout: 300_000 }, async (t) => {
  const s = await requireKube(t);
  if (!s) return;
  const { kube, bed } = s;
  const ns = kube.namespace;
  const dir = tempDir(t, 'csharg-kubeconfig-rbac-');
  const user = `csharg-f2-viewer-${process.pid}`;
  const role = `csharg-f2-proxy-${process.pid}`;
  const { cert, key } = await clientCertificate(kube, dir, user);
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: bed\n  cluster:\n    server: ${kube.url}\n    certificate-authority: ${kube.ca}`,
      'users:',
      `- name: viewer\n  user:\n    client-certificate: ${path.basename(cert)}\n    client-key: ${path.basename(key)}`,
      'contexts:',
      '- name: viewer\n  context: {cluster: bed, user: viewer}',
      'current-context: viewer',
      '',
    ].join('\n'),
  );
  const tank = () => newSharkTankFromKubeconfig({ kubeconfig, proxy: false });
  /** Discovery's outcome: 'ok', or the HTTP status. */
  const discovery = async (): Promise<'ok' | number | undefined> => {
    try {
      await tank().targets();
      return 'ok';
    } catch (err) {
      if (err instanceof DiscoveryError) return err.status;
      throw err;
    }
  };

  // No binding yet: 403, and the API server's message names the resource it checked.
  await assert.rejects(tank().targets(), (err: unknown) => {
    assert.ok(err instanceof DiscoveryError, String(err));
    assert.equal(err.status, 403);
    assert.ok(err.message.includes(`services \\"http:packetflix:5001\\" is forbidden: User \\"${user}\\" cannot get resource \\"services/proxy\\"`), err.message);
    return true;
  });

  const roleBody = (names: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: role, namespace: ns },
    rules: [{ apiGroups: [''], resources: ['services/proxy'], resourceNames: names, verbs: ['get'] }],
  });
  t.after(async () => {
    await kubeRequest(kube, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${role}`);
    await kubeRequest(kube, 'DELETE', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${role}`);
  });
  await expectOk(kube, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, roleBody(['http:packetflix:5001']));
  await expectOk(kube, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: role, namespace: ns },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
    roleRef: { kind: 'Role', apiGroup: 'rbac.authorization.k8s.io', name: role },
  });
  await eventually('discovery allowed by the Role', async () => (await discovery()) === 'ok');

  // With `get` only: a capture WebSocket through the proxy works too (exactly eth0 and the filter).
  const viewer = tank();
  const t2 = keeperTarget(await viewer.targets(), bed, 't2');
  const filter = 'udp port 46301';
  const out = new Collector();
  const streamer = viewer.capture(out, t2, { nifs: ['eth0'], filter });
  try {
    await out.started;
    const dumpcap = await dumpcapWithFilter(packetflixPid(bed), filter, 45_000);
    assert.deepEqual(dumpcapInterfaces(dumpcap), ['eth0']);
    await sendUdp({ from: 't1', to: 't2', count: 20, rate: 200, size: 16, port: 46301 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.deepEqual(await streamer.stop(), { kind: 'stopped' });
    await processGone(dumpcap.pid, 20_000);
  } finally {
    await streamer.stop();
  }
  const file = path.join(dir, 'viewer.pcapng');
  writeFileSync(file, Buffer.concat(out.chunks));
  const rows = await tsharkFields(file, ['udp.dstport'], ['-Y', 'udp.dstport == 46301 && !icmp']);
  assert.equal(rows.length, 20);

  // The Service's own name as resourceNames: the authorizer checks "http:packetflix:5001", so 403 again.
  await expectOk(kube, 'PUT', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${role}`, roleBody(['packetflix']));
  await eventually('resourceNames "packetflix" no longer allowing the proxy', async () => (await discovery()) === 403);
});
