// End to end: this package from `npm pack` in a fresh Node-RED 4.1 user directory, every example
// flow deployed through the admin API, then Debian's chromium (playwright-core) drives the
// editor: drop a capture node, pick csharg-t2 from the drop-down the runtime filled from
// discovery, deploy, and see the packets the bed sends in the debug sidebar. The example that
// shows an Edgeshark host is pointed at the bed's real Packetflix (svc1) at deploy time, and its
// injects list svc1's targets and capture from it, seen as a user sees them: in the debug
// messages the runtime sends the editor. Ports 44500-44501.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { buildAndPack, startNodeRed, userDirWith } from '../support/nodered-server';
import { packetflixDumpcaps, processGone } from '../support/processes';
import type { ServiceDumpcap } from '../support/processes';
import { REPO_ROOT, bedNamespace, requireBed, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'nodered-e2e');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface FlowNode { id: string; type: string; [key: string]: unknown }

function exampleFlows(): { file: string; nodes: FlowNode[] }[] {
  const dir = path.join(REPO_ROOT, 'examples', 'flows');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => ({ file, nodes: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as FlowNode[] }));
}

// The example with an Edgeshark host, and what a user would change in it to use the bed's svc1:
// the host's URL, and (so that others' traffic on t2 cannot be what the test sees) a filter.
const HOST_EXAMPLE = 'capture-from-edgeshark-host.json';
const HOST_EXAMPLE_FILTER = 'udp port 44501';

function pointedAtSvc1(nodes: FlowNode[], bed: BedEnv): FlowNode[] {
  return nodes.map((n) => {
    if (n.type === 'edgeshark-host') return { ...n, url: serviceUrl(bed, 'svc1') };
    if (n.type === 'edgeshark-capture') return { ...n, filter: HOST_EXAMPLE_FILTER };
    return n;
  });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** Drags a palette entry onto the workspace at (x, y) of the chart; returns the new node's id. */
async function dropNode(page: Page, type: string, x: number, y: number): Promise<string> {
  const before = await page.evaluate((t) => (globalThis as unknown as { RED: RedApi }).RED.nodes.filterNodes({ type: t }).map((n) => n.id), type);
  const palette = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await palette.scrollIntoViewIfNeeded();
  const from = (await palette.boundingBox())!;
  const chart = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(chart.x + x / 2, chart.y + y / 2, { steps: 5 });
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 5 });
  await page.mouse.up();
  const id = await page.waitForFunction(({ t, known }) => {
    const fresh = (globalThis as unknown as { RED: RedApi }).RED.nodes.filterNodes({ type: t }).map((n) => n.id).filter((i) => !known.includes(i));
    return fresh[0] ?? false;
  }, { t: type, known: before }, { timeout: 10_000 });
  return (await id.jsonValue()) as string;
}

/** The page's document, as far as the test reads it (the project compiles without the DOM lib). */
interface BrowserDocument { document: { querySelector(selector: string): { textContent: string | null } | null } }

interface RedApi {
  nodes: { filterNodes(q: object): { id: string }[]; node(id: string): object; addLink(l: object): void; dirty(d: boolean): void };
  view: { redraw(full: boolean): void };
  editor: { edit(node: object): void };
  sidebar: { show(id: string): void };
}

