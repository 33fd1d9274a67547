// The live dashboard example (issue 16, item 6) in a real Node-RED 4.1: this package from
// `npm pack` and @flowfuse/node-red-dashboard (Dashboard 2, the version of the repo's dev
// dependency, from npm's cache) in a fresh user directory, examples/flows/live-dashboard.json
// deployed through the admin API with its captures filtered to this test's port and its pcapng
// file in a temporary directory. Bounded UDP traffic t1 → t2 while Debian's chromium
// (playwright-core) shows /dashboard: the chart gets points for both targets (read from the
// dashboard's socket.io messages to the page, and both lines' colours in its canvas), the top talkers table has t1's
// address, the alerts list has the packet-alert rule, and the Save button writes a pcapng file
// of the last 30 s that tshark reads (both targets' eth0 apart, the test's packets in it).
// Ports: UDP 53001 (traffic), Node-RED on 127.0.0.1:53400-53499.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { buildAndPack, freePortIn, startNodeRed, userDirWith } from '../support/nodered-server';
import { REPO_ROOT, bedAddress, bedNamespace, requireBed, sendUdp, tsharkFields } from '../support/testbed';

const execFileAsync = promisify(execFile);
const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'nodered-dashboard');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'flows', 'live-dashboard.json');
const DASHBOARD = '@flowfuse/node-red-dashboard';
const PORT = 53001;
const FILTER = `udp port ${PORT}`;

interface FlowNode { id: string; type: string; [key: string]: unknown }

