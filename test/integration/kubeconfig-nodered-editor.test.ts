// The Edgeshark host node's "Kubernetes (kubeconfig)" source in the real editor (Node-RED 4.1 with
// this package from `npm pack`, Debian's Chromium): from the capture node's dialog the user edits
// a "this machine" host to Kubernetes, pastes the bed's kubeconfig into the credential's text area
// (the URL, token and TLS rows hidden), sets the context and Service, and deploys. The runtime then
// has source kubeconfig with the credential saved (has_kubeconfig), and the capture dialog's target
// drop-down lists the bed's targets through the REAL kube-apiserver (the answer's host is the proxy
// URL; Gostwire's own name for the process-less namespace). Node-RED on a port in 46400-46499.
// Artifacts (screenshots) in artifacts/kubeconfig-editor/.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { requireKube } from '../support/kube';
import { buildAndPack, freePortIn, startNodeRed, userDirWith } from '../support/nodered-server';
import type { NodeRedServer } from '../support/nodered-server';
import { REPO_ROOT, bedNamespace } from '../support/testbed';

const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'kubeconfig-editor');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const FLOW = [
  { id: 'k19tab', type: 'tab', label: 'kubeconfig' },
  { id: 'k19host', type: 'edgeshark-host', source: 'local', url: '', timeout: 30 },
  { id: 'k19cap', z: 'k19tab', type: 'edgeshark-capture', host: 'k19host', target: '', start: 'msg', output: 'packets', x: 200, y: 100, wires: [] },
];

describe('Node-RED editor: an Edgeshark host switched to Kubernetes with a pasted kubeconfig', { timeout: 900_000 }, () => {
  let server: NodeRedServer | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let packDir = '';
  let profile = '';
  const shot = async (name: string): Promise<void> => {
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => undefined);
  };

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('paste the kubeconfig, set context and Service, deploy: the runtime has it, and the picker lists the bed\'s targets through the API server', async (t) => {
    const s = await requireKube(t);
    if (!s) return;
    const { kube, bed } = s;
    const kubeconfigText = readFileSync(kube.kubeconfig, 'utf8');
    const contextName = String(/^current-context: (\S+)/m.exec(kubeconfigText)?.[1]);
    mkdirSync(ARTIFACTS, { recursive: true });
    packDir = mkdtempSync(path.join(tmpdir(), 'csharg-k19-pack-'));
    const userDir = await userDirWith(await buildAndPack(packDir));
    writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(FLOW));
    server = await startNodeRed(userDir, await freePortIn(46400, 46499));
    profile = mkdtempSync(path.join(tmpdir(), 'csharg-k19-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 } });
    page = context.pages()[0] ?? await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('g[id="k19cap"]', { timeout: 120_000 });

    // The capture node's dialog, then the host's own from its pencil button.
    await page.locator('g[id="k19cap"] rect.red-ui-flow-node').dblclick();
    await page.waitForSelector('#node-input-target-select', { timeout: 30_000 });
    await page.click('#node-input-btn-host-edit');
    await page.waitForSelector('#node-config-input-source', { state: 'visible', timeout: 30_000 });
    await page.selectOption('#node-config-input-source', 'kubeconfig');
    // The kubeconfig rows instead of the URL's; the timeout stays.
    await page.waitForSelector('#node-config-input-kubeconfig', { state: 'visible', timeout: 10_000 });
    assert.equal(await page.isVisible('#node-config-input-url'), false, 'URL row hidden');
    assert.equal(await page.isVisible('#node-config-input-token'), false, 'token row hidden');
    assert.equal(await page.isVisible('#node-config-input-timeout'), true, 'timeout row shown');
    assert.equal(await page.getAttribute('#node-config-input-service', 'placeholder'), 'edgeshark/packetflix:5001');
    await page.fill('#node-config-input-kubeconfig', kubeconfigText);
    await page.fill('#node-config-input-context', contextName);
    await page.fill('#node-config-input-service', kube.service);
    await shot('host-dialog-kubeconfig');
    await page.click('#node-config-dialog-ok');
    await page.waitForSelector('#node-config-input-source', { state: 'detached', timeout: 30_000 });
    await page.click('#node-dialog-ok');
    await page.waitForSelector('#node-input-target-select', { state: 'detached', timeout: 30_000 });

    // Deploy; the runtime has the kubeconfig host and its credential.
    const deployed = page.waitForResponse((r) => r.url().endsWith('/flows') && r.request().method() === 'POST', { timeout: 60_000 });
    await page.click('#red-ui-header-button-deploy');
    assert.equal((await deployed).status(), 200);
    const flows = await (await fetch(`${server.url}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } })).json() as Array<{ id: string; source?: string; context?: string; service?: string }>;
    const host = flows.find((n) => n.id === 'k19host');
    assert.deepEqual({ source: host?.source, context: host?.context, service: host?.service }, { source: 'kubeconfig', context: contextName, service: kube.service });
    const creds = await (await fetch(`${server.url}/credentials/edgeshark-host/k19host`)).json() as Record<string, unknown>;
    assert.equal(creds.has_kubeconfig, true, JSON.stringify(creds));
    assert.equal('kubeconfig' in creds, false, 'the editor never gets the kubeconfig back');

    // The picker, after the deploy: through the API server's proxy.
    const asked = page.waitForResponse((r) => r.url().includes('/edgeshark/targets-for?') && r.url().includes('source=kubeconfig'), { timeout: 60_000 });
    await page.locator('g[id="k19cap"] rect.red-ui-flow-node').dblclick();
    const response = await asked.catch(async (err: unknown) => {
      await shot('no-request');
      throw err;
    });
    assert.equal(response.status(), 200, await response.text());
    assert.equal(new URL(response.url()).searchParams.get('context'), contextName);
    assert.equal(((await response.json()) as { host: string }).host, kube.proxyUrl);
    const t2 = bedNamespace(bed, 't2');
    await page.locator('#node-input-target-select optgroup option', { hasText: `${t2.name} (PID ${t2.keeperPid})` }).waitFor({ state: 'attached', timeout: 30_000 });
    // Gostwire's name for the process-less namespace (this machine's own discovery names it /run/netns/csharg-empty).
    await page.locator('#node-input-target-select optgroup option', { hasText: '/proc/2/ns/mnt:/run/netns/csharg-empty' }).waitFor({ state: 'attached', timeout: 30_000 });
    await shot('picker-through-kube');
    await page.click('#node-dialog-cancel');
  });
});
