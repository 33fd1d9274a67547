// What a new Node-RED user meets (issue 16), in a real Node-RED 4.1 with this package from
// `npm pack` and Debian's Chromium (playwright-core; no browser is downloaded):
//  - the palette: a category of its own ("edgeshark") and names that say what the nodes are;
//  - every node's help, as the help sidebar renders it: no raw `: name (type) :` markup, every
//    property row rendered, every code span kept;
//  - every node's edit dialog: every input labelled, every i18n key found in the node's catalog;
//  - a bad capture filter at the real Packetflix (svc1): the node's status under it starts with
//    the short reason, and the debug sidebar shows the whole message as text, reason first;
//  - a live capture of csharg-t2 on this machine: the status says "N packets", and packet-stats
//    closes its windows on time when the traffic stops (empty windows, "0 pps").
// Ports 49001-49003 (helper H9's range), every capture filtered to them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { buildAndPack, startNodeRed, userDirWith } from '../support/nodered-server';
import type { NodeRedServer } from '../support/nodered-server';
import { REPO_ROOT, bedNamespace, requireBed, requireServices, sendUdp, serviceUrl } from '../support/testbed';
import type { BedEnv } from '../support/testbed';

const ARTIFACTS = path.join(REPO_ROOT, 'artifacts', 'nodered-editor');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PORT_BAD_FILTER = 49001;
const PORT_CAPTURE = 49002;
const PORT_STATS = 49003;
/** nothing listens here (helper H9's range): a host that refuses connections */
const PORT_NOBODY = 49004;

const TYPES = ['edgeshark-host', 'edgeshark-capture', 'edgeshark-targets', 'pcapng-decode', 'packet-filter', 'packet-stats', 'packet-alert', 'pcapng-write', 'pcapng-replay'];

/** What the page gives back about one node's help. */
interface HelpReport { title: string; rows: number; sourceRows: number; codes: number; sourceCodes: number; rawLines: string[]; backticks: string[] }
/** What the page gives back about one edit dialog. */
interface DialogReport { inputs: number; unlabelled: string[]; missingKeys: string[]; rawKeys: string[] }

interface RedApi {
  nodes: { node(id: string): object | null; dirty(d: boolean): void; getType(t: string): { category: string; paletteLabel?: unknown } | undefined };
  view: { importNodes(nodes: object[], options?: object): void; redraw(full: boolean): void };
  editor: { edit(node: object): void; editConfig(name: string, type: string, id: string): void };
  sidebar: { show(id: string): void; help: { show(type: string, bringToFront?: boolean): void } };
  tray: { close(): void };
}

