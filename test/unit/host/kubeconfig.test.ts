// kubeconfig reading as kubectl does it (issue 19, item 3): which files, merging, relative paths,
// every credential and CA form, the service-proxy URL, and the errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_EDGESHARK_SERVICE,
  KubeconfigError,
  kubeconfigFiles,
  loadKubeconfig,
  newSharkTankFromKubeconfig,
  parseEdgesharkService,
  serviceProxyUrl,
} from '../../../src/core/host/kubeconfig';
import { describeTankSettings, newSharkTankFromSettings } from '../../../src/core/tank-settings';
import { settingsFor } from '../../../src/cli/tank';
import { hostSourceOf, tankFor, tankSettingsOf } from '../../../src/nodes/lib/host-settings';
import type { HostSharkTank } from '../../../src/core/host/host-shark-tank';

let dir: string;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Writes `text` to `name` under the test's folder (folders made), returns the absolute path. */
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A kubeconfig with one cluster, user and context each, and current-context set. */
function kubeconfig(opts: { cluster?: string; user?: string; context?: string; current?: string; extra?: string } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c1',
    '  cluster:',
    ...(opts.cluster ?? '    server: https://api.example:6443').split('\n'),
    'users:',
    '- name: u1',
    '  user:',
    ...(opts.user ?? '    token: tok-1').split('\n'),
    'contexts:',
    '- name: ctx1',
    '  context:',
    ...(opts.context ?? '    cluster: c1\n    user: u1').split('\n'),
    ...(opts.current === '' ? [] : [`current-context: ${opts.current ?? 'ctx1'}`]),
    ...(opts.extra ? opts.extra.split('\n') : []),
    '',
  ].join('\n');
}

