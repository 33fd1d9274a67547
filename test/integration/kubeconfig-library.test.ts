// newSharkTankFromKubeconfig through the test bed's REAL Kubernetes API server (kube-apiserver
// v1.37.2 in front of svc1's real Packetflix and Gostwire, scripts/edgeshark-testbed.sh): the
// service-proxy URL, the credentials and the CA all come from a kubeconfig as kubectl reads it:
// the bed's token kubeconfig (CA as a file), its client-certificate kubeconfig (all embedded), and
// a KUBECONFIG list that merges a file of this test's own (relative paths to copies of the client
// certificate, a tokenFile) with the bed's. What Packetflix ran is read from its dumpcap (/proc).
// Traffic: UDP 46000-46099 only.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiscoveryError } from '../../src/core/capture-errors';
import { KubeconfigError, loadKubeconfig, newSharkTankFromKubeconfig } from '../../src/core/host/kubeconfig';
import type { KubeconfigTankOptions } from '../../src/core/host/kubeconfig';
import { requireKube } from '../support/kube';
import type { BedKube } from '../support/kube';
import { captureUdpThroughPacketflix, dumpcapInterfaces, keeperTarget } from '../support/real-packetflix';
import type { UdpCaptureResult } from '../support/real-packetflix';
import { bedAddress, bedNamespace } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const NO_PROXY: Pick<KubeconfigTankOptions, 'proxy'> = { proxy: false };

