// Prints the test bed as JSON: service URLs, and each namespace's name, netns inode, keeper PID,
// interfaces and addresses. Called by `edgeshark-testbed.sh env`; plain Node, no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';

const [stateDir, prefix, packetflixVersion, gostwireVersion, cshargGoVersion, cshargGoPath, nginxBase, nginxToken] = process.argv.slice(2);

function readPid(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

function interfaces(ns) {
  const out = execFileSync('ip', ['-j', '-n', ns, 'addr', 'show'], { encoding: 'utf8' });
  return JSON.parse(out).map((link) => ({
    name: link.ifname,
    up: link.operstate === 'UP' || link.operstate === 'UNKNOWN',
    addresses: (link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

function roleOf(short) {
  if (short === 'empty') return 'empty';
  if (short === 'hub') return 'hub';
  if (short.startsWith('svc')) return 'service';
  return 'target';
}

// Only the bed's own namespaces: tests make short-lived ones of their own under the same prefix.
const BED_HOSTS = new Set(['t1', 't2', 't3', 't4', 'hub', 'empty', 'svc1', 'svc2']);
const names = existsSync('/run/netns')
  ? readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`) && BED_HOSTS.has(n.slice(prefix.length + 1))).sort()
  : [];
const namespaces = names.map((name) => {
  const short = name.slice(prefix.length + 1);
  return {
    name,
    host: short,
    role: roleOf(short),
    netns: statSync(`/run/netns/${name}`).ino,
    keeperPid: readPid(`${stateDir}/${name}.keeper.pid`),
    interfaces: interfaces(name),
  };
});

const unavailableFile = `${stateDir}/services-unavailable`;
const reason = existsSync(unavailableFile) ? readFileSync(unavailableFile, 'utf8').trim() : null;
// What a running service says of itself: Packetflix's /version (upstream never bumped it past
// 0.9.6) and Gostwire's creator-version in the discovery metadata. Null when it does not answer.
async function reported(url, pick) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    return res.ok ? (pick(await res.json()) ?? null) : null;
  } catch {
    return null;
  }
}

const hosts = await Promise.all(namespaces
  .filter((n) => n.role === 'service')
  .map(async (n) => {
    const eth0 = n.interfaces.find((i) => i.name === 'eth0');
    const address = eth0?.addresses[0]?.split('/')[0] ?? null;
    const url = address ? `http://${address}:5001` : null;
    const packetflixPid = readPid(`${stateDir}/${n.host}.packetflix.pid`);
    const gostwirePid = readPid(`${stateDir}/${n.host}.gostwire.pid`);
    return {
      name: n.host,
      namespace: n.name,
      url,
      packetflixPid,
      gostwirePid,
      packetflixReports: url && packetflixPid ? await reported(`${url}/version`, (v) => v.version) : null,
      gostwireReports: url && gostwirePid ? await reported(`${url}/discover/mobyshark`, (d) => d.metadata?.['creator-version']) : null,
    };
  }));

// nginx in front of svc1's Packetflix (TLS from the bed's CA, a bearer token, a prefix, and a
// location that drops the query string). Null when it does not run.
const nginxPid = readPid(`${stateDir}/nginx.pid`);
const nginx = nginxPid && nginxBase
  ? {
    pid: nginxPid,
    upstream: hosts.find((h) => h.name === 'svc1')?.url ?? null,
    url: `${nginxBase}/edgeshark`,
    noQueryUrl: `${nginxBase}/noquery`,
    wrongPrefixUrl: `${nginxBase}/wrong-prefix`,
    token: nginxToken,
    caFile: `${stateDir}/nginx/ca.pem`,
    config: `${stateDir}/nginx/nginx.conf`,
  }
  : null;

const env = {
  stateDir,
  services: {
    available: reason === null && hosts.length > 0 && hosts.every((h) => h.packetflixPid !== null && h.gostwirePid !== null),
    reason,
    packetflixVersion,
    gostwireVersion,
    hosts,
    // Siemens' own csharg, the reference client the differential tests run beside ours.
    cshargGo: { version: cshargGoVersion, path: existsSync(cshargGoPath) ? cshargGoPath : null },
  },
  nginx,
  namespaces,
};
process.stdout.write(`${JSON.stringify(env, null, 2)}\n`);