/** The example as a user on the bed would deploy it: captures filtered to our port, the file in `dir`. */
function exampleFor(dir: string): FlowNode[] {
  const nodes = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as FlowNode[];
  return nodes.map((n) => {
    if (n.type === 'edgeshark-capture') return { ...n, filter: FILTER };
    if (n.type === 'pcapng-write') return { ...n, filename: path.join(dir, 'dashboard.pcapng') };
    return n;
  });
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A message the dashboard's socket.io sent the page for a widget (event `msg-input:<id>`). */
interface WidgetMessage { id: string; msg: { topic?: unknown; payload?: unknown; [key: string]: unknown } }

/** socket.io frames the page received: `42["msg-input:dash-chart",{…}]` (Engine.IO 4 message, Socket.IO event). */
function widgetMessages(frame: string): WidgetMessage[] {
  const m = /^42(\[.*\])$/s.exec(frame);
  if (!m) return [];
  const [event, msg] = JSON.parse(m[1]!) as [string, WidgetMessage['msg']];
  const id = /^msg-input:(.+)$/.exec(event)?.[1];
  return id ? [{ id, msg }] : [];
}

test('live dashboard example: npm pack + Dashboard 2 in Node-RED 4.1, traffic t1 → t2: the chart gets points per target, top talkers and alerts have rows, Save writes the last 30 s as pcapng', { timeout: 900_000 }, async (t) => {
  const bed = await requireBed(t);
  if (!bed) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'csharg-dashboard-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const tarball = await buildAndPack(work);
  const userDir = await userDirWith(tarball);
  t.after(() => rmSync(userDir, { recursive: true, force: true }));
  // The same Dashboard 2 as the repo's dev dependency (npm's cache has it since `npm install`), as
  // a user installs it. (A node-red run from the repo's node_modules also finds the repo's copy
  // next to it, so every Node-RED of the tests has Dashboard 2; the versions are the same.)
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', DASHBOARD, 'package.json'), 'utf8')) as { version: string }).version;
  await execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `${DASHBOARD}@${version}`], { cwd: userDir, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  const server = await startNodeRed(userDir, await freePortIn(53400, 53499));
  t.after(() => server.stop());

  const nodeSets = await (await fetch(`${server.url}/nodes`, { headers: { Accept: 'application/json' } })).json() as { module: string; types: string[]; err?: string }[];
  for (const module of ['@csharg/node-red-edgeshark', DASHBOARD]) {
    const sets = nodeSets.filter((s) => s.module === module);
    assert.ok(sets.length > 0, `${module} is loaded`);
    assert.deepEqual(sets.filter((s) => s.err).map((s) => s.err), [], `no node set of ${module} failed to load`);
  }

  const saveDir = path.join(work, 'saved');
  mkdirSync(saveDir);
  const flow = exampleFor(saveDir);
  const deploy = await fetch(`${server.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: flow }),
  });
  assert.equal(deploy.status, 200, await deploy.text());
  assert.doesNotMatch(server.output(), /Waiting for missing types|Error loading/);

  const t1 = bedNamespace(bed, 't1');
  const t2 = bedNamespace(bed, 't2');
  const labels = [`${t1.name}(${t1.keeperPid})`, `${t2.name}(${t2.keeperPid})`];
  const t1Address = bedAddress(bed, 't1');

  const browserProfile = mkdtempSync(path.join(tmpdir(), 'csharg-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(browserProfile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const received: WidgetMessage[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => { if (typeof payload === 'string') received.push(...widgetMessages(payload)); }));
    await page.goto(`${server.url}/dashboard`);
    await page.getByText('Save last 30 s as pcapng').waitFor({ timeout: 60_000 });

    // Traffic in bounded rounds, 3 s each at 750 and 250 packets/s in turn (the alert is above
    // 500 pps), at least two, until the chart has points above 0 of both targets, the talkers
    // table a row and the alerts list an alert.
    const chartPoints = (label: string): number[] => received.filter((m) => m.id === 'dash-chart' && m.msg.topic === label).map((m) => Number(m.msg.payload));
    const talkerRows = page.locator('#nrdb-ui-widget-dash-talkers tbody tr', { hasText: t1Address });
    const alertRows = page.locator('#nrdb-ui-widget-dash-alerts tbody tr', { hasText: `${t1.name} busy` });
    let sent = 0;
    const firstSent = Date.now();
    for (let round = 0; round < 8; round++) {
      const rate = round % 2 === 0 ? 750 : 250;
      sent += (await sendUdp({ from: 't1', to: 't2', count: 3 * rate, rate, size: 64, port: PORT })).sent;
      await page.waitForTimeout(1500);
      if (round >= 1 && labels.every((l) => chartPoints(l).some((p) => p > 0)) && (await talkerRows.count()) > 0 && (await alertRows.count()) > 0) break;
    }
    await page.waitForTimeout(2500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png') });
    t.diagnostic(`sent ${sent} packets; chart points: ${labels.map((l) => `${l} ${chartPoints(l).length} (max ${Math.max(0, ...chartPoints(l))} pps)`).join(', ')}`);
    for (const l of labels) assert.ok(chartPoints(l).filter((p) => p > 0).length >= 2, `the chart got points above 0 pps for ${l}: ${chartPoints(l).join(', ')}`);
    // The line chart is drawn (ECharts' canvas) with a legend of both targets.
    const canvas = page.locator('#nrdb-ui-widget-dash-chart canvas').first();
    await canvas.waitFor({ timeout: 10_000 });
    const box = (await canvas.boundingBox())!;
    assert.ok(box.width > 100 && box.height > 100, `the chart's canvas is drawn (${box.width}×${box.height})`);
    // Both lines are on it: pixels of the example's first two series colours (#0095FF, #FF0000) in
    // the plot area (below the legend, which has them too).
    const colours = await canvas.evaluate((el) => {
      const c = el as unknown as { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const top = Math.floor(c.height * 0.3);
      const { data } = c.getContext('2d').getImageData(0, top, c.width, c.height - top);
      // (no named functions in here: tsx's __name helper does not exist in the page)
      let blue = 0;
      let red = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a < 200) continue;
        if (r < 40 && Math.abs(g - 0x95) < 40 && b > 215) blue++;
        else if (r > 215 && g < 40 && b < 40) red++;
      }
      return { blue, red };
    });
    t.diagnostic(`chart canvas: ${colours.blue} pixels of the first line's colour, ${colours.red} of the second's`);
    assert.ok(colours.blue > 100 && colours.red > 100, `both lines drawn in the plot area: ${JSON.stringify(colours)}`);
    assert.ok((await talkerRows.count()) > 0, `the top talkers table has a row for ${t1Address}`);
    assert.ok((await alertRows.count()) > 0, `the alerts list has '${t1.name} busy'`);
    const talkers = received.filter((m) => m.id === 'dash-talkers').at(-1)?.msg.payload as { target: string; source: string; packets: number }[] | undefined;
    assert.ok(talkers?.some((r) => labels.includes(r.target) && r.source === t1Address && r.packets > 0), JSON.stringify(talkers));

    // Save: the ring's last 30 s into a pcapng file, whose name the dashboard then shows.
    const spanMs = Date.now() - firstSent;
    await page.getByRole('button', { name: /Save last 30 s as pcapng/ }).click();
    const file = await until('a saved pcapng file', () => {
      const names = readdirSync(saveDir).filter((f) => f.endsWith('.pcapng'));
      const saved = received.find((m) => m.id === 'dash-saved');
      return saved && names.length === 1 ? path.join(saveDir, names[0]!) : undefined;
    }, 60_000);
    await page.getByText(path.basename(file)).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-saved.png') });
    assert.ok(statSync(file).size > 0);
    const rows = await tsharkFields(file, ['frame.interface_name', 'ip.src', 'udp.dstport']);
    const ifaces = new Set(rows.map((r) => r[0]));
    t.diagnostic(`${path.basename(file)}: ${rows.length} packets, interfaces ${[...ifaces].join(', ')}`);
    for (const l of labels) {
      const count = rows.filter((r) => r[0] === `${l}/eth0`).length;
      // Every packet sent, seen on both sides, when all the traffic lies within the 30 s kept.
      if (spanMs < 28_000) assert.equal(count, sent, `${l}/eth0: the ${sent} packets sent (${[...ifaces].join(', ')})`);
      else assert.ok(count > 0 && count <= sent, `${l}/eth0: ${count} of ${sent} packets (traffic over ${spanMs} ms, more than the 30 s kept)`);
    }
    assert.ok(rows.length > 0 && rows.every((r) => r[1] === t1Address && r[2] === String(PORT)), 'only the test\'s packets (t1 → t2 on its port) are in the file');
  } finally {
    await context.close();
    rmSync(browserProfile, { recursive: true, force: true });
  }
  assert.doesNotMatch(server.output(), /\[error\]/, server.output().slice(-3000));
});