describe('newSharkTankFromKubeconfig through the REAL kube-apiserver\'s service proxy', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'csharg-kubeconfig-lib-'));
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * A KUBECONFIG list: a file of the test's own first (user `cert-user` with client-certificate
   * and client-key relative to its folder, user `file-user` with a relative tokenFile, contexts for
   * both on the bed's cluster, current-context bed-cert), a missing file, then the bed's kubeconfig
   * (which defines the cluster and sets its own current-context, which loses).
   */
  function mergedKubeconfig(kube: BedKube): string {
    const dir = path.join(tmp, 'merged');
    mkdirSync(path.join(dir, 'certs'), { recursive: true });
    copyFileSync(kube.clientCert, path.join(dir, 'certs', 'client.pem'));
    copyFileSync(kube.clientKey, path.join(dir, 'certs', 'client.key'));
    writeFileSync(path.join(dir, 'token'), `${kube.token}\n`);
    const bedCluster = String(/^- name: (\S+)\n {2}cluster:/m.exec(readFileSync(kube.kubeconfig, 'utf8'))?.[1]);
    const mine = path.join(dir, 'mine.yaml');
    writeFileSync(
      mine,
      [
        'apiVersion: v1',
        'kind: Config',
        'users:',
        '- name: cert-user',
        '  user:',
        '    client-certificate: certs/client.pem',
        '    client-key: certs/client.key',
        '- name: file-user',
        '  user:',
        '    tokenFile: token',
        'contexts:',
        '- name: bed-cert',
        `  context: {cluster: ${bedCluster}, user: cert-user}`,
        '- name: bed-tokenfile',
        `  context: {cluster: ${bedCluster}, user: file-user}`,
        'current-context: bed-cert',
        '',
      ].join('\n'),
    );
    return [mine, path.join(dir, 'missing.yaml'), kube.kubeconfig].join(path.delimiter);
  }

  /** Captures t2's eth0 with `udp port PORT` through a kubeconfig tank: what dumpcap ran, and the datagrams tshark reads. */
  async function captureThrough(bed: BedEnv, options: KubeconfigTankOptions, port: number): Promise<UdpCaptureResult> {
    const tank = newSharkTankFromKubeconfig({ ...NO_PROXY, ...options });
    const t2 = keeperTarget(await tank.targets(), bed, 't2');
    return captureUdpThroughPacketflix(bed, tank, t2, { port, count: 25, dir: tmp });
  }

  it('the bed\'s token kubeconfig (CA as a file) and its client-certificate kubeconfig (all embedded): the proxy URL of edgeshark/packetflix:5001, discovery lists the bed\'s targets', { timeout: 120_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    for (const kubeconfig of [s.kube.kubeconfig, s.kube.kubeconfigClientCert]) {
      const access = loadKubeconfig({ kubeconfig });
      assert.equal(access.serviceUrl, s.kube.proxyUrl, kubeconfig);
      const tank = newSharkTankFromKubeconfig({ kubeconfig, ...NO_PROXY });
      assert.equal(tank.service.httpBase, s.kube.proxyUrl);
      const targets = await tank.targets();
      for (const h of ['t1', 't2', 't3', 't4', 'hub']) assert.equal(keeperTarget(targets, s.bed, h).netns, bedNamespace(s.bed, h).netns, `${kubeconfig}: ${h}`);
      assert.ok(targets.every((x) => x.nodeName === new URL(s.kube.url).hostname));
    }
    // The two authenticate differently: one has a token and no certificate, the other the reverse.
    const byToken = loadKubeconfig({ kubeconfig: s.kube.kubeconfig });
    assert.equal(byToken.bearerToken, s.kube.token);
    assert.equal(byToken.tls.cert, undefined);
    const byCert = loadKubeconfig({ kubeconfig: s.kube.kubeconfigClientCert });
    assert.equal(byCert.bearerToken, undefined);
    assert.deepEqual(byCert.tls.cert, readFileSync(s.kube.clientCert));
  });

  it('a capture of t2\'s eth0 with a filter, through each kubeconfig: Packetflix\'s dumpcap runs exactly -i eth0 -f FILTER in t2\'s netns and every datagram arrives', { timeout: 240_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    for (const [port, kubeconfig] of [[46001, s.kube.kubeconfig], [46002, s.kube.kubeconfigClientCert]] as const) {
      const got = await captureThrough(s.bed, { kubeconfig }, port);
      assert.deepEqual(dumpcapInterfaces({ pid: 0, args: got.args }), ['eth0'], got.args.join(' '));
      assert.equal(got.args[got.args.indexOf('-f') + 1], `udp port ${port}`);
      assert.equal(got.netns, bedNamespace(s.bed, 't2').netns);
      assert.equal(got.rows.length, 25, `${kubeconfig}: ${got.rows.length} datagrams`);
      assert.ok(got.rows.every((r) => r[0] === 'eth0' && r[1] === bedAddress(s.bed, 't1') && r[2] === bedAddress(s.bed, 't2')), JSON.stringify(got.rows.slice(0, 3)));
    }
  });

  it('KUBECONFIG merged as kubectl does: the first file\'s current-context (client certificate by relative paths) and a tokenFile context, both reach the real API server; the bed\'s cluster comes from the second file', { timeout: 240_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const env = { KUBECONFIG: mergedKubeconfig(s.kube) };
    const cert = loadKubeconfig({ env });
    assert.equal(cert.context, 'bed-cert');
    assert.equal(cert.server, s.kube.url);
    assert.equal(cert.bearerToken, undefined);
    assert.deepEqual(cert.tls.cert, readFileSync(s.kube.clientCert));
    assert.deepEqual(cert.tls.ca, readFileSync(s.kube.ca), 'the CA from the bed\'s file');
    const viaFile = loadKubeconfig({ env, context: 'bed-tokenfile' });
    assert.equal(viaFile.bearerToken, s.kube.token, 'tokenFile read and trimmed');

    const byCert = await captureThrough(s.bed, { env }, 46010);
    assert.equal(byCert.rows.length, 25);
    const byTokenFile = await captureThrough(s.bed, { env, context: 'bed-tokenfile' }, 46011);
    assert.equal(byTokenFile.rows.length, 25);
    assert.equal(byTokenFile.args[byTokenFile.args.indexOf('-f') + 1], 'udp port 46011');
  });

  it('what goes wrong is said: a wrong token (401) and a Service that does not exist (404) name the proxy URL; an unknown context lists the known ones; no CA in the kubeconfig: the API server\'s certificate is refused', { timeout: 120_000 }, async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const wrong = path.join(tmp, 'wrong-token.yaml');
    writeFileSync(wrong, readFileSync(s.kube.kubeconfig, 'utf8').replace(s.kube.token, `${s.kube.token}-wrong`));
    await assert.rejects(newSharkTankFromKubeconfig({ kubeconfig: wrong, ...NO_PROXY }).targets(), (err: unknown) => {
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.equal(err.status, 401);
      assert.ok(err.message.includes(`${s.kube.proxyUrl}/discover/mobyshark`), err.message);
      return true;
    });
    const missing = newSharkTankFromKubeconfig({ kubeconfig: s.kube.kubeconfig, service: 'edgeshark/csharg-no-such-service:5001', ...NO_PROXY });
    await assert.rejects(missing.targets(), (err: unknown) => {
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.equal(err.status, 404);
      assert.match(err.message, /services \\?"csharg-no-such-service\\?" not found/);
      assert.ok(err.message.includes('/api/v1/namespaces/edgeshark/services/http:csharg-no-such-service:5001/proxy/discover/mobyshark'), err.message);
      return true;
    });
    assert.throws(() => newSharkTankFromKubeconfig({ kubeconfig: s.kube.kubeconfig, context: 'csharg-no-such-context' }), (err: unknown) => {
      assert.ok(err instanceof KubeconfigError);
      assert.match(err.message, /context was not found for specified context: csharg-no-such-context \(contexts: /);
      return true;
    });
    const noCa = path.join(tmp, 'no-ca.yaml');
    writeFileSync(noCa, readFileSync(s.kube.kubeconfig, 'utf8').replace(/^\s*certificate-authority: .*\n/m, ''));
    assert.equal(loadKubeconfig({ kubeconfig: noCa }).tls.ca, undefined);
    await assert.rejects(newSharkTankFromKubeconfig({ kubeconfig: noCa, ...NO_PROXY }).targets(), (err: unknown) => {
      assert.ok(err instanceof DiscoveryError, String(err));
      assert.match(err.message, /certificate/i);
      return true;
    });
  });
});