test('npm pack → fresh Node-RED 4.1 → examples deploy (the Edgeshark host one captures from the real Packetflix) → editor: pick csharg-t2, deploy, packets in the debug sidebar', { timeout: 600_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  if (!bed.services.available) {
    const why = `the real Edgeshark services are not running: ${bed.services.reason ?? 'not started'}`;
    if (process.env.CI === 'true') throw new Error(`test bed prerequisite missing (CI=true never skips): ${why}`);
    t.diagnostic(`${HOST_EXAMPLE} is deployed as shipped but not run: ${why}`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const packDir = mkdtempSync(path.join(tmpdir(), 'csharg-pack-'));
  t.after(() => rmSync(packDir, { recursive: true, force: true }));
  const tarball = await buildAndPack(packDir);
  const userDir = await userDirWith(tarball);
  const server = await startNodeRed(userDir);
  t.after(() => server.stop());

  // The pack is installed and its node types are known.
  const nodeSets = await (await fetch(`${server.url}/nodes`, { headers: { Accept: 'application/json' } })).json() as { module: string; types: string[]; err?: string }[];
  const ours = nodeSets.filter((s) => s.module === '@csharg/node-red-edgeshark');
  assert.ok(ours.length > 0, 'the pack is loaded');
  assert.deepEqual(ours.filter((s) => s.err), [], 'no node set failed to load');
  const types = ours.flatMap((s) => s.types);
  for (const type of ['edgeshark-host', 'edgeshark-capture', 'edgeshark-targets', 'pcapng-write', 'pcapng-replay']) assert.ok(types.includes(type), type);

  // Every example, deployed together through the admin API.
  const examples = exampleFlows();
  assert.ok(examples.some((e) => e.file === HOST_EXAMPLE), `${HOST_EXAMPLE} is among the examples`);
  const all = examples.flatMap((e) => (e.file === HOST_EXAMPLE && bed.services.available ? pointedAtSvc1(e.nodes, bed) : e.nodes));
  const deploy = await fetch(`${server.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: all }),
  });
  assert.equal(deploy.status, 200, await deploy.text());
  const deployed = await (await fetch(`${server.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json() as { flows: FlowNode[] };
  assert.equal(deployed.flows.length, all.length, 'every example node is deployed');
  assert.doesNotMatch(server.output(), /Waiting for missing types|Error loading/);

  if (bed.services.available) {
    await hostExampleCaptures(server.url, bed).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nnode-red said:\n${server.output().slice(-4000)}`, { cause: err });
    });
  }

  const browserProfile = mkdtempSync(path.join(tmpdir(), 'csharg-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(browserProfile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 },
  });
  try {
    await driveEditor(context, server.url);
  } finally {
    // The browser goes before its profile directory and before the server.
    await context.close();
    rmSync(browserProfile, { recursive: true, force: true });
  }
});

async function driveEditor(context: BrowserContext, url: string): Promise<void> {
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(url);
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="edgeshark-capture"]', { timeout: 60_000 });
  await shot(page, '01-editor');

  const captureId = await dropNode(page, 'edgeshark-capture', 300, 500);
  const debugId = await dropNode(page, 'debug', 600, 500);
  await shot(page, '02-dropped');

  // Open the capture node's dialog: the runtime fills the target drop-down from discovery.
  await page.locator(`g.red-ui-flow-node-group[id="${captureId}"] rect.red-ui-flow-node`).dblclick();
  await page.waitForSelector('#node-input-target-select', { timeout: 10_000 });
  // Each example brought its own "this machine" host: pick one (the picker then asks the runtime).
  const hostValue = await page.locator('#node-input-host option', { hasText: 'this machine' }).first().getAttribute('value');
  await page.selectOption('#node-input-host', hostValue);
  const t2 = page.locator('#node-input-target-select optgroup option', { hasText: /^csharg-t2 \(PID \d+\)$/ });
  await t2.waitFor({ state: 'attached', timeout: 30_000 }).catch(async (err: unknown) => {
    await shot(page, '03-dialog-without-targets');
    throw err;
  });
  const labels = await page.locator('#node-input-target-select option').allTextContents();
  assert.ok(labels.some((l) => /^csharg-t1 \(PID \d+\)$/.test(l)) && labels.some((l) => l === '/run/netns/csharg-empty'), labels.join(', '));
  const t2Label = (await t2.textContent())!;
  await page.selectOption('#node-input-target-select', { label: t2Label });
  await page.fill('#node-input-filter', 'udp port 44500');
  await page.selectOption('#node-input-output', 'packets');
  await shot(page, '03-dialog');
  await page.click('#node-dialog-ok');

  // The wire from the capture node to the debug node (drawn through the editor's API).
  await page.evaluate(({ c, d }) => {
    const RED = (globalThis as unknown as { RED: RedApi }).RED;
    RED.nodes.addLink({ source: RED.nodes.node(c), sourcePort: 0, target: RED.nodes.node(d) });
    RED.nodes.dirty(true);
    RED.view.redraw(true);
  }, { c: captureId, d: debugId });

  await page.click('#red-ui-header-button-deploy');
  const confirm = page.locator('#node-dialog-confirm-deploy-deploy');
  if (await confirm.isVisible({ timeout: 2000 }).catch(() => false)) await confirm.click();
  await page.evaluate(() => (globalThis as unknown as { RED: RedApi }).RED.sidebar.show('debug'));
  await page.waitForFunction((id) => /capturing/.test((globalThis as unknown as BrowserDocument).document.querySelector(`g[id="${id}"] .red-ui-flow-node-status-label`)?.textContent ?? ''), captureId, { timeout: 30_000 });
  await shot(page, '04-deployed');

  // Traffic until the debug sidebar shows t2's packets (bounded rounds). The examples' own debug
  // nodes also show messages with t2's topic (packets per second), so look for packet contents.
  const packet = page.locator('.red-ui-debug-msg', { has: page.locator('.red-ui-debug-msg-topic', { hasText: t2Label.replace(/ \(PID (\d+)\)$/, '($1)') }), hasText: /interface.*eth0.*timestampNs/s });
  for (let round = 0; round < 10 && (await packet.count()) === 0; round++) {
    await sendUdp({ from: 't1', to: 't2', count: 10, rate: 100, size: 32, port: 44500 });
    await page.waitForTimeout(500);
  }
  await shot(page, '05-debug-sidebar');
  assert.ok((await packet.count()) > 0, 'packets from csharg-t2 in the debug sidebar');
}

/** A debug message as the runtime sends it to the editor (topic "debug" on /comms). */
interface DebugMessage { id: string; topic?: string; msg: string; format?: string }

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The deployed Edgeshark host example, driven as a user would: its injects pressed through the
 * admin API, its debug output read from the runtime's /comms socket (what the debug sidebar shows).
 */
async function hostExampleCaptures(url: string, bed: BedEnv): Promise<void> {
  const byId = new Map(exampleFlows().find((e) => e.file === HOST_EXAMPLE)!.nodes.map((n) => [n.id, n]));
  const idOf = (type: string, name?: string): string => [...byId.values()].find((n) => n.type === type && (name === undefined || n.name === name))!.id;
  const debug: DebugMessage[] = [];
  const comms = new WebSocket(`${url.replace(/^http/, 'ws')}/comms`);
  await new Promise<void>((resolve, reject) => comms.once('open', () => resolve()).once('error', reject));
  try {
    comms.on('message', (data: Buffer) => {
      for (const item of JSON.parse(data.toString()) as { topic: string; data: DebugMessage }[]) if (item.topic === 'debug') debug.push(item.data);
    });
    comms.send(JSON.stringify({ subscribe: 'debug' }));
    // The deploy's answer can come before the flows have started: a 404 until the node exists.
    const press = async (id: string): Promise<void> => {
      const status = await until(`inject node ${id} in the runtime`, async () => {
        const res = await fetch(`${url}/inject/${id}`, { method: 'POST' });
        return res.status === 404 ? undefined : res.status;
      });
      assert.equal(status, 200, `inject ${id}`);
    };
    const from = (id: string): DebugMessage[] => debug.filter((d) => d.id === id);
    const t2 = bedNamespace(bed, 't2');
    const t2Label = `${t2.name}(${t2.keeperPid})`;
    const packetflixPid = bed.services.hosts.find((h) => h.name === 'svc1')!.packetflixPid!;

    // "list targets": svc1's discovery, as the debug sidebar shows it.
    await press(idOf('inject', 'list targets'));
    const listed = await until('target list from svc1', () => from(idOf('debug', 'targets'))[0]);
    assert.ok(listed.msg.includes(`"name":"${t2Label}"`), listed.msg.slice(0, 500));
    assert.ok(listed.msg.includes(`"nodeName":"${new URL(serviceUrl(bed, 'svc1')).hostname}"`), 'the targets come from svc1');

    // "start csharg-t2": the real Packetflix runs dumpcap for it.
    await press(idOf('inject', 'start csharg-t2'));
    const dumpcap = await until<ServiceDumpcap>('dumpcap at svc1 for the example', () => {
      const found = packetflixDumpcaps(packetflixPid).filter((d) => d.args.includes(HOST_EXAMPLE_FILTER));
      return found.length === 1 ? found[0] : undefined;
    });
    const packetsDebug = idOf('debug', 'packets');
    const packets = (): DebugMessage[] => from(packetsDebug).filter((d) => d.topic === t2Label && /"interface":"eth0"/.test(d.msg));
    for (let round = 0; round < 10 && packets().length === 0; round++) {
      await sendUdp({ from: 't1', to: 't2', count: 10, rate: 100, size: 32, port: 44501 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    assert.ok(packets().length > 0, `batches of t2's packets from svc1 in the debug messages (${from(packetsDebug).length} from the packets debug node)`);

    // "stop": the capture ends gracefully, and with it the server's dumpcap.
    await press(idOf('inject', 'stop'));
    await processGone(dumpcap.pid, 15_000);
    assert.deepEqual(from(idOf('debug', 'errors')).map((d) => d.msg), [], 'nothing reached the catch node');
  } finally {
    comms.close();
  }
}