// The in-page checks, as plain JavaScript: functions compiled by tsx carry helpers (__name) the page lacks.
/** The help sidebar's rendering of a node's help, against the node's help source. */
const HELP_REPORT = String.raw`function (type) {
  var source = (document.querySelector('script[data-help-name="' + type + '"]') || {}).innerHTML || '';
  var title = document.querySelector('.red-ui-help-title');
  var help = title && title.nextElementSibling;
  if (!title || !help) return { title: '', rows: 0, sourceRows: -1, codes: 0, sourceCodes: -1, rawLines: [], backticks: [] };
  var text = function (e) { return (e.textContent || '').trim(); };
  var blocks = Array.prototype.slice.call(help.querySelectorAll('p, li, dd, dt')).map(text);
  var lines = source.split('\n');
  return {
    title: text(title),
    rows: help.querySelectorAll('dl.message-properties dt').length,
    sourceRows: lines.filter(function (l) { return l.indexOf(':') === 0; }).length,
    codes: help.querySelectorAll('code').length,
    sourceCodes: lines.reduce(function (n, l) { return n + ((l.match(/${'`'}[^${'`'}]+${'`'}/g) || []).length); }, 0),
    // blocks whose text still shows the description-list markup, or a code span broken apart
    rawLines: blocks.filter(function (s) { return /^:/.test(s) || /\)\s:\s/.test(s) || /(^|\s):\s\S.*\s:\s/.test(s); }),
    backticks: blocks.filter(function (s) { return s.indexOf('${'`'}') >= 0; })
  };
}`;

/** Replaces a node's help source in the page; returns the one it had. */
const SWAP_HELP = String.raw`function (type, markdown) {
  var script = document.querySelector('script[data-help-name="' + type + '"]');
  var before = script.innerHTML;
  script.innerHTML = markdown;
  return before;
}`;

/** An open edit dialog: its inputs without a label, its i18n keys the catalogs lack, keys shown as text. */
const DIALOG_REPORT = String.raw`function (selector) {
  var form = document.querySelector(selector);
  var text = function (e) { return e ? (e.textContent || '').replace(/\s+/g, ' ').trim() : ''; };
  var fields = Array.prototype.slice.call(form.querySelectorAll('input, select, textarea')).filter(function (e) {
    return e.type !== 'hidden' && e.id.indexOf('red-ui-trap') !== 0;
  });
  var unlabelled = [];
  fields.forEach(function (f) {
    var byFor = f.id ? Array.prototype.slice.call(document.querySelectorAll('label[for="' + f.id + '"]')).map(text).join(' ') : '';
    var wrapping = text(f.closest('label'));
    var aria = (f.getAttribute('aria-label') || '').trim() || (f.getAttribute('title') || '').trim();
    if (!byFor && !wrapping && !aria) unlabelled.push(f.tagName.toLowerCase() + '#' + (f.id || '(no id)'));
  });
  var missingKeys = [];
  Array.prototype.slice.call(form.querySelectorAll('[data-i18n]')).forEach(function (e) {
    e.getAttribute('data-i18n').split(';').forEach(function (part) {
      var key = part.replace(/^\[[^\]]*\]/, '');
      if (!i18next.exists(key)) missingKeys.push(key);
    });
  });
  var rawKeys = text(form).match(/\b[a-z]+(-[a-z]+)*\.(label|kind|status|errors|clock|start|output|probes)\.[\w-]+/g) || [];
  return { inputs: fields.length, unlabelled: unlabelled, missingKeys: missingKeys, rawKeys: rawKeys };
}`;

let server: NodeRedServer | undefined;
let context: BrowserContext | undefined;
let page: Page;
let packDir = '';
let browserProfile = '';

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => undefined);
}

describe('Node-RED editor: what a new user meets (real Node-RED 4.1, real Chromium)', { timeout: 900_000 }, () => {
  let bed: BedEnv | undefined;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    packDir = mkdtempSync(path.join(tmpdir(), 'csharg-h9-pack-'));
    const tarball = await buildAndPack(packDir);
    server = await startNodeRed(await userDirWith(tarball));
    browserProfile = mkdtempSync(path.join(tmpdir(), 'csharg-h9-chromium-'));
    context = await chromium.launchPersistentContext(browserProfile, {
      executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1600, height: 1000 },
    });
    page = context.pages()[0] ?? await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="edgeshark-capture"]', { timeout: 120_000 });
  });

  after(async () => {
    // The browser goes before its profile directory and before the server.
    await context?.close();
    if (browserProfile) rmSync(browserProfile, { recursive: true, force: true });
    await server?.stop();
    if (packDir) rmSync(packDir, { recursive: true, force: true });
  });

  it('the palette: one category "edgeshark" with every node, named for what it does', async () => {
    const palette = await page.evaluate((types) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { closest(s: string): { id: string } | null; textContent: string | null; querySelector(s: string): { textContent: string | null } | null } | null } }).document;
      return types.filter((t) => t !== 'edgeshark-host').map((t) => {
        const el = doc.querySelector(`.red-ui-palette-node[data-palette-type="${t}"]`);
        return { type: t, category: el?.closest('.red-ui-palette-category')?.id ?? null, label: el?.querySelector('.red-ui-palette-label')?.textContent?.replace(/\s+/g, ' ').trim() ?? null };
      });
    }, TYPES);
    await shot('01-palette');
    for (const p of palette) assert.equal(p.category, 'red-ui-palette-container-edgeshark', `${p.type} is in the edgeshark category`);
    const labels = Object.fromEntries(palette.map((p) => [p.type, p.label]));
    assert.equal(labels['edgeshark-capture'], 'live capture');
    assert.equal(labels['edgeshark-targets'], 'list targets');
    for (const p of palette) assert.ok(p.label && p.label.includes(' '), `${p.type}: "${p.label}" says what it does (more than one bare word)`);
  });

  for (const type of TYPES) {
    it(`${type}: the help renders (every property row, every code span, no raw markup)`, async () => {
      await page.evaluate((t) => (globalThis as unknown as { RED: RedApi }).RED.sidebar.help.show(t, true), type);
      await page.waitForSelector('.red-ui-help-title', { timeout: 10_000 });
      const report = await page.evaluate<HelpReport>(`(${HELP_REPORT})(${JSON.stringify(type)})`);
      assert.ok(report.title, `${type}: the help sidebar shows its help`);
      assert.deepEqual(report.rawLines, [], `${type}: no raw ": name (type) :" lines`);
      assert.deepEqual(report.backticks, [], `${type}: no backticks left (a code span broken apart)`);
      assert.ok(report.sourceRows > 0, `${type}: the help documents its properties`);
      assert.equal(report.rows, report.sourceRows, `${type}: every ": name (type) : text" line is a rendered property row`);
      assert.equal(report.codes, report.sourceCodes, `${type}: every code span is rendered as code`);
    });
  }

  it('the help check catches what the issue saw: rows of the old help, put in for one showing', async () => {
    // Rows as this package shipped them before: a colon inside a code span of the text, a URL,
    // and a Details row without a type. Shown through the same sidebar, then the real help is back.
    const OLD_ROWS = [
      '### Inputs',
      '',
      ': target (object | string) : optional: the target, a `packetflix:ws://…/capture?container=…&nif=a/b` link.',
      ': URL (string) : the Packetflix service, e.g. `http://edge-host:5001`; a path is kept as the base path.',
      '',
      '### Details',
      '',
      ': Protocols : `arp`, `ipv4`, `tcp` — at any layer.',
    ].join('\n');
    const original = await page.evaluate<string>(`(${SWAP_HELP})('packet-filter', ${JSON.stringify(OLD_ROWS)})`);
    try {
      await page.evaluate((t) => (globalThis as unknown as { RED: RedApi }).RED.sidebar.help.show(t, true), 'pcapng-decode');
      await page.evaluate((t) => (globalThis as unknown as { RED: RedApi }).RED.sidebar.help.show(t, true), 'packet-filter');
      await page.waitForSelector('.red-ui-help-title', { timeout: 10_000 });
      const report = await page.evaluate<HelpReport>(`(${HELP_REPORT})('packet-filter')`);
      await shot('old-help');
      assert.ok(report.rawLines.length > 0 || report.backticks.length > 0, `raw markup found: ${JSON.stringify(report)}`);
      assert.notEqual(report.rows, report.sourceRows, 'rows missing');
    } finally {
      await page.evaluate(`(${SWAP_HELP})('packet-filter', ${JSON.stringify(original)})`);
    }
  });

  for (const type of TYPES) {
    it(`${type}: the edit dialog labels every input and finds every text`, async () => {
      const id = `h9${type.replace(/-/g, '')}`;
      const isConfig = type === 'edgeshark-host';
      await page.evaluate(({ t, i, config }) => {
        const RED = (globalThis as unknown as { RED: RedApi }).RED;
        if (!RED.nodes.node(i)) {
          const tab = (globalThis as unknown as { RED: { workspaces: { active(): string } } }).RED.workspaces.active();
          RED.view.importNodes([config ? { id: i, type: t } : { id: i, type: t, z: tab, x: 200, y: 100, wires: [] }], { generateIds: false, addFlow: false });
        }
        const node = RED.nodes.node(i)!;
        if (config) RED.editor.editConfig('', t, i);
        else RED.editor.edit(node);
      }, { t: type, i: id, config: isConfig });
      const formSelector = isConfig ? '#node-config-dialog-edit-form' : '#dialog-form';
      await page.waitForSelector(formSelector, { timeout: 15_000 });
      // oneditprepare ran; give its asynchronous parts (the target list) a moment
      await page.waitForTimeout(500);
      await shot(`dialog-${type}`);
      const report = await page.evaluate<DialogReport>(`(${DIALOG_REPORT})(${JSON.stringify(formSelector)})`);
      await page.evaluate((config) => {
        const doc = (globalThis as unknown as { document: { querySelector(s: string): { click(): void } | null } }).document;
        doc.querySelector(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel')?.click();
      }, isConfig);
      await page.waitForSelector(formSelector, { state: 'detached', timeout: 15_000 });
      assert.ok(report.inputs > 0, `${type}: the dialog has inputs`);
      assert.deepEqual(report.unlabelled, [], `${type}: inputs without a label`);
      assert.deepEqual(report.missingKeys, [], `${type}: i18n keys not in the catalog`);
      assert.deepEqual(report.rawKeys, [], `${type}: i18n keys shown as text`);
    });
  }

  it('a bad capture filter at the real Packetflix and an unreachable host: the status the short reason, the debug sidebar the whole message as text, reason first', async (t) => {
    bed = await requireServices(t);
    if (!bed) return;
    const logged: { id: string; msg: string; format?: string; level?: number }[] = [];
    const comms = await debugMessages((d) => logged.push(d));
    t.after(() => comms.close());
    const t2 = bedNamespace(bed, 't2');
    const filter = `udp port ${PORT_BAD_FILTER} and nonsense((`;
    const capId = 'h9badfilter';
    await deploy([
      { id: 'h9svc1', type: 'edgeshark-host', source: 'url', url: serviceUrl(bed, 'svc1'), timeout: 30 },
      { id: capId, type: 'edgeshark-capture', host: 'h9svc1', target: JSON.stringify({ name: `${t2.name}(${t2.keeperPid})`, type: 'proc' }), targetLabel: `${t2.name}(${t2.keeperPid})`, filter, interfaces: ['eth0'], start: 'deploy', output: 'packets', x: 200, y: 100, wires: [] },
      { id: 'h9nobody', type: 'edgeshark-host', source: 'url', url: `http://127.0.0.1:${PORT_NOBODY}`, timeout: 30 },
      { id: 'h9unreachable', type: 'edgeshark-capture', host: 'h9nobody', target: JSON.stringify({ name: `${t2.name}(${t2.keeperPid})`, type: 'proc' }), targetLabel: 'unreachable', start: 'deploy', output: 'packets', x: 200, y: 180, wires: [] },
    ]);
    await page.evaluate(() => (globalThis as unknown as { RED: RedApi }).RED.sidebar.show('debug'));
    const status = await statusOf(capId, (s) => s !== '' && !/connecting/.test(s), 60_000);
    const error = page.locator('.red-ui-debug-msg.red-ui-debug-msg-level-20', { hasText: 'Invalid capture filter' });
    await error.first().waitFor({ timeout: 30_000 });
    await shot('bad-filter');
    assert.equal(status, 'invalid capture filter');
    // the sidebar shows a string in quotes, long ones cut (a click shows all): the reason comes first
    const shown = (await error.first().locator('.red-ui-debug-msg-payload').textContent())?.trim() ?? '';
    assert.ok(shown.startsWith(`"Invalid capture filter "${filter}" for interface 'eth0'. — `), `the reason first: ${shown}`);
    const fromNode = await until('the error in the runtime\'s debug messages', () => logged.find((d) => d.id === capId && d.level === 20), 10_000);
    assert.notEqual(fromNode.format, 'error', 'text, not an error object the sidebar shows collapsed');
    // all of it, as the sidebar got it: the reason, then the target and the service, then the code
    assert.ok(fromNode.msg.startsWith(`Invalid capture filter "${filter}" for interface 'eth0'. — capture of proc "${t2.name}(${t2.keeperPid})"`), fromNode.msg);
    assert.ok(fromNode.msg.includes(serviceUrl(bed, 'svc1').replace(/^http/, 'ws')), `the service: ${fromNode.msg}`);
    assert.match(fromNode.msg, /\[CAPTURE_FAILED\]$/, 'the code last');

    // a host nobody answers at: the capture first asks its discovery for the target, refused
    assert.equal(await statusOf('h9unreachable', (s) => s !== '' && !/connecting/.test(s), 60_000), 'host unreachable (connection refused)');
    const refused = await until('the unreachable host\'s error', () => logged.find((d) => d.id === 'h9unreachable' && d.level === 20), 30_000);
    assert.ok(refused.msg.startsWith(`host unreachable (connection refused): discovery at http://127.0.0.1:${PORT_NOBODY}/discover/mobyshark failed: `), refused.msg);
    assert.match(refused.msg, /ECONNREFUSED.*\[DISCOVERY_FAILED\]$/);
  });

  it('a live capture on this machine: "N packets" in the status; packet-stats closes windows on time when the traffic stops (0 pps)', async (t) => {
    bed ??= await requireBed(t);
    if (!bed) return;
    const windows: { start: number; packets: number; pps: number; complete: boolean }[] = [];
    const comms = await debugMessages((d: { id: string; msg: string }) => {
      if (d.id === 'h9statsdebug') windows.push(JSON.parse(d.msg) as { start: number; packets: number; pps: number; complete: boolean });
    });
    try {
      const t2 = bedNamespace(bed, 't2');
      await deploy([
        { id: 'h9local', type: 'edgeshark-host', source: 'local' },
        { id: 'h9cap', type: 'edgeshark-capture', host: 'h9local', target: JSON.stringify({ name: `${t2.name}(${t2.keeperPid})`, type: 'proc' }), targetLabel: `${t2.name}(${t2.keeperPid})`, filter: `udp port ${PORT_CAPTURE} or udp port ${PORT_STATS}`, interfaces: ['eth0'], start: 'deploy', output: 'batches', batchPackets: 100, batchMs: 500, x: 200, y: 100, wires: [['h9stats']] },
        { id: 'h9stats', type: 'packet-stats', windowMs: 1000, topK: 3, x: 400, y: 100, wires: [['h9statsdebug']] },
        { id: 'h9statsdebug', type: 'debug', active: true, tosidebar: true, complete: 'payload', targetType: 'msg', x: 600, y: 100, wires: [] },
      ]);
      await statusOf('h9cap', (s) => /capturing/.test(s), 60_000);
      // traffic until the capture node counts packets, as "… N packets"
      let capturing = '';
      for (let round = 0; round < 10 && !/[1-9]\d* packets$/.test(capturing); round++) {
        await sendUdp({ from: 't1', to: 't2', count: 20, rate: 100, size: 32, port: PORT_CAPTURE });
        capturing = await statusOf('h9cap', (s) => /capturing/.test(s), 10_000);
        if (!/[1-9]\d* packets$/.test(capturing)) await page.waitForTimeout(1200);
      }
      await shot('live-capturing');
      assert.match(capturing, /^capturing: \d+ packets\/s, [1-9]\d* packets$/, 'the total is named: packets');
      // a busy second for the stats, then silence
      const sent = await sendUdp({ from: 't1', to: 't2', count: 200, rate: 200, size: 32, port: PORT_STATS });
      const busy = await until('a window with packets', () => windows.find((w) => w.packets > 0), 30_000);
      const quietFrom = Date.now();
      const stats = await statusOf('h9stats', (s) => /, 0 pps/.test(s), 30_000);
      const afterQuiet = Date.now() - quietFrom;
      await until('three empty windows after the traffic', () => (windows.filter((w) => w.start > busy.start && w.packets === 0).length >= 3 ? true : undefined), 30_000);
      await shot('stats-quiet');
      t.diagnostic(`packet-stats showed "${stats}" ${afterQuiet} ms after the first busy window; windows: ${windows.map((w) => `${w.packets}${w.complete ? '' : '*'}`).join(' ')}`);
      assert.match(stats, /^0 packets, 0 pps/);
      const total = windows.reduce((n, w) => n + w.packets, 0);
      assert.ok(total >= sent.sent, `every datagram counted (${total} packets in windows, ${sent.sent} sent to port ${PORT_STATS}, the rest to ${PORT_CAPTURE})`);
      const tail = windows.slice(windows.indexOf(busy));
      tail.forEach((w, i) => { if (i > 0) assert.equal(w.start, tail[i - 1]!.start + 1000, 'windows follow each other, none missing, none twice'); });
      assert.ok(tail.every((w) => w.complete), 'windows closed on time are complete');
      const empties = tail.filter((w) => w.packets === 0);
      assert.ok(empties.length >= 3 && empties.every((w) => w.pps === 0), 'empty windows with zero counts');
    } finally {
      comms.close();
    }
  });
});