/** loadKubeconfig's error message for these options (it must throw a KubeconfigError). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KubeconfigError, `expected a KubeconfigError, got ${String(err)}`);
    assert.equal(err.code, 'KUBECONFIG');
    return err.message;
  }
  assert.fail('expected an error');
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'csharg-kubeconfig-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kubeconfig: which files (kubectl loading rules)', () => {
  it('an explicit file alone; else the KUBECONFIG list without empty entries and duplicates; else HOME/.kube/config', () => {
    assert.deepEqual(kubeconfigFiles('/x/explicit', { KUBECONFIG: '/a:/b' }), { files: ['/x/explicit'], from: 'explicit' });
    assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: '/a::/b:/a', HOME: '/home/u' }), { files: ['/a', '/b'], from: 'KUBECONFIG' });
    assert.deepEqual(kubeconfigFiles('', { KUBECONFIG: '', HOME: '/home/u' }), { files: ['/home/u/.kube/config'], from: 'home' });
  });

  it('reads ~/.kube/config when KUBECONFIG is not set', () => {
    const home = path.join(dir, 'home1');
    file('home1/.kube/config', kubeconfig());
    const access = loadKubeconfig({ env: { HOME: home } });
    assert.deepEqual(access.files, [path.join(home, '.kube', 'config')]);
    assert.equal(access.context, 'ctx1');
  });

  it('skips missing files of KUBECONFIG, and fails clearly when none exists', () => {
    const present = file('skip/present.yaml', kubeconfig());
    const missing = path.join(dir, 'skip', 'missing.yaml');
    const access = loadKubeconfig({ env: { KUBECONFIG: `${missing}:${present}` } });
    assert.deepEqual(access.files, [present]);
    const message = errorOf(() => loadKubeconfig({ env: { KUBECONFIG: missing } }));
    assert.match(message, /none of the files in KUBECONFIG/);
    assert.ok(message.includes(missing));
  });

  it('an explicit file that does not exist is an error (not skipped), naming the file', () => {
    const missing = path.join(dir, 'nope', 'config');
    const message = errorOf(() => loadKubeconfig({ kubeconfig: missing, env: { KUBECONFIG: file('other.yaml', kubeconfig()) } }));
    assert.ok(message.includes(missing), message);
    assert.match(message, /ENOENT/);
  });

  it('a missing ~/.kube/config without KUBECONFIG says how to give one', () => {
    const message = errorOf(() => loadKubeconfig({ env: { HOME: path.join(dir, 'no-home') } }));
    assert.match(message, /--kubeconfig FILE or KUBECONFIG/);
  });
});

describe('kubeconfig: merging KUBECONFIG files (first one to set a key wins)', () => {
  it('a cluster/user/context named in two files is the first file\'s entry, whole; current-context from the first file that sets it', () => {
    const first = file(
      'merge/first.yaml',
      [
        'clusters:',
        '- name: shared',
        '  cluster:',
        '    server: https://first.example',
        'users:',
        '- name: shared-user',
        '  user:',
        '    token: first-token',
        'contexts:',
        '- name: main',
        '  context: {cluster: shared, user: shared-user}',
        '',
      ].join('\n'),
    );
    const second = file(
      'merge/second.yaml',
      [
        'clusters:',
        '- name: shared',
        '  cluster:',
        '    server: https://second.example',
        '    insecure-skip-tls-verify: true',
        '- name: only-second',
        '  cluster: {server: "https://only-second.example"}',
        'users:',
        '- name: shared-user',
        '  user: {token: second-token, client-certificate-data: ' + b64('CERT') + ', client-key-data: ' + b64('KEY') + '}',
        'contexts:',
        '- name: main',
        '  context: {cluster: only-second, user: shared-user}',
        '- name: other',
        '  context: {cluster: only-second, user: shared-user}',
        'current-context: main',
        '',
      ].join('\n'),
    );
    const third = file('merge/third.yaml', 'current-context: other\n');
    const access = loadKubeconfig({ env: { KUBECONFIG: [first, second, third].join(path.delimiter) } });
    assert.deepEqual(access.files, [first, second, third]);
    // current-context: the first file has none, the second sets main (the third's other comes later).
    assert.equal(access.context, 'main');
    // main is the first file's context: cluster shared, also the first file's (no insecure flag from the second).
    assert.equal(access.cluster, 'shared');
    assert.equal(access.server, 'https://first.example');
    assert.equal(access.insecureSkipVerify, false);
    // shared-user: the first file's, without the second's client certificate.
    assert.equal(access.bearerToken, 'first-token');
    assert.deepEqual(access.tls, {});
    // Entries only the second file has are there.
    const other = loadKubeconfig({ context: 'other', env: { KUBECONFIG: [first, second].join(path.delimiter) } });
    assert.equal(other.server, 'https://only-second.example');
  });

  it('relative paths resolve against the folder of the file that holds them, each file its own', () => {
    file('rel/a/ca.pem', 'CA-A');
    file('rel/b/token', 'token-b\n');
    file('rel/b/certs/client.pem', 'CERT-B');
    file('rel/b/certs/client.key', 'KEY-B');
    const a = file('rel/a/config', kubeconfig({ cluster: '    server: https://a.example\n    certificate-authority: ca.pem', user: '    token: unused', context: '    cluster: c1\n    user: ub' }).replace('current-context: ctx1', ''));
    const b = file(
      'rel/b/config',
      [
        'users:',
        '- name: ub',
        '  user:',
        '    tokenFile: token',
        '    client-certificate: certs/client.pem',
        '    client-key: ./certs/../certs/client.key',
        'current-context: ctx1',
        '',
      ].join('\n'),
    );
    const access = loadKubeconfig({ env: { KUBECONFIG: `${a}${path.delimiter}${b}` } });
    assert.equal(access.tls.ca?.toString(), 'CA-A');
    assert.equal(access.tls.cert?.toString(), 'CERT-B');
    assert.equal(access.tls.key?.toString(), 'KEY-B');
    assert.equal(access.bearerToken, 'token-b');
  });

  it('a name twice in one file is an error, as kubectl has it', () => {
    const twice = file('dup.yaml', kubeconfig({ extra: '' }).replace('users:\n', 'users:\n- name: u1\n  user: {token: other}\n'));
    assert.match(errorOf(() => loadKubeconfig({ kubeconfig: twice })), /duplicate name "u1" in "users"/);
  });
});

describe('kubeconfig: the context, cluster and user', () => {
  it('token user, current-context, the default Service: the proxy URL as the API server serves it', () => {
    const access = loadKubeconfig({ kubeconfig: file('basic.yaml', kubeconfig()) });
    assert.equal(access.context, 'ctx1');
    assert.equal(access.cluster, 'c1');
    assert.equal(access.user, 'u1');
    assert.equal(access.server, 'https://api.example:6443');
    assert.deepEqual(access.service, { namespace: 'edgeshark', name: 'packetflix', port: '5001' });
    assert.equal(access.serviceUrl, 'https://api.example:6443/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy');
    assert.equal(access.bearerToken, 'tok-1');
    assert.equal(access.insecureSkipVerify, false);
  });

  it('--context picks another context than current-context', () => {
    const text = kubeconfig({ extra: '' }).replace('contexts:\n', 'contexts:\n- name: anon\n  context: {cluster: c1}\n');
    const access = loadKubeconfig({ kubeconfig: file('ctx.yaml', text), context: 'anon' });
    assert.equal(access.context, 'anon');
    assert.equal(access.user, undefined);
    assert.equal(access.bearerToken, undefined);
  });

  it('certificate-authority-data and client-certificate/-key data (base64, line breaks allowed as in Go)', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
    const caB64 = b64(ca).replace(/(.{16})/g, '$1\n      ');
    const text = kubeconfig({
      cluster: `    server: https://api.example\n    certificate-authority-data: |-\n      ${caB64}`,
      user: `    client-certificate-data: ${b64('CERT')}\n    client-key-data: ${b64('KEY')}`,
    });
    const access = loadKubeconfig({ kubeconfig: file('data.yaml', text) });
    assert.equal(access.tls.ca?.toString(), ca);
    assert.equal(access.tls.cert?.toString(), 'CERT');
    assert.equal(access.tls.key?.toString(), 'KEY');
    assert.equal(access.bearerToken, undefined);
  });

  it('files: certificate-authority, client-certificate, client-key (absolute and relative), tokenFile trimmed; a readable tokenFile wins over token (client-go), token when it cannot be read', () => {
    const abs = file('files/abs-ca.pem', 'ABS-CA');
    file('files/sub/cert.pem', 'FILE-CERT');
    file('files/sub/key.pem', 'FILE-KEY');
    file('files/tok', '  from-file \n');
    const text = kubeconfig({
      cluster: `    server: https://api.example\n    certificate-authority: ${abs}`,
      user: '    client-certificate: sub/cert.pem\n    client-key: sub/key.pem\n    tokenFile: tok',
    });
    const access = loadKubeconfig({ kubeconfig: file('files/config', text) });
    assert.equal(access.tls.ca?.toString(), 'ABS-CA');
    assert.equal(access.tls.cert?.toString(), 'FILE-CERT');
    assert.equal(access.tls.key?.toString(), 'FILE-KEY');
    assert.equal(access.bearerToken, 'from-file');
    const both = kubeconfig({ user: '    token: inline\n    tokenFile: tok' });
    assert.equal(loadKubeconfig({ kubeconfig: file('files/both', both) }).bearerToken, 'from-file');
    const unreadable = kubeconfig({ user: '    token: inline\n    tokenFile: no-such-file' });
    assert.equal(loadKubeconfig({ kubeconfig: file('files/fallback', unreadable) }).bearerToken, 'inline');
  });

  it('insecure-skip-tls-verify: true, and YAML 1.1 booleans as kubectl\'s go-yaml reads them (yes, on)', () => {
    for (const word of ['true', 'yes', 'on']) {
      const access = loadKubeconfig({ kubeconfig: file(`insecure-${word}.yaml`, kubeconfig({ cluster: `    server: https://api.example\n    insecure-skip-tls-verify: ${word}` })) });
      assert.equal(access.insecureSkipVerify, true, word);
    }
    const no = loadKubeconfig({ kubeconfig: file('insecure-no.yaml', kubeconfig({ cluster: '    server: https://api.example\n    insecure-skip-tls-verify: false' })) });
    assert.equal(no.insecureSkipVerify, false);
  });

  it('a token that YAML would read as a number is taken as written', () => {
    const access = loadKubeconfig({ kubeconfig: file('numeric.yaml', kubeconfig({ user: '    token: 0123' })) });
    assert.equal(access.bearerToken, '0123');
  });

  it('proxy-url is passed on; a server without scheme is https with TLS settings, http without (client-go); a server path is kept', () => {
    const proxied = loadKubeconfig({ kubeconfig: file('proxy.yaml', kubeconfig({ cluster: '    server: https://api.example\n    proxy-url: http://proxy.example:3128' })) });
    assert.equal(proxied.proxyUrl, 'http://proxy.example:3128');
    const tlsNoScheme = loadKubeconfig({ kubeconfig: file('noscheme1.yaml', kubeconfig({ cluster: `    server: api.example:6443\n    certificate-authority-data: ${b64('CA')}` })) });
    assert.equal(tlsNoScheme.server, 'https://api.example:6443');
    const plainNoScheme = loadKubeconfig({ kubeconfig: file('noscheme2.yaml', kubeconfig({ cluster: '    server: api.example:8080' })) });
    assert.equal(plainNoScheme.server, 'http://api.example:8080');
    const withPath = loadKubeconfig({ kubeconfig: file('path.yaml', kubeconfig({ cluster: '    server: https://rancher.example/k8s/clusters/c-1/' })) });
    assert.equal(withPath.serviceUrl, 'https://rancher.example/k8s/clusters/c-1/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy');
  });

  it('a kubeconfig in JSON (kubectl reads JSON too)', () => {
    const json = JSON.stringify({
      clusters: [{ name: 'j', cluster: { server: 'https://json.example' } }],
      users: [{ name: 'ju', user: { token: 'json-token' } }],
      contexts: [{ name: 'jc', context: { cluster: 'j', user: 'ju' } }],
      'current-context': 'jc',
    });
    const access = loadKubeconfig({ kubeconfig: file('config.json', json) });
    assert.equal(access.server, 'https://json.example');
    assert.equal(access.bearerToken, 'json-token');
  });

  it('kubeconfig text (pasted) with paths relative to baseDir, anchors and aliases resolved', () => {
    file('pasted/ca.pem', 'PASTED-CA');
    const text = [
      'clusters:',
      '- name: c',
      '  cluster: &cl',
      '    server: https://pasted.example',
      '    certificate-authority: ca.pem',
      '- name: alias',
      '  cluster: *cl',
      'users:',
      '- name: u',
      '  user: {token: pasted}',
      'contexts:',
      '- name: x',
      '  context: {cluster: alias, user: u}',
      'current-context: x',
    ].join('\n');
    const access = loadKubeconfig({ kubeconfigText: text, baseDir: path.join(dir, 'pasted') });
    assert.deepEqual(access.files, []);
    assert.equal(access.server, 'https://pasted.example');
    assert.equal(access.tls.ca?.toString(), 'PASTED-CA');
  });
});

describe('kubeconfig: the Edgeshark Service', () => {
  it('[NAMESPACE/]NAME[:PORT]: no namespace = the context\'s namespace (else default), no port = 5001; port names allowed', () => {
    assert.equal(DEFAULT_EDGESHARK_SERVICE, 'edgeshark/packetflix:5001');
    assert.deepEqual(parseEdgesharkService('monitoring/pf:5002'), { namespace: 'monitoring', name: 'pf', port: '5002' });
    assert.deepEqual(parseEdgesharkService('pf', 'team-a'), { namespace: 'team-a', name: 'pf', port: '5001' });
    assert.deepEqual(parseEdgesharkService('ns/pf:http'), { namespace: 'ns', name: 'pf', port: 'http' });
    assert.equal(serviceProxyUrl('https://a.example:6443/', { namespace: 'ns', name: 'pf', port: 'http' }), 'https://a.example:6443/api/v1/namespaces/ns/services/http:pf:http/proxy');
    const text = kubeconfig({ context: '    cluster: c1\n    user: u1\n    namespace: team-b' });
    const access = loadKubeconfig({ kubeconfig: file('ns.yaml', text), service: 'edge:5001' });
    assert.equal(access.serviceUrl, 'https://api.example:6443/api/v1/namespaces/team-b/services/http:edge:5001/proxy');
  });

  it('refuses what is not a Service reference', () => {
    for (const bad of ['', 'a/b/c', 'NS/pf:5001', 'ns/pf:0', 'ns/pf:65536', 'ns/pf:-x', 'ns/p_f', 'ns/pf:a:b', 'ns/pf:verylongportname1']) {
      assert.match(errorOf(() => parseEdgesharkService(bad)), /Edgeshark service .*expected NAMESPACE\/NAME:PORT/, bad);
    }
  });
});

describe('kubeconfig: errors as kubectl reports them, and what csharg refuses', () => {
  const cases: Array<{ what: string; text: () => string; context?: string; error: RegExp }> = [
    { what: 'no current-context', text: () => kubeconfig({ current: '' }), error: /no current-context set: give one with --context \(contexts: ctx1\)/ },
    { what: 'unknown --context', text: () => kubeconfig(), context: 'prod', error: /context was not found for specified context: prod \(contexts: ctx1\)/ },
    { what: 'unknown cluster', text: () => kubeconfig({ context: '    cluster: nope\n    user: u1' }), error: /cluster "nope" was not found for context "ctx1"/ },
    { what: 'unknown user', text: () => kubeconfig({ context: '    cluster: c1\n    user: nobody' }), error: /user "nobody" was not found for context "ctx1"/ },
    { what: 'no cluster in context', text: () => kubeconfig({ context: '    user: u1' }), error: /cluster was not specified for context "ctx1"/ },
    { what: 'no server', text: () => kubeconfig({ cluster: '    insecure-skip-tls-verify: true' }), error: /no server found for cluster "c1"/ },
    { what: 'exec plugin', text: () => kubeconfig({ user: '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws-iam-authenticator' }), error: /exec plugin \(aws-iam-authenticator\), which csharg does not run/ },
    { what: 'auth-provider', text: () => kubeconfig({ user: '    auth-provider:\n      name: oidc' }), error: /auth-provider plugin, which csharg does not support/ },
    { what: 'basic auth', text: () => kubeconfig({ user: '    username: admin\n    password: secret' }), error: /basic authentication/ },
    { what: 'token and basic auth', text: () => kubeconfig({ user: '    token: t\n    username: admin\n    password: p' }), error: /more than one authentication method found for u1/ },
    { what: 'impersonation', text: () => kubeconfig({ user: '    token: t\n    as: someone' }), error: /impersonates \(as\)/ },
    { what: 'cert without key', text: () => kubeconfig({ user: `    client-certificate-data: ${b64('C')}` }), error: /client-key-data or client-key must be specified for u1/ },
    { what: 'key without cert', text: () => kubeconfig({ user: `    client-key-data: ${b64('K')}` }), error: /client-cert-data or client-cert must be specified for u1/ },
    { what: 'cert data and file', text: () => kubeconfig({ user: `    client-certificate-data: ${b64('C')}\n    client-certificate: /c.pem\n    client-key-data: ${b64('K')}` }), error: /client-cert-data and client-cert are both specified for u1/ },
    { what: 'CA data and file', text: () => kubeconfig({ cluster: `    server: https://x\n    certificate-authority-data: ${b64('CA')}\n    certificate-authority: /ca.pem` }), error: /certificate-authority-data and certificate-authority are both specified for c1/ },
    { what: 'CA with insecure', text: () => kubeconfig({ cluster: `    server: https://x\n    certificate-authority-data: ${b64('CA')}\n    insecure-skip-tls-verify: true` }), error: /specifying a root certificates file with the insecure flag is not allowed/ },
    { what: 'tls-server-name', text: () => kubeconfig({ cluster: '    server: https://x\n    tls-server-name: api.internal' }), error: /tls-server-name, which csharg does not support/ },
    { what: 'bad base64', text: () => kubeconfig({ cluster: '    server: https://x\n    certificate-authority-data: not*base64' }), error: /"certificate-authority-data" is not base64/ },
    { what: 'insecure not a boolean', text: () => kubeconfig({ cluster: '    server: https://x\n    insecure-skip-tls-verify: maybe' }), error: /"insecure-skip-tls-verify" must be true or false/ },
    { what: 'a map where a string belongs', text: () => kubeconfig({ user: '    token: {a: 1}' }), error: /"token" must be a string/ },
    { what: 'clusters not a list', text: () => 'clusters: {a: 1}\n', error: /"clusters" is not a list/ },
    { what: 'invalid YAML', text: () => 'clusters: [\n  - a\nusers: x: y\n', error: /not valid YAML/ },
    { what: 'duplicate key', text: () => 'current-context: a\ncurrent-context: b\n', error: /not valid YAML: Map keys must be unique/ },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const p = file(`err/${c.what.replace(/\W+/g, '-')}.yaml`, c.text());
      const message = errorOf(() => loadKubeconfig({ kubeconfig: p, ...(c.context ? { context: c.context } : {}) }));
      assert.match(message, c.error);
      assert.ok(message.startsWith('kubeconfig: '), message);
    });
  }

  it('unreadable certificate files and tokenFile name the file and the entry', () => {
    const missingCa = path.join(dir, 'err', 'missing-ca.pem');
    const p1 = file('err/ca-file.yaml', kubeconfig({ cluster: `    server: https://x\n    certificate-authority: ${missingCa}` }));
    assert.match(errorOf(() => loadKubeconfig({ kubeconfig: p1 })), new RegExp(`unable to read certificate-authority ${missingCa} for cluster "c1"`));
    const p2 = file('err/token-file.yaml', kubeconfig({ user: '    tokenFile: no-such-token' }));
    assert.match(errorOf(() => loadKubeconfig({ kubeconfig: p2 })), new RegExp(`unable to read tokenFile ${path.join(dir, 'err', 'no-such-token')} for user "u1"`));
    const p3 = file('err/key-file.yaml', kubeconfig({ user: `    client-certificate-data: ${b64('C')}\n    client-key: k.pem` }));
    assert.match(errorOf(() => loadKubeconfig({ kubeconfig: p3 })), /unable to read client-key .*k\.pem for user "u1"/);
  });

  it('the YAML error names the file and the line', () => {
    const p = file('err/yaml-line.yaml', 'clusters:\n- name: a\n  cluster: {server: "x"\n');
    const message = errorOf(() => loadKubeconfig({ kubeconfig: p }));
    assert.ok(message.includes(p), message);
    assert.match(message, /line \d+/);
  });
});

describe('newSharkTankFromKubeconfig and the settings factory', () => {
  it('the tank talks to the service-proxy URL; --token and --insecure override the kubeconfig\'s', () => {
    const p = file('tank.yaml', kubeconfig());
    const tank = newSharkTankFromKubeconfig({ kubeconfig: p });
    assert.equal(tank.service.httpBase, 'https://api.example:6443/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy');
    assert.equal(tank.service.wsBase, 'wss://api.example:6443/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy');
    assert.equal(tank.service.nodeName, 'api.example');
    const other = newSharkTankFromKubeconfig({ kubeconfig: p, service: 'ops/pf:7000' });
    assert.equal(other.service.basePath, '/api/v1/namespaces/ops/services/http:pf:7000/proxy');
  });

  it('the cluster\'s proxy-url goes to the host client (an unusable one is its ProxyUrlError)', () => {
    const p = file('tank-proxy.yaml', kubeconfig({ cluster: '    server: https://api.example\n    proxy-url: socks5://127.0.0.1:1080' }));
    assert.throws(() => newSharkTankFromKubeconfig({ kubeconfig: p }), (err: Error & { code?: string }) => err.code === 'PROXY_URL' && /socks5/.test(err.message));
    // proxy: false (the caller's choice) wins over the kubeconfig's proxy-url.
    const tank = newSharkTankFromKubeconfig({ kubeconfig: p, proxy: false });
    assert.equal(tank.service.host, 'api.example');
  });

  it('newSharkTankFromSettings: local, url and kubeconfig', () => {
    assert.equal(newSharkTankFromSettings({ source: 'local' }).description, 'this machine');
    const url = newSharkTankFromSettings({ source: 'url', url: '198.18.0.1:5001', timeoutMs: 1000 }) as HostSharkTank;
    assert.equal(url.service.httpBase, 'http://198.18.0.1:5001');
    const kube = newSharkTankFromSettings({ source: 'kubeconfig', kubeconfigText: kubeconfig(), service: 'e/p:1' }) as HostSharkTank;
    assert.equal(kube.service.httpBase, 'https://api.example:6443/api/v1/namespaces/e/services/http:p:1/proxy');
    assert.equal(describeTankSettings({ source: 'kubeconfig', context: 'prod' }), 'edgeshark/packetflix:5001 (kubeconfig context prod)');
  });
});

describe('csharg flags to settings', () => {
  it('--kubeconfig, --context or --edgeshark-service select the kubeconfig; KUBECONFIG alone does not', () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, CSHARG_HOST: process.env.CSHARG_HOST, CSHARG_TOKEN: process.env.CSHARG_TOKEN };
    try {
      process.env.KUBECONFIG = '/some/kubeconfig';
      delete process.env.CSHARG_HOST;
      process.env.CSHARG_TOKEN = 'env-token';
      assert.deepEqual(settingsFor({}), { source: 'url', url: 'http://localhost:5001', bearerToken: 'env-token' });
      assert.deepEqual(settingsFor({ kubeconfig: '/k' }), { source: 'kubeconfig', kubeconfig: '/k' });
      assert.deepEqual(settingsFor({ kubeconfig: '' }), { source: 'kubeconfig' });
      assert.deepEqual(settingsFor({ context: 'prod' }), { source: 'kubeconfig', context: 'prod' });
      assert.deepEqual(settingsFor({ edgesharkService: 'a/b:1', token: 't', insecure: true, requestTimeout: 5000 }), {
        source: 'kubeconfig',
        service: 'a/b:1',
        bearerToken: 't',
        insecure: true,
        timeoutMs: 5000,
      });
      assert.throws(() => settingsFor({ kubeconfig: '/k', host: 'h' }), /--host and --kubeconfig\/--context\/--edgeshark-service exclude each other/);
      assert.throws(() => settingsFor({ context: 'c', local: true }), /--local and --kubeconfig\/--context\/--edgeshark-service exclude each other/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('Node-RED host settings to the shared factory', () => {
  it('kubeconfig: text, context, Service and timeout; a token saved for a URL earlier is not used; url: token, TLS, and rejectUnauthorized false as insecure', () => {
    const text = kubeconfig();
    assert.deepEqual(tankSettingsOf({ source: 'kubeconfig', url: 'http://old:5001', bearerToken: 'stale', timeoutMs: 5000, kubeconfig: text, context: 'ctx1', service: 'e/p:1' }), {
      source: 'kubeconfig',
      timeoutMs: 5000,
      kubeconfigText: text,
      context: 'ctx1',
      service: 'e/p:1',
    });
    // Empty kubeconfig credential: Node-RED's own ($KUBECONFIG, then ~/.kube/config).
    assert.deepEqual(tankSettingsOf({ source: 'kubeconfig', url: '', timeoutMs: 1000, kubeconfig: '  \n' }), { source: 'kubeconfig', timeoutMs: 1000 });
    assert.deepEqual(tankSettingsOf({ source: 'url', url: 'https://h', bearerToken: 'tok', timeoutMs: 0, tls: { ca: 'CA', rejectUnauthorized: false } }), {
      source: 'url',
      url: 'https://h',
      timeoutMs: 0,
      bearerToken: 'tok',
      insecure: true,
      tls: { ca: 'CA', cert: undefined, key: undefined },
    });
    assert.deepEqual(tankSettingsOf({ source: 'local', url: 'ignored', timeoutMs: 0 }), { source: 'local' });
    assert.equal(hostSourceOf('kubeconfig'), 'kubeconfig');
    assert.equal(hostSourceOf(undefined), 'local');
    // The node's tank through it: the kubeconfig's proxy URL.
    const tank = tankFor({ source: 'kubeconfig', url: '', timeoutMs: 1000, kubeconfig: text }) as HostSharkTank;
    assert.equal(tank.service.httpBase, 'https://api.example:6443/api/v1/namespaces/edgeshark/services/http:packetflix:5001/proxy');
  });
});
