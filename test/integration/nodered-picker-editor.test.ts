// The capture node's target picker in the real editor (Node-RED 4.1 with this package from
// `npm pack`, Debian's Chromium), issue 16 item 3: a flow deployed with a "this machine" host; in
// the capture node's dialog the user edits that host to svc1's URL (the real Packetflix/Gostwire)
// and, without deploying, the target drop-down lists svc1's targets: the editor asked
// /edgeshark/targets-for with svc1's URL, and the list has Gostwire's name for the process-less
// namespace (`/proc/2/ns/mnt:/run/netns/csharg-empty`; this machine's own discovery names it
// `/run/netns/csharg-empty`) and csharg-t2 with its PID now. The runtime's flow still has the
// local host (nothing was deployed). Flows saved earlier (a process by name; an old name(PID)
// whose PID is gone) open with the live process selected, not "(not found now)". Artifacts (screenshots) in artifacts/nodered-picker/.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { buildAndPack, startNodeRed, userDirWith } from '../support/nodered-server';
import type { NodeRedServer } from '../support/nodered-server';
import { REPO_ROOT, bedNamespace, requireServices, serviceUrl } from '../support/testbed';

const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'nodered-picker');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function flow(svc1: string): object[] {
  return [
    { id: 'h13tab', type: 'tab', label: 'picker' },
    { id: 'h13host', type: 'edgeshark-host', source: 'local', url: '', timeout: 30 },
    { id: 'h13cap', z: 'h13tab', type: 'edgeshark-capture', host: 'h13host', target: '', start: 'msg', output: 'packets', x: 200, y: 100, wires: [] },
    // Flows saved earlier: a process by its name alone, and an old name(PID) whose PID is gone.
    { id: 'h13svc', type: 'edgeshark-host', source: 'url', url: svc1, timeout: 30 },
    { id: 'h13stable', z: 'h13tab', type: 'edgeshark-capture', host: 'h13svc', target: JSON.stringify({ name: 'csharg-t2', type: 'proc' }), targetLabel: 'csharg-t2', start: 'msg', output: 'packets', x: 200, y: 200, wires: [] },
    { id: 'h13old', z: 'h13tab', type: 'edgeshark-capture', host: 'h13svc', target: JSON.stringify({ name: 'csharg-t1(1)', type: 'proc' }), targetLabel: 'csharg-t1(1)', start: 'msg', output: 'packets', x: 200, y: 300, wires: [] },
  ];
}

describe('Node-RED editor: the target picker of a host switched to a URL, before deploying', { timeout: 900_000 }, () => {
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

  it('edit the host to svc1\'s URL in the capture dialog: svc1\'s targets in the drop-down, nothing deployed', async (t) => {
    const bed = await requireServices(t);
    if (!bed) return;
    const svc1 = serviceUrl(bed, 'svc1');
    mkdirSync(ARTIFACTS, { recursive: true });
    packDir = mkdtempSync(path.join(tmpdir(), 'csharg-h13-pack-'));
    const userDir = await userDirWith(await buildAndPack(packDir));
    writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flow(svc1)));
    server = await startNodeRed(userDir);
    profile = mkdtempSync(path.join(tmpdir(), 'csharg-h13-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 } });
    page = context.pages()[0] ?? await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('g[id="h13cap"]', { timeout: 120_000 });

    // The capture node's dialog, then the host's own dialog from its pencil button (Node-RED 4.1's id).
    await page.locator('g[id="h13cap"] rect.red-ui-flow-node').dblclick();
    await page.waitForSelector('#node-input-target-select', { timeout: 30_000 });
    await page.click('#node-input-btn-host-edit');
    await page.waitForSelector('#node-config-input-source', { state: 'visible', timeout: 30_000 });
    await page.selectOption('#node-config-input-source', 'url');
    await page.fill('#node-config-input-url', svc1);
    const asked = page.waitForResponse((r) => r.url().includes('/edgeshark/targets-for?'), { timeout: 60_000 });
    await page.click('#node-config-dialog-ok');
    const response = await asked.catch(async (err: unknown) => {
      await shot('no-request');
      throw err;
    });
    assert.ok(new URL(response.url()).searchParams.get('url') === svc1, response.url());
    assert.equal(response.status(), 200, await response.text());

    const t2 = bedNamespace(bed, 't2');
    const t2Option = page.locator('#node-input-target-select optgroup option', { hasText: `${t2.name} (PID ${t2.keeperPid})` });
    const gostwireEmpty = page.locator('#node-input-target-select optgroup option', { hasText: '/proc/2/ns/mnt:/run/netns/csharg-empty' });
    await t2Option.waitFor({ state: 'attached', timeout: 30_000 });
    await gostwireEmpty.waitFor({ state: 'attached', timeout: 30_000 }).catch(async (err: unknown) => {
      await shot('not-svc1-list');
      throw err;
    });
    const statusLine = (await page.locator('#node-input-target-status').textContent()) ?? '';
    assert.doesNotMatch(statusLine, /deploy/, statusLine);
    await shot('svc1-targets-before-deploy');
    // Picking stores csharg-t2 without its PID.
    await page.selectOption('#node-input-target-select', { label: `${t2.name} (PID ${t2.keeperPid})` });
    assert.equal(await page.locator('#node-input-target-select').inputValue(), JSON.stringify({ name: t2.name, type: 'proc' }));

    // Nothing was deployed: the runtime's host is still this machine.
    const flows = await (await fetch(`${server.url}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } })).json() as { id: string; source?: string }[];
    assert.equal(flows.find((n) => n.id === 'h13host')?.source, 'local');
    await page.click('#node-dialog-cancel');
  });

  it('stored targets of earlier flows: csharg-t2 by name and an old csharg-t1(PID) whose PID is gone show as the live processes, not "(not found now)"', async (t) => {
    const bed = await requireServices(t);
    if (!bed || !server) return;
    for (const [id, host] of [['h13stable', 't2'], ['h13old', 't1']] as const) {
      const ns = bedNamespace(bed, host);
      await page.locator(`g[id="${id}"] rect.red-ui-flow-node`).dblclick();
      const live = `${ns.name} (PID ${ns.keeperPid})`;
      const select = page.locator('#node-input-target-select');
      await page.waitForFunction((want) => {
        const el = (globalThis as unknown as { document: { querySelector(s: string): { selectedOptions?: { textContent: string | null }[] } | null } }).document.querySelector('#node-input-target-select');
        return el?.selectedOptions?.[0]?.textContent === want;
      }, live, { timeout: 60_000 }).catch(async (err: unknown) => {
        await shot(`stored-${id}`);
        throw new Error(`${id}: selected "${await select.locator('option:checked').textContent()}", not "${live}": ${String(err)}`);
      });
      const texts = await select.locator('option').allTextContents();
      assert.ok(!texts.some((x) => x.includes('not found now')), texts.join(', '));
      // Saved again, it is the form that survives a restart.
      assert.equal(await select.inputValue(), JSON.stringify({ name: ns.name, type: 'proc' }));
      await shot(`stored-${id}`);
      await page.click('#node-dialog-cancel');
      await page.waitForSelector('#node-input-target-select', { state: 'detached', timeout: 30_000 });
    }
  });
});