/**
 * Adds nodes to the open flow in the editor (config nodes stay global) and deploys, as a user
 * does with the Deploy button; resolves when the editor reports the flows deployed.
 */
async function deploy(nodes: { id: string; type: string; [k: string]: unknown }[]): Promise<void> {
  await page.evaluate((list) => {
    const RED = (globalThis as unknown as { RED: RedApi & { workspaces: { active(): string } } }).RED;
    const z = RED.workspaces.active();
    RED.view.importNodes(list.map((n) => (n.type === 'edgeshark-host' ? n : { ...n, z })), { generateIds: false, addFlow: false });
    RED.nodes.dirty(true);
    RED.view.redraw(true);
  }, nodes);
  await page.click('#red-ui-header-button-deploy');
  // the dialog-test nodes lack settings: the editor asks whether to deploy anyway
  const confirm = page.locator('#red-ui-deploy-dialog-confirm-deploy-deploy');
  await until('the deploy', async () => {
    if (await confirm.isVisible()) await confirm.click({ timeout: 2000 }).catch(() => undefined);
    return await page.evaluate('RED.nodes.dirty()') ? undefined : true;
  }, 60_000).catch(async (err: unknown) => {
    await shot('deploy-failed');
    throw err;
  });
}

/** The status text under a node in the editor (as the runtime reports it), once `match` accepts it. */
async function statusOf(id: string, match: (s: string) => boolean, ms: number): Promise<string> {
  return until(`a status of ${id}`, async () => {
    const s = await page.evaluate((i) => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
      return doc.querySelector(`g[id="${i}"] .red-ui-flow-node-status-label`)?.textContent ?? '';
    }, id);
    return match(s) ? s : undefined;
  }, ms);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The runtime's debug messages (what the debug sidebar gets), from its /comms socket. */
async function debugMessages(onMessage: (d: { id: string; msg: string; format?: string; level?: number }) => void): Promise<WebSocket> {
  const comms = new WebSocket(`${server!.url.replace(/^http/, 'ws')}/comms`);
  await new Promise<void>((resolve, reject) => comms.once('open', () => resolve()).once('error', reject));
  comms.on('message', (data: Buffer) => {
    for (const item of JSON.parse(data.toString()) as { topic: string; data: { id: string; msg: string; format?: string; level?: number } }[]) if (item.topic === 'debug') onMessage(item.data);
  });
  comms.send(JSON.stringify({ subscribe: 'debug' }));
  return comms;
}
