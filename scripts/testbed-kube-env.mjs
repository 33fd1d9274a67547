// Adds the `kube` section to the test bed's JSON (read on stdin from testbed-env.mjs): the bed's real
// kube-apiserver (issue 19) and what a client needs to reach svc1's Packetflix through its service
// proxy. `kube` is null when it does not run, and `kubeReason` says why. Called by
// `edgeshark-testbed.sh env`; plain Node, no dependencies.
import { existsSync, readFileSync } from 'node:fs';

const [stateDir, apiUrl, namespace, service, port, apiserverProgram] = process.argv.slice(2);
const dir = `${stateDir}/kube`;

function readPid(file, want) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || !existsSync(`/proc/${pid}`)) return null;
    // The same program still runs under that PID (not a recycled one).
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(want) ? pid : null;
  } catch {
    return null;
  }
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const env = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const apiserverPid = readPid(`${stateDir}/kube-apiserver.pid`, apiserverProgram);
const etcdPid = readPid(`${stateDir}/etcd.pid`, `${dir}/etcd-data`);
const token = readText(`${dir}/token`);
let reason = readText(`${stateDir}/kube-unavailable`);
if (!reason && apiserverPid === null) reason = 'kube-apiserver does not run (scripts/edgeshark-testbed.sh up, or kube-up for that step alone)';
if (!reason && etcdPid === null) reason = 'etcd does not run (scripts/edgeshark-testbed.sh up, or kube-up for that step alone)';
if (!reason && !token) reason = `no token in ${dir}/token`;

const kube = reason
  ? null
  : {
    url: apiUrl,
    token,
    /** a token the API server knows, for a user RBAC grants nothing: 403 */
    forbiddenToken: readText(`${dir}/forbidden-token`),
    ca: `${dir}/ca.pem`,
    clientCert: `${dir}/client.pem`,
    clientKey: `${dir}/client.key`,
    kubeconfig: `${dir}/kubeconfig.yaml`,
    kubeconfigClientCert: `${dir}/kubeconfig-client-cert.yaml`,
    namespace,
    service: `${namespace}/${service}:${port}`,
    proxyUrl: `${apiUrl}/api/v1/namespaces/${namespace}/services/http:${service}:${port}/proxy`,
    noEndpointsProxyUrl: `${apiUrl}/api/v1/namespaces/${namespace}/services/http:no-endpoints:${port}/proxy`,
    upstream: env.services?.hosts?.find((h) => h.name === 'svc1')?.url ?? null,
    apiserverPid,
    etcdPid,
    log: `${dir}/kube-apiserver.log`,
  };

// `kube` right after `nginx`, the other proxy in front of svc1.
const out = {};
for (const [key, value] of Object.entries(env)) {
  out[key] = value;
  if (key === 'nginx') {
    out.kube = kube;
    out.kubeReason = reason;
  }
}
if (!('kube' in out)) Object.assign(out, { kube, kubeReason: reason });
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
