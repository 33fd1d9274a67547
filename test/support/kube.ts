// The test bed's real Kubernetes API server (issue 19; scripts/edgeshark-testbed.sh, docs/testbed.md):
// typed access to env's `kube` section, requireKube(t) (skips outside CI, fails in CI when it does
// not run), requests to the API server as its admin, and Services of a test's own whose endpoint is
// an address and port the test chooses (e.g. a recording relay on the bed's host-side veth), so that
// a test can see what the API server's service proxy sends on.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { TestContext } from 'node:test';
import { requireServices } from './testbed';
import type { BedEnv } from './testbed';

/** env's `kube` section: the bed's kube-apiserver in front of svc1's real Packetflix. */
export interface BedKube {
  /** `https://198.18.255.1:6443` */
  url: string;
  /** the admin token (user admin, group system:masters) */
  token: string;
  /** a token the API server knows, of a user RBAC grants nothing (403) */
  forbiddenToken: string;
  /** the API server's CA (PEM file) */
  ca: string;
  /** a client certificate (CN csharg-client, O system:masters) and its key (PEM files) */
  clientCert: string;
  clientKey: string;
  /** kubeconfig file with the admin token and the CA as a file path */
  kubeconfig: string;
  /** kubeconfig file with the client certificate, its key and the CA embedded */
  kubeconfigClientCert: string;
  /** `edgeshark` */
  namespace: string;
  /** `edgeshark/packetflix:5001` */
  service: string;
  /** `https://…/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy` */
  proxyUrl: string;
  /** the proxy URL of Service `no-endpoints` (exists, no endpoints: 503) */
  noEndpointsProxyUrl: string;
  /** svc1's Packetflix, the endpoint of Service packetflix */
  upstream: string | null;
  apiserverPid: number;
  etcdPid: number;
  /** kube-apiserver's log file */
  log: string;
}

type KubeBedEnv = BedEnv & { kube?: BedKube | null; kubeReason?: string | null };

const isCI = process.env.CI === 'true';

/** The bed and its API server; skipped outside CI, failed in CI when the API server does not run. */
export async function requireKube(t: TestContext): Promise<{ bed: BedEnv; kube: BedKube } | undefined> {
  const bed: KubeBedEnv | undefined = await requireServices(t);
  if (!bed) return undefined;
  if (bed.kube) return { bed, kube: bed.kube };
  const why = `the test bed's Kubernetes API server does not run: ${bed.kubeReason ?? 'no kube section in env'} (scripts/edgeshark-testbed.sh up, or kube-up)`;
  if (isCI) throw new Error(`test bed prerequisite missing (CI=true never skips): ${why}`);
  t.skip(why);
  return undefined;
}

export interface KubeResponse {
  status: number;
  body: string;
}

/** One request to the API server (admin token unless `token` is given), e.g. `GET /readyz`. */
export function kubeRequest(kube: BedKube, method: string, path: string, opts: { body?: unknown; contentType?: string; token?: string } = {}): Promise<KubeResponse> {
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = https.request(`${kube.url}${path}`, {
      method,
      ca: readFileSync(kube.ca),
      headers: {
        Authorization: `Bearer ${opts.token ?? kube.token}`,
        Accept: 'application/json',
        ...(payload ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': String(payload.length) } : {}),
      },
      timeout: 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${kube.url}${path}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectStatus(kube: BedKube, method: string, path: string, ok: number[], opts: { body?: unknown; contentType?: string } = {}): Promise<KubeResponse> {
  const res = await kubeRequest(kube, method, path, opts);
  if (!ok.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 500)}`);
  return res;
}

/** A Service of a test's own in the bed's namespace, whose one endpoint is an address the test chose. */
export interface ProxiedService {
  name: string;
  /** its service-proxy URL, `https://…/api/v1/namespaces/NS/services/http:NAME:5001/proxy` */
  proxyUrl: string;
  /** deletes the EndpointSlice, the Pod and the Service */
  remove(): Promise<void>;
}

/**
 * Creates Service `name` (port 5001 named http, no selector), a Pod of that name whose status says
 * Running with podIP = `address`, and an EndpointSlice with `address`:`port` and a targetRef to the
 * Pod: all the API server's proxy needs (it refuses loopback addresses, so `address` is one of the
 * bed's own, e.g. 198.18.255.1). Removes leftovers of the same name first.
 */
export async function createProxiedService(kube: BedKube, name: string, address: string, port: number): Promise<ProxiedService> {
  const ns = kube.namespace;
  const remove = async (): Promise<void> => {
    await expectStatus(kube, 'DELETE', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/${name}`, [200, 404]);
    await expectStatus(kube, 'DELETE', `/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`, [200, 404]);
    await expectStatus(kube, 'DELETE', `/api/v1/namespaces/${ns}/services/${name}`, [200, 404]);
  };
  await remove();
  await expectStatus(kube, 'POST', `/api/v1/namespaces/${ns}/services`, [201], {
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ name: 'http', port: 5001, targetPort: port, protocol: 'TCP' }] } },
  });
  await expectStatus(kube, 'POST', `/api/v1/namespaces/${ns}/pods`, [201], {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: 'csharg-testbed', automountServiceAccountToken: false, containers: [{ name: 'relay', image: 'csharg.invalid/relay' }] },
    },
  });
  await expectStatus(kube, 'PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, [200], {
    contentType: 'application/merge-patch+json',
    body: { status: { phase: 'Running', podIP: address, podIPs: [{ ip: address }] } },
  });
  await expectStatus(kube, 'POST', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, [201], {
    body: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: ns, name } }],
      ports: [{ name: 'http', port, protocol: 'TCP' }],
    },
  });
  return { name, proxyUrl: `${kube.url}/api/v1/namespaces/${ns}/services/http:${name}:5001/proxy`, remove };
}

/** The API server's host and port, e.g. `198.18.255.1:6443`. */
export function kubeAuthority(kube: BedKube): string {
  return new URL(kube.url).host;
}
